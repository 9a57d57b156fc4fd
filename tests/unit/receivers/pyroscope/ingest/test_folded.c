/* test_folded.c — folded ("a;b;c 123") and lines bodies into pprof: stacks leaf first,
 * deduplicated functions/locations/samples, cpu scaling by 1e9/sampleRate, non-cpu suffixes,
 * CRLF, gzip and malformed counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/compress.h"
#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/ingest/name.h"

static const char *str(const Perftools__Profiles__Profile *p, int64_t i) { return p->string_table[i]; }

static const char *fn_name(const Perftools__Profiles__Profile *p, uint64_t location_id)
{
    const Perftools__Profiles__Location *l = p->location[location_id - 1];
    assert_int_equal(l->id, location_id);
    return str(p, p->function[l->line[0]->function_id - 1]->name);
}

static pf_pyro_profile *decode(pf_arena *a, const char *qs, const char *body, size_t len)
{
    pf_pyro_query q;
    char err[256];
    assert_true(pf_pyro_parse_query(qs, &q, a, err, sizeof(err)));
    pf_pyro_profile *ps;
    size_t n;
    if (pf_pyro_decode_body(&q, NULL, (const uint8_t *)body, len, 1 << 20, a, &ps, &n, err, sizeof(err)) != PF_PYRO_OK)
        fail_msg("%s", err);
    assert_int_equal(n, 1);
    return ps;
}

static void test_folded_cpu(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    static const char body[] = "foo;bar 100\r\nfoo;baz 200\nno-count-line\n\nfoo;bar 5\nmain;foo;bar 0\n";
    pf_pyro_profile *ps = decode(a, "name=curl-test-app%7Benv%3Dx%7D&from=1615709120&until=1615709130&sampleRate=100",
                                 body, strlen(body));
    const Perftools__Profiles__Profile *p = ps[0].pprof;
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "__name__"), "process_cpu");
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "service_name"), "curl-test-app");
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "env"), "x");
    assert_int_equal(p->n_sample_type, 1);
    assert_string_equal(str(p, p->sample_type[0]->type), "cpu");
    assert_string_equal(str(p, p->sample_type[0]->unit), "nanoseconds");
    assert_string_equal(str(p, p->period_type->type), "cpu");
    assert_int_equal(p->period, 10000000);
    assert_int_equal(p->time_nanos, 1615709120LL * 1000000000);
    assert_int_equal(p->duration_nanos, 10LL * 1000000000);
    /* foo;bar twice (merged), foo;baz; zero counts and count-less lines dropped. */
    assert_int_equal(p->n_sample, 2);
    assert_int_equal(p->n_function, 3);
    assert_int_equal(p->n_location, 3);
    assert_int_equal(p->sample[0]->n_location_id, 2);
    assert_string_equal(fn_name(p, p->sample[0]->location_id[0]), "bar");
    assert_string_equal(fn_name(p, p->sample[0]->location_id[1]), "foo");
    assert_int_equal(p->sample[0]->value[0], 105LL * 10000000);
    assert_string_equal(fn_name(p, p->sample[1]->location_id[0]), "baz");
    assert_int_equal(p->sample[1]->value[0], 200LL * 10000000);
    pf_arena_destroy(a);
}

static void test_folded_other_types(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    static const char body[] = "main;alloc 4096\nmain;alloc;grow 1024\n";
    pf_pyro_profile *ps = decode(a, "name=svc.alloc_space&format=folded", body, strlen(body));
    const Perftools__Profiles__Profile *p = ps[0].pprof;
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "__name__"), "memory");
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "service_name"), "svc");
    assert_string_equal(str(p, p->sample_type[0]->type), "alloc_space");
    assert_string_equal(str(p, p->sample_type[0]->unit), "bytes");
    assert_null(p->period_type);
    assert_int_equal(p->sample[0]->value[0] + p->sample[1]->value[0], 5120);

    /* sampleRate=0: cpu keeps raw sample counts. */
    ps = decode(a, "name=svc.cpu&sampleRate=0", "a;b 3\n", 6);
    assert_string_equal(str(ps[0].pprof, ps[0].pprof->sample_type[0]->type), "samples");
    assert_string_equal(str(ps[0].pprof, ps[0].pprof->sample_type[0]->unit), "count");
    assert_int_equal(ps[0].pprof->sample[0]->value[0], 3);
    pf_arena_destroy(a);
}

static void test_lines_and_gzip(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    static const char body[] = "foo;bar\nfoo;bar\nfoo;baz\n\nfoo;bar";
    pf_buf gz = {0};
    assert_true(pf_compress("gzip", body, strlen(body), &gz));
    pf_pyro_profile *ps = decode(a, "name=app.wall&format=lines&sampleRate=50", gz.data, gz.len);
    pf_buf_free(&gz);
    const Perftools__Profiles__Profile *p = ps[0].pprof;
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "__name__"), "wall");
    assert_string_equal(str(p, p->sample_type[0]->type), "wall");
    assert_int_equal(p->n_sample, 2);
    assert_int_equal(p->sample[0]->value[0], 3LL * 20000000);
    assert_int_equal(p->sample[1]->value[0], 1LL * 20000000);
    pf_arena_destroy(a);
}

static void test_malformed(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    pf_pyro_query q;
    char err[256];
    pf_pyro_profile *ps;
    size_t n;
    assert_true(pf_pyro_parse_query("name=app", &q, a, err, sizeof(err)));
    static const struct {
        const char *body, *msg;
    } bad[] = {
        {"a;b 1\na;b x12\n", "line 2: invalid sample count \"x12\""},
        {"a;b -3\n", "line 1: invalid sample count \"-3\""},
        {"a;b 1234567890123456789\n", "line 1: invalid sample count \"1234567890123456789\""},
        {"a;b 999999999999999999\n", "line 1: sample count 999999999999999999 overflows"},
        {"a;b \n", "line 1: invalid sample count \"\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(pf_pyro_decode_body(&q, "text/plain", (const uint8_t *)bad[i].body, strlen(bad[i].body),
                                             1 << 20, a, &ps, &n, err, sizeof(err)),
                         PF_PYRO_BAD_REQUEST);
        assert_string_equal(err, bad[i].msg);
    }
    pf_arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folded_cpu),
        cmocka_unit_test(test_folded_other_types),
        cmocka_unit_test(test_lines_and_gzip),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
