/* test_jfr.c — the JFR decoder against a real OpenJDK 17 recording and its `jfr print`
 * ground truth (event counts, counts by top frame and by thread, allocation weight), the pprof
 * profiles built from it, LabelsSnapshot decoding, and truncated / bit-flipped copies (errors, no
 * crashes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/jfr/jfr.h"
#include "receivers/pyroscope/jfr/labels.h"
#include "receivers/pyroscope/jfr/reader.h"
#include "receivers/pyroscope/ingest/name.h"
#include "tests/unit/fixture.h"

/* Per event kind: total, counts keyed by "top:<frame>" and "thread:<name>", weight sum. */
typedef struct tally {
    long count[PF_JFR_ACTIVE_SETTING + 1];
    json_t *by[PF_JFR_ACTIVE_SETTING + 1];
    int64_t alloc_weight;
    long monitor_object_class;
    long stackless[PF_JFR_ACTIVE_SETTING + 1]; /* events without a stack (ev->stack NULL or no frames) */
    int64_t stackless_alloc_weight;
    const char *stackless_alloc_thread;
} tally;

static void bump(json_t *obj, const char *prefix, const char *key)
{
    char k[512];
    snprintf(k, sizeof(k), "%s:%s", prefix, key ? key : "(null)");
    json_int_t cur = json_integer_value(json_object_get(obj, k));
    json_object_set_new(obj, k, json_integer(cur + 1));
}

static bool on_event(const pf_jfr_event *ev, void *data)
{
    tally *t = data;
    t->count[ev->kind]++;
    if (!t->by[ev->kind]) t->by[ev->kind] = json_object();
    if (ev->stack && ev->stack->n_frames) {
        bump(t->by[ev->kind], "top", ev->stack->frames[0].function);
    } else {
        t->stackless[ev->kind]++;
        if (ev->kind == PF_JFR_ALLOC_SAMPLE) {
            t->stackless_alloc_weight += ev->size;
            t->stackless_alloc_thread = ev->thread;
        }
    }
    bump(t->by[ev->kind], "thread", ev->thread);
    if (ev->kind == PF_JFR_ALLOC_SAMPLE) t->alloc_weight += ev->size;
    if (ev->kind == PF_JFR_MONITOR_ENTER && ev->object_class && strcmp(ev->object_class, "java/lang/Object") == 0)
        t->monitor_object_class++;
    return true;
}

/* Every [name, count] pair of the ground truth list equals our tally. */
static void assert_pairs(json_t *truth_list, json_t *ours, const char *prefix)
{
    size_t i;
    json_t *pair;
    assert_true(json_array_size(truth_list) > 0);
    json_array_foreach(truth_list, i, pair)
    {
        char k[512];
        snprintf(k, sizeof(k), "%s:%s", prefix, json_string_value(json_array_get(pair, 0)));
        json_int_t want = json_integer_value(json_array_get(pair, 1));
        json_int_t got = json_integer_value(json_object_get(ours, k));
        if (want != got) fail_msg("%s: want %lld got %lld", k, (long long)want, (long long)got);
    }
}

static void test_events_match_ground_truth(void **state)
{
    (void)state;
    pf_buf recording = fixture_read("jfr/java17-profile.jfr");
    char *truth_path = fixture_path("jfr/java17-profile.groundtruth.json");
    json_t *truth = json_load_file(truth_path, 0, NULL);
    assert_non_null(truth);
    free(truth_path);

    pf_arena *a = pf_arena_create(1 << 16);
    tally t = {0};
    char err[256];
    if (!pf_jfr_read((const uint8_t *)recording.data, recording.len, a, on_event, &t, err, sizeof(err)))
        fail_msg("%s", err);

    static const struct {
        const char *name;
        pf_jfr_event_kind kind;
    } kinds[] = {{"jdk.ExecutionSample", PF_JFR_EXECUTION_SAMPLE},
                 {"jdk.ObjectAllocationSample", PF_JFR_ALLOC_SAMPLE},
                 {"jdk.JavaMonitorEnter", PF_JFR_MONITOR_ENTER}};
    for (size_t k = 0; k < 3; k++) {
        json_t *gt = json_object_get(truth, kinds[k].name);
        assert_int_equal(t.count[kinds[k].kind], json_integer_value(json_object_get(gt, "count")));
        assert_pairs(json_object_get(gt, "by_top_frame"), t.by[kinds[k].kind], "top");
        assert_pairs(json_object_get(gt, "by_thread"), t.by[kinds[k].kind], "thread");
    }
    json_t *alloc = json_object_get(truth, "jdk.ObjectAllocationSample");
    assert_int_equal(t.alloc_weight, json_integer_value(json_object_get(alloc, "sum_weight_bytes")));
    assert_int_equal(t.monitor_object_class, 438);
    /* `jfr print --json` of the recording: one event has "stackTrace": null — an ObjectAllocationSample
     * of 1760 bytes by "C1 CompilerThread0" (JIT compiler threads have no Java frames; the event's
     * stack trace id is 0, which no StackTrace constant has). Every other event has frames. */
    assert_int_equal(t.stackless[PF_JFR_ALLOC_SAMPLE], 1);
    assert_int_equal(t.stackless_alloc_weight, 1760);
    assert_non_null(t.stackless_alloc_thread);
    assert_string_equal(t.stackless_alloc_thread, "C1 CompilerThread0");
    assert_int_equal(t.stackless[PF_JFR_EXECUTION_SAMPLE], 0);
    assert_int_equal(t.stackless[PF_JFR_MONITOR_ENTER], 0);
    /* The recording has no TLAB or park events enabled (summary shows 0). */
    assert_int_equal(t.count[PF_JFR_ALLOC_IN_NEW_TLAB], 0);
    assert_int_equal(t.count[PF_JFR_THREAD_PARK], 0);

    for (size_t k = 0; k <= PF_JFR_ACTIVE_SETTING; k++) json_decref(t.by[k]);
    json_decref(truth);
    pf_arena_destroy(a);
    pf_buf_free(&recording);
}

static int64_t value_sum(const Perftools__Profiles__Profile *p, size_t idx)
{
    int64_t s = 0;
    for (size_t i = 0; i < p->n_sample; i++) s += p->sample[i]->value[idx];
    return s;
}

static const char *str(const Perftools__Profiles__Profile *p, int64_t i) { return p->string_table[i]; }

static const pf_pyro_profile *find_profile(const pf_pyro_profile *ps, size_t n, const char *first_type)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(str(ps[i].pprof, ps[i].pprof->sample_type[0]->type), first_type) == 0) return &ps[i];
    return NULL;
}

static void parse_query(const char *qs, pf_pyro_query *q, pf_arena *a)
{
    char err[256];
    if (!pf_pyro_parse_query(qs, q, a, err, sizeof(err))) fail_msg("%s", err);
}

static void test_pprof_profiles(void **state)
{
    (void)state;
    pf_buf recording = fixture_read("jfr/java17-profile.jfr");
    pf_arena *a = pf_arena_create(1 << 16);
    pf_pyro_query q;
    parse_query("name=java-app%7Benv%3Dci%7D&from=1795253993&until=1795254003&format=jfr&spyName=javaspy", &q, a);
    pf_pyro_profile *ps;
    size_t n;
    char err[256];
    assert_int_equal(pf_pyro_decode_body(&q, "application/octet-stream", (const uint8_t *)recording.data, recording.len,
                                         64 << 20, a, &ps, &n, err, sizeof(err)),
                     PF_PYRO_OK);
    assert_int_equal(n, 3); /* cpu, alloc sample, lock */

    const pf_pyro_profile *cpu = find_profile(ps, n, "cpu");
    assert_non_null(cpu);
    assert_string_equal(pf_pyro_label_get(&cpu->labels, "__name__"), "process_cpu");
    assert_string_equal(pf_pyro_label_get(&cpu->labels, "service_name"), "java-app");
    assert_string_equal(pf_pyro_label_get(&cpu->labels, "env"), "ci");
    assert_string_equal(pf_pyro_label_get(&cpu->labels, "pyroscope_spy"), "javaspy");
    assert_int_equal(cpu->pprof->period, 10000000);
    assert_int_equal(value_sum(cpu->pprof, 0), 442LL * 10000000);
    assert_int_equal(cpu->pprof->time_nanos, 1795253993LL * 1000000000);
    assert_int_equal(cpu->pprof->duration_nanos, 10LL * 1000000000);

    const pf_pyro_profile *alloc = find_profile(ps, n, "alloc_sample_objects");
    assert_non_null(alloc);
    assert_string_equal(pf_pyro_label_get(&alloc->labels, "__name__"), "memory");
    assert_int_equal(value_sum(alloc->pprof, 0), 2524);
    assert_int_equal(value_sum(alloc->pprof, 1), 22188249432LL);
    /* The stackless event above is kept as the one sample without locations, with exactly its values. */
    size_t stackless = 0;
    for (size_t i = 0; i < alloc->pprof->n_sample; i++) {
        const Perftools__Profiles__Sample *smp = alloc->pprof->sample[i];
        if (smp->n_location_id) continue;
        stackless++;
        assert_int_equal(smp->value[0], 1);
        assert_int_equal(smp->value[1], 1760);
    }
    assert_int_equal(stackless, 1);

    const pf_pyro_profile *lock = find_profile(ps, n, "contentions");
    assert_non_null(lock);
    assert_string_equal(pf_pyro_label_get(&lock->labels, "__name__"), "mutex");
    assert_int_equal(value_sum(lock->pprof, 0), 438);
    /* Contenders hold the monitor ~15 ms each: the delay is in nanoseconds, not ticks. */
    assert_true(value_sum(lock->pprof, 1) > 438LL * 1000000);
    assert_true(value_sum(lock->pprof, 1) < 438LL * 100000000);

    /* Frames are "package/Class.method"; the hottest cpu leaf is Busy.fib. */
    const Perftools__Profiles__Profile *p = cpu->pprof;
    int64_t fib = 0;
    for (size_t i = 0; i < p->n_sample; i++) {
        const Perftools__Profiles__Location *leaf = p->location[p->sample[i]->location_id[0] - 1];
        const Perftools__Profiles__Function *fn = p->function[leaf->line[0]->function_id - 1];
        if (strcmp(str(p, fn->name), "Busy.fib") == 0) fib += p->sample[i]->value[0];
    }
    assert_int_equal(fib, 144LL * 10000000);
    pf_arena_destroy(a);
    pf_buf_free(&recording);
}

/* A LabelsSnapshot with context 7 -> {span=checkout}, in protobuf wire bytes; the strings come after
 * the context that uses them. */
static void test_labels_snapshot(void **state)
{
    (void)state;
    static const uint8_t pb[] = {
        0x0a, 0x0a, 0x08, 0x07, 0x12, 0x06,                                         /* contexts[7] = */
        0x0a, 0x04, 0x08, 0x01, 0x10, 0x02,                                         /*   labels[1] = 2 */
        0x12, 0x08, 0x08, 0x01, 0x12, 0x04, 's', 'p', 'a', 'n',                     /* strings[1] */
        0x12, 0x0c, 0x08, 0x02, 0x12, 0x08, 'c', 'h', 'e', 'c', 'k', 'o', 'u', 't', /* strings[2] */
    };
    pf_arena *a = pf_arena_create(4096);
    pf_jfr_labels l;
    char err[128];
    assert_true(pf_jfr_labels_decode(pb, sizeof(pb), a, &l, err, sizeof(err)));
    const pf_jfr_context *ctx = pf_jfr_labels_context(&l, 7);
    assert_non_null(ctx);
    assert_int_equal(ctx->n, 1);
    assert_string_equal(ctx->labels[0].key, "span");
    assert_string_equal(ctx->labels[0].value, "checkout");
    assert_null(pf_jfr_labels_context(&l, 8));
    /* Cut inside the first entry: malformed. */
    assert_false(pf_jfr_labels_decode(pb, 5, a, &l, err, sizeof(err)));
    assert_non_null(strstr(err, "LabelsSnapshot"));
    pf_arena_destroy(a);
}

static void test_truncated_and_flipped(void **state)
{
    (void)state;
    pf_buf recording = fixture_read("jfr/java17-profile.jfr");
    const uint8_t *jfr = (const uint8_t *)recording.data;
    size_t len = recording.len;
    pf_arena *a = pf_arena_create(1 << 16);
    tally t;
    char err[256];
    /* Truncations at many points: the chunk size no longer fits, always an error. */
    for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
        memset(&t, 0, sizeof(t));
        assert_false(pf_jfr_read(jfr, cut, a, on_event, &t, err, sizeof(err)));
        assert_true(strlen(err) > 0);
        for (size_t k = 0; k <= PF_JFR_ACTIVE_SETTING; k++) json_decref(t.by[k]);
    }
    /* Truncations with the chunk size patched to match, so decoding reaches the cut event. */
    uint8_t *copy = malloc(len);
    for (size_t cut = 68; cut < len; cut += len / 89 + 1) {
        memcpy(copy, jfr, cut);
        for (int i = 0; i < 8; i++) copy[8 + i] = (uint8_t)((uint64_t)cut >> (56 - 8 * i));
        memset(&t, 0, sizeof(t));
        pf_arena *ra = pf_arena_create(1 << 16);
        err[0] = '\0';
        if (!pf_jfr_read(copy, cut, ra, on_event, &t, err, sizeof(err))) assert_true(strlen(err) > 0);
        pf_arena_destroy(ra);
        for (size_t k = 0; k <= PF_JFR_ACTIVE_SETTING; k++) json_decref(t.by[k]);
    }
    /* Bit flips all over the file: must never crash; results may be errors or different counts. */
    unsigned seed = 12345;
    for (int round = 0; round < 600; round++) {
        memcpy(copy, jfr, len);
        for (int flips = 0; flips < 4; flips++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            copy[pos] ^= (uint8_t)(1u << (seed % 8));
        }
        memset(&t, 0, sizeof(t));
        pf_arena *ra = pf_arena_create(1 << 16);
        (void)pf_jfr_read(copy, len, ra, on_event, &t, err, sizeof(err));
        pf_arena_destroy(ra);
        for (size_t k = 0; k <= PF_JFR_ACTIVE_SETTING; k++) json_decref(t.by[k]);
    }
    free(copy);
    pf_arena_destroy(a);
    pf_buf_free(&recording);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_match_ground_truth),
        cmocka_unit_test(test_pprof_profiles),
        cmocka_unit_test(test_labels_snapshot),
        cmocka_unit_test(test_truncated_and_flipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
