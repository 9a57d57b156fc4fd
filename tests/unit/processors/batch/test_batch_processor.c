/* test_batch_processor.c — merging and splitting requests (processors/batch/merge.c) and the batch
 * processor on a real libuv loop.
 *
 * Property: for random requests and requests made from the pprof fixtures, merge-then-split and
 * split-then-merge keep every sample's resolved form (resource, scope, profile fields, stack with
 * functions/files/lines/mappings, values, attributes, link, timestamps) identical as a multiset; every
 * piece validates, respects the size limit and has a dictionary without duplicate strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/model/dict.h"
#include "pipeline/pprof/pprof.h"
#include "pipeline/base/telemetry.h"
#include "processors/batch/batch_processor.h"
#include "processors/batch/merge.h"
#include "tests/unit/fixture.h"

/* ---------------------------------------------------------------- resolved forms */

typedef struct forms {
    char **items;
    size_t n;
} forms;

static void render_attrs(pf_buf *out, const pf_batch *b, const int32_t *idx, size_t n)
{
    /* attribute_indices are a set: sort the rendered entries */
    char **items = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const otlp_kvu *kv = b->req->dictionary->attribute_table[idx[i]];
        pf_buf one = {0};
        pf_buf_printf(&one, "%s=", pf_batch_string(b, kv->key_strindex));
        pf_any_value_render(&one, b, kv->value);
        pf_buf_printf(&one, "[%s]", pf_batch_string(b, kv->unit_strindex));
        pf_buf_append(&one, "", 0);
        items[i] = one.data;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(items[i], items[j]) > 0) {
                char *t = items[i];
                items[i] = items[j];
                items[j] = t;
            }
    pf_buf_puts(out, "{");
    for (size_t i = 0; i < n; i++) {
        pf_buf_printf(out, "%s,", items[i]);
        free(items[i]);
    }
    pf_buf_puts(out, "}");
    free(items);
}

static void render_kv_list(pf_buf *out, const pf_batch *b, otlp_kv *const *kvs, size_t n)
{
    otlp_any_value v = OTLP_ANY_VALUE_INIT;
    otlp_kv_list list = OTLP_KV_LIST_INIT;
    list.values = (otlp_kv **)kvs;
    list.n_values = n;
    v.value_case = OTLP_VALUE_KVLIST;
    v.kvlist_value = &list;
    pf_any_value_render(out, b, &v);
}

static void render_stack(pf_buf *out, const pf_batch *b, int32_t stack_index)
{
    const otlp_dictionary *d = b->req->dictionary;
    const otlp_stack *st = d->stack_table[stack_index];
    for (size_t i = 0; i < st->n_location_indices; i++) {
        const otlp_location *l = d->location_table[st->location_indices[i]];
        const otlp_mapping *m = d->mapping_table[l->mapping_index];
        pf_buf_printf(out, "@%llx[%s %llx-%llx+%llx ", (unsigned long long)l->address,
                      pf_batch_string(b, m->filename_strindex), (unsigned long long)m->memory_start,
                      (unsigned long long)m->memory_limit, (unsigned long long)m->file_offset);
        render_attrs(out, b, m->attribute_indices, m->n_attribute_indices);
        pf_buf_puts(out, "]");
        for (size_t k = 0; k < l->n_lines; k++) {
            const otlp_function *f = d->function_table[l->lines[k]->function_index];
            pf_buf_printf(out, "(%s/%s %s:%lld s%lld c%lld)", pf_batch_string(b, f->name_strindex),
                          pf_batch_string(b, f->system_name_strindex), pf_batch_string(b, f->filename_strindex),
                          (long long)l->lines[k]->line, (long long)f->start_line, (long long)l->lines[k]->column);
        }
        render_attrs(out, b, l->attribute_indices, l->n_attribute_indices);
        pf_buf_puts(out, ";");
    }
}

static void collect(const pf_batch *b, forms *f)
{
    const otlp_dictionary *d = b->req->dictionary;
    for (size_t r = 0; r < b->req->n_resource_profiles; r++) {
        const otlp_resource_profiles *rp = b->req->resource_profiles[r];
        for (size_t s = 0; s < rp->n_scope_profiles; s++) {
            const otlp_scope_profiles *sp = rp->scope_profiles[s];
            for (size_t p = 0; p < sp->n_profiles; p++) {
                const otlp_profile *prof = sp->profiles[p];
                for (size_t i = 0; i < prof->n_samples; i++) {
                    const otlp_sample *sm = prof->samples[i];
                    pf_buf o = {0};
                    render_kv_list(&o, b, rp->resource->attributes, rp->resource->n_attributes);
                    pf_buf_printf(&o, "|%s %s ", sp->scope->name, sp->scope->version);
                    render_kv_list(&o, b, sp->scope->attributes, sp->scope->n_attributes);
                    pf_buf_printf(&o, "|%s/%s %s/%s t%llu d%llu p%lld ",
                                  pf_batch_string(b, prof->sample_type ? prof->sample_type->type_strindex : 0),
                                  pf_batch_string(b, prof->sample_type ? prof->sample_type->unit_strindex : 0),
                                  pf_batch_string(b, prof->period_type ? prof->period_type->type_strindex : 0),
                                  pf_batch_string(b, prof->period_type ? prof->period_type->unit_strindex : 0),
                                  (unsigned long long)prof->time_unix_nano, (unsigned long long)prof->duration_nano,
                                  (long long)prof->period);
                    render_attrs(&o, b, prof->attribute_indices, prof->n_attribute_indices);
                    pf_buf_puts(&o, "|");
                    render_stack(&o, b, sm->stack_index);
                    pf_buf_puts(&o, "|v");
                    for (size_t k = 0; k < sm->n_values; k++) pf_buf_printf(&o, "%lld,", (long long)sm->values[k]);
                    pf_buf_puts(&o, "|");
                    render_attrs(&o, b, sm->attribute_indices, sm->n_attribute_indices);
                    const otlp_link *l = d->link_table[sm->link_index];
                    pf_buf_puts(&o, "|link");
                    for (size_t k = 0; k < l->trace_id.len; k++) pf_buf_printf(&o, "%02x", l->trace_id.data[k]);
                    for (size_t k = 0; k < l->span_id.len; k++) pf_buf_printf(&o, "%02x", l->span_id.data[k]);
                    pf_buf_puts(&o, "|ts");
                    for (size_t k = 0; k < sm->n_timestamps_unix_nano; k++)
                        pf_buf_printf(&o, "%llu,", (unsigned long long)sm->timestamps_unix_nano[k]);
                    pf_buf_append(&o, "", 0);
                    f->items = realloc(f->items, (f->n + 1) * sizeof(char *));
                    f->items[f->n++] = o.data;
                }
            }
        }
    }
}

static int cmp_form(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void forms_assert_equal(forms *a, forms *b)
{
    assert_int_equal(a->n, b->n);
    qsort(a->items, a->n, sizeof(char *), cmp_form);
    qsort(b->items, b->n, sizeof(char *), cmp_form);
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            fail_msg("sample %zu differs:\n  %s\n  %s", i, a->items[i], b->items[i]);
}

static void forms_free(forms *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->items[i]);
    free(f->items);
    f->items = NULL;
    f->n = 0;
}

static void assert_minimal_and_valid(pf_batch *b)
{
    char err[512];
    if (!pf_batch_validate(b, NULL, err, sizeof(err))) fail_msg("invalid: %s", err);
    const otlp_dictionary *d = b->req->dictionary;
    char **s = malloc((d->n_string_table + 1) * sizeof(char *));
    memcpy(s, d->string_table, d->n_string_table * sizeof(char *));
    qsort(s, d->n_string_table, sizeof(char *), cmp_form);
    for (size_t i = 1; i < d->n_string_table; i++)
        if (strcmp(s[i - 1], s[i]) == 0) fail_msg("duplicate string \"%s\" in the merged dictionary", s[i]);
    free(s);
}

/* ---------------------------------------------------------------- inputs */

static unsigned rnd(unsigned *seed, unsigned n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % n;
}

/* A request with 1-3 resources drawn from a small pool (so requests share resources), random stacks
 * over shared function/mapping names, sample attributes, links and timestamps. */
static pf_batch *random_request(unsigned seed)
{
    static const char *services[] = {"checkout", "cart", "search"};
    static const char *funcs[] = {"main", "run", "alloc", "gc", "write", "read", "hash"};
    pf_batch *b = pf_batch_new();
    int n_res = 1 + (int)rnd(&seed, 3);
    for (int r = 0; r < n_res; r++) {
        otlp_resource_profiles *rp = pf_batch_add_resource(b);
        pf_resource_set_string(b, rp->resource, "service.name", services[rnd(&seed, 3)]);
        otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, "agent", rnd(&seed, 2) ? "1.0" : "2.0");
        int n_prof = 1 + (int)rnd(&seed, 3);
        for (int p = 0; p < n_prof; p++) {
            otlp_profile *prof = pf_batch_add_profile(b, sp);
            prof->sample_type = pf_arena_alloc(b->arena, sizeof(otlp_value_type));
            *prof->sample_type = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
            prof->sample_type->type_strindex = pf_dict_string(b, rnd(&seed, 2) ? "cpu" : "alloc_space");
            prof->sample_type->unit_strindex = pf_dict_string(b, "nanoseconds");
            prof->time_unix_nano = 1700000000000000000ull + rnd(&seed, 1000);
            prof->duration_nano = 10000000000ull;
            prof->period = 10000000;
            prof->attribute_indices = pf_arena_alloc(b->arena, sizeof(int32_t));
            prof->attribute_indices[prof->n_attribute_indices++] =
                pf_dict_attr_string(b, "profile.kind", rnd(&seed, 2) ? "a" : "b", 0);
            int n_samples = (int)rnd(&seed, 40);
            prof->samples = pf_arena_alloc(b->arena, (size_t)(n_samples + 1) * sizeof(otlp_sample *));
            for (int i = 0; i < n_samples; i++) {
                int32_t locs[6];
                size_t depth = 1 + rnd(&seed, 6);
                for (size_t k = 0; k < depth; k++) {
                    int32_t map_attr = pf_dict_attr_string(b, "build.id", rnd(&seed, 2) ? "abc" : "def", 0);
                    int32_t mapping =
                        pf_dict_mapping(b, 0x400000, 0x800000, 0, pf_dict_string(b, "/bin/app"), &map_attr, 1);
                    const char *fn = funcs[rnd(&seed, 7)];
                    otlp_line line = OTLP_LINE_INIT;
                    line.function_index = pf_dict_function(b, pf_dict_string(b, fn), pf_dict_string(b, fn),
                                                           pf_dict_string(b, "app.go"), 10);
                    line.line = 10 + rnd(&seed, 50);
                    locs[k] = pf_dict_location(b, mapping, 0x400000 + rnd(&seed, 64) * 16, &line, 1, NULL, 0);
                }
                otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
                *s = (otlp_sample)OTLP_SAMPLE_INIT;
                s->stack_index = pf_dict_stack(b, locs, depth);
                s->values = pf_arena_alloc(b->arena, sizeof(int64_t));
                s->values[s->n_values++] = 1 + rnd(&seed, 1000);
                s->attribute_indices = pf_arena_alloc(b->arena, sizeof(int32_t));
                if (rnd(&seed, 2))
                    s->attribute_indices[s->n_attribute_indices++] = pf_dict_attr_int(b, "thread.id", rnd(&seed, 4), 0);
                if (rnd(&seed, 3) == 0) {
                    uint8_t trace[16] = {1, 2, 3}, span[8] = {4};
                    span[7] = (uint8_t)rnd(&seed, 3);
                    s->link_index = pf_dict_link(b, trace, span);
                }
                s->timestamps_unix_nano = pf_arena_alloc(b->arena, sizeof(uint64_t));
                s->timestamps_unix_nano[s->n_timestamps_unix_nano++] = prof->time_unix_nano + rnd(&seed, 100);
                prof->samples[prof->n_samples++] = s;
            }
        }
    }
    return b;
}

static pf_batch *fixture_request(const char *name)
{
    char *rel = pf_xasprintf("pprof/go/%s", name);
    pf_buf data = fixture_read(rel);
    pf_batch *b = pf_batch_new();
    pf_pprof pp;
    char err[256];
    if (!pf_pprof_parse(b->arena, data.data, data.len, 64 << 20, &pp, err, sizeof(err))) fail_msg("%s: %s", rel, err);
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp->resource, "service.name", name);
    pf_pprof_to_otlp(b, rp, &pp, NULL);
    pf_buf_free(&data);
    free(rel);
    return b;
}

/* ---------------------------------------------------------------- properties */

typedef struct pieces {
    pf_batch *items[4096];
    size_t n;
    size_t max;
} pieces;

static void keep_piece(pf_batch *piece, void *data)
{
    pieces *p = data;
    assert_true(pf_batch_sample_count(piece) <= p->max);
    assert_minimal_and_valid(piece);
    p->items[p->n++] = piece;
}

static pf_batch *merge_all(pf_batch *const *in, size_t n)
{
    pf_merge *m = pf_merge_new(in[0]);
    for (size_t i = 0; i < n; i++) pf_merge_add_batch(m, in[i]);
    pf_batch *out = pf_merge_take(m);
    pf_merge_free(m);
    return out;
}

static void check_round_trips(pf_batch *const *in, size_t n_in, size_t max)
{
    forms original = {0}, via_merge_split = {0}, via_split_merge = {0};
    for (size_t i = 0; i < n_in; i++) collect(in[i], &original);

    /* merge, then split */
    pf_batch *merged = merge_all(in, n_in);
    assert_minimal_and_valid(merged);
    assert_int_equal(pf_batch_sample_count(merged), original.n);
    pieces *p = calloc(1, sizeof(*p));
    p->max = max;
    pf_batch_split(merged, max, keep_piece, p);
    for (size_t i = 0; i < p->n; i++) {
        collect(p->items[i], &via_merge_split);
        pf_batch_unref(p->items[i]);
    }
    forms_assert_equal(&original, &via_merge_split);

    /* split each, then merge the pieces */
    p->n = 0;
    for (size_t i = 0; i < n_in; i++) pf_batch_split(in[i], max, keep_piece, p);
    pf_batch *remerged = merge_all(p->items, p->n);
    assert_minimal_and_valid(remerged);
    collect(remerged, &via_split_merge);
    forms_assert_equal(&original, &via_split_merge);

    /* merging is idempotent on the dictionary: the re-merge of pieces is no bigger than the merge */
    assert_int_equal(remerged->req->dictionary->n_string_table, merged->req->dictionary->n_string_table);
    assert_int_equal(remerged->req->dictionary->n_stack_table, merged->req->dictionary->n_stack_table);
    assert_int_equal(remerged->req->n_resource_profiles, merged->req->n_resource_profiles);

    for (size_t i = 0; i < p->n; i++) pf_batch_unref(p->items[i]);
    free(p);
    pf_batch_unref(merged);
    pf_batch_unref(remerged);
    forms_free(&original);
    forms_free(&via_merge_split);
    forms_free(&via_split_merge);
}

static void test_random_round_trips(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 40; seed++) {
        pf_batch *in[5];
        size_t n = 1 + seed % 5;
        for (size_t i = 0; i < n; i++) in[i] = random_request(seed * 100 + (unsigned)i);
        check_round_trips(in, n, 1 + seed % 17);
        for (size_t i = 0; i < n; i++) pf_batch_unref(in[i]);
    }
}

static void test_fixture_round_trips(void **state)
{
    (void)state;
    pf_batch *in[3] = {fixture_request("cpu.pb.gz"), fixture_request("allocs.pb.gz"), fixture_request("cpu-2.pb.gz")};
    check_round_trips(in, 3, 50);
    /* the same request twice merges into one resource and no new dictionary entries */
    pf_batch *twice[2] = {in[0], in[0]};
    pf_batch *once = merge_all(in, 1), *doubled = merge_all(twice, 2);
    assert_int_equal(doubled->req->n_resource_profiles, 1);
    assert_int_equal(doubled->req->resource_profiles[0]->n_scope_profiles, 1);
    assert_int_equal(doubled->req->dictionary->n_location_table, once->req->dictionary->n_location_table);
    assert_int_equal(doubled->req->dictionary->n_string_table, once->req->dictionary->n_string_table);
    assert_int_equal(pf_batch_sample_count(doubled), 2 * pf_batch_sample_count(in[0]));
    pf_batch_unref(once);
    pf_batch_unref(doubled);
    for (size_t i = 0; i < 3; i++) pf_batch_unref(in[i]);
}

/* ---------------------------------------------------------------- the component */

typedef struct sink {
    pf_batch *got[64];
    size_t n;
} sink;

static pf_status sink_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    (void)err;
    sink *s = self->data;
    s->got[s->n++] = b;
    return PF_OK;
}

static pf_batch *tenant_request(unsigned seed, const char *tenant)
{
    pf_batch *b = random_request(seed);
    pf_batch_set_tenant(b, tenant);
    return b;
}

/* A random request of `tenant` with between lo and hi samples. */
static pf_batch *request_sized(size_t lo, size_t hi, const char *tenant)
{
    for (unsigned seed = 1000; seed < 200000; seed++) {
        pf_batch *b = tenant_request(seed, tenant);
        size_t n = pf_batch_sample_count(b);
        if (n >= lo && n <= hi) return b;
        pf_batch_unref(b);
    }
    fail_msg("no random request has %zu to %zu samples", lo, hi);
    return NULL;
}

static void shutdown_done(pf_component *c, void *data)
{
    (void)c;
    *(bool *)data = true;
}

static void test_component(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    batch_processor_config cfg = {
        .send_batch_size = 150, .timeout = 50 * 1000000LL, .send_batch_max_size = 150, .metadata_cardinality_limit = 2};
    sink out = {0};
    pf_consumer next = {sink_consume, &out};
    pf_create_args args = {.id = "batch/test", .config = &cfg, .next = &next, .loop = &loop};
    pf_error err = {.retry_after_s = 0};
    pf_component *c = batch_processor_create(&args, &err);

    size_t sent_a = 0, sent_b = 0;
    for (unsigned i = 0; i < 6; i++) {
        pf_batch *b = tenant_request(7 + i, i % 2 ? "team-b" : "team-a");
        *(i % 2 ? &sent_b : &sent_a) += pf_batch_sample_count(b);
        assert_int_equal(pf_consumer_consume(&c->consumer, b, &err), PF_OK);
    }
    /* a third tenant exceeds metadata_cardinality_limit */
    assert_int_equal(pf_consumer_consume(&c->consumer, tenant_request(99, "team-c"), &err), PF_PERMANENT);
    assert_non_null(strstr(err.msg, "metadata_cardinality_limit"));
    uv_run(&loop, UV_RUN_DEFAULT); /* the timeout sends what is left */

    size_t got_a = 0, got_b = 0;
    for (size_t i = 0; i < out.n; i++) {
        size_t n = pf_batch_sample_count(out.got[i]);
        assert_true(n <= 150);
        const char *t = out.got[i]->meta.tenant;
        assert_non_null(t);
        if (strcmp(t, "team-a") == 0)
            got_a += n;
        else
            got_b += n;
        assert_minimal_and_valid(out.got[i]);
        pf_batch_unref(out.got[i]);
    }
    assert_int_equal(got_a, sent_a);
    assert_int_equal(got_b, sent_b);
    assert_true(out.n >= 2);
    assert_true(pf_metric_value(pf_metric_find("proflow_processor_batch_batches_sent_total",
                                               "processor=\"batch/test\",trigger=\"size\"")) >= 1);

    /* a request of at least half of send_batch_size goes on at once, as it came (not merged) */
    out.n = 0;
    pf_batch *big = request_sized(75, 150, "team-b");
    assert_int_equal(pf_consumer_consume(&c->consumer, big, &err), PF_OK);
    assert_int_equal(out.n, 1);
    assert_ptr_equal(out.got[0], big);
    pf_batch_unref(out.got[0]);

    /* a small request waits for the timeout */
    out.n = 0;
    pf_batch *small = request_sized(1, 74, "team-b");
    size_t small_samples = pf_batch_sample_count(small);
    assert_int_equal(pf_consumer_consume(&c->consumer, small, &err), PF_OK);
    assert_int_equal(out.n, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(out.n, 1);
    assert_int_equal(pf_batch_sample_count(out.got[0]), small_samples);
    pf_batch_unref(out.got[0]);
    assert_true(pf_metric_value(pf_metric_find("proflow_processor_batch_batches_sent_total",
                                               "processor=\"batch/test\",trigger=\"timeout\"")) >= 1);

    /* shutdown flushes what is pending */
    out.n = 0;
    pf_batch *late = request_sized(1, 74, "team-a");
    size_t late_samples = pf_batch_sample_count(late);
    assert_int_equal(pf_consumer_consume(&c->consumer, late, &err), PF_OK);
    bool done = false;
    c->ops->shutdown(c, 1000, shutdown_done, &done);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(done);
    size_t flushed = 0;
    for (size_t i = 0; i < out.n; i++) {
        flushed += pf_batch_sample_count(out.got[i]);
        pf_batch_unref(out.got[i]);
    }
    assert_int_equal(flushed, late_samples);
    c->ops->destroy(c);
    assert_int_equal(uv_loop_close(&loop), 0);
    pf_metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_round_trips),
        cmocka_unit_test(test_fixture_round_trips),
        cmocka_unit_test(test_component),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
