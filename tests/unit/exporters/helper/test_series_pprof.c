/* test_series_pprof.c — the scraper's pprof → pprof fast path (pipeline/model/wire.h, scope sources):
 * a batch built as the pprof scraper builds it gives the exporters the scraped bytes themselves, and
 * every change that could make the scope differ from those bytes makes them encode it again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "exporters/helper/series_pprof.h"
#include "pipeline/model/dict.h"
#include "pipeline/model/wire.h"
#include "processors/batch/merge.h"
#include "tests/unit/fixture.h"

typedef struct scraped {
    pf_buf body; /* the fixture as a target serves it */
    size_t samples;
} scraped;

/* What receivers/pprof/scrape.c makes of one scrape (delta off): resource labels, one scope per
 * pprof, the body kept with the scope. */
static pf_batch *scrape_batch(const scraped *s, const char *instance)
{
    pf_arena *a = pf_arena_create(4096);
    pf_pprof pp;
    char err[256];
    assert_true(pf_pprof_parse(a, s->body.data, s->body.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof err));
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp->resource, "service.name", "checkout");
    pf_resource_set_string(b, rp->resource, "instance", instance);
    otlp_scope_profiles *scope = pf_pprof_to_otlp(b, rp, &pp, "memory");
    pf_batch_scope_source_keep(b, scope, s->body.data, s->body.len, pp.p->n_sample);
    pf_arena_destroy(a);
    return b;
}

static scraped allocs_fixture(void)
{
    scraped s = {.body = fixture_read("pprof/go/allocs.pb.gz")};
    pf_arena *a = pf_arena_create(4096);
    pf_pprof pp;
    char err[256];
    assert_true(pf_pprof_parse(a, s.body.data, s.body.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof err));
    s.samples = pp.p->n_sample;
    pf_arena_destroy(a);
    return s;
}

static pf_series_pprofs build(const pf_batch *b)
{
    pf_series_pprofs out = {0};
    pf_series_options opts = {0};
    char err[256] = "";
    assert_true(pf_series_pprofs_build(b, &opts, &out, err, sizeof err));
    return out;
}

static bool is_body(const pf_series_pprof *item, const scraped *s)
{
    return item->pprof.gzipped.len == s->body.len && memcmp(item->pprof.gzipped.data, s->body.data, s->body.len) == 0;
}

/* Sum of every sample value of a gzipped pprof, decoded again. */
static int64_t value_sum(const pf_buf *gz)
{
    pf_arena *a = pf_arena_create(4096);
    pf_pprof pp;
    char err[256];
    assert_true(pf_pprof_parse(a, gz->data, gz->len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof err));
    int64_t sum = 0;
    for (size_t i = 0; i < pp.p->n_sample; i++)
        for (size_t v = 0; v < pp.p->sample[i]->n_value; v++) sum += pp.p->sample[i]->value[v];
    pf_arena_destroy(a);
    return sum;
}

static void test_scraped_bytes_sent_as_is(void **state)
{
    (void)state;
    scraped s = allocs_fixture();
    pf_batch *b = scrape_batch(&s, "a:1");
    pf_dict_string(b, "appended later"); /* dictionary appends change no existing entry: kept */
    pf_series_pprofs out = build(b);
    assert_int_equal(out.n, 1);
    assert_true(is_body(&out.items[0], &s));
    assert_int_equal(out.items[0].pprof.n_samples, s.samples);
    assert_string_equal(out.items[0].pprof.name, "memory");
    assert_string_equal(pf_labels_get(&out.items[0].labels, "__name__"), "memory");
    assert_string_equal(pf_labels_get(&out.items[0].labels, "service_name"), "checkout");
    assert_string_equal(pf_labels_get(&out.items[0].labels, "instance"), "a:1");
    pf_series_pprofs_free(&out);
    pf_batch_unref(b);
    pf_buf_free(&s.body);
}

/* A processor makes the batch writable before it changes it: encoded again, with the same values. */
static void test_writable_batch_encoded_again(void **state)
{
    (void)state;
    scraped s = allocs_fixture();
    pf_batch *b = pf_batch_make_writable(scrape_batch(&s, "a:1"));
    pf_series_pprofs out = build(b);
    assert_int_equal(out.n, 1);
    assert_false(is_body(&out.items[0], &s));
    assert_int_equal(value_sum(&out.items[0].pprof.gzipped), value_sum(&s.body));
    pf_series_pprofs_free(&out);
    pf_batch_unref(b);
    pf_buf_free(&s.body);
}

static bool not_alloc_space(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    (void)data;
    return ref->profile && strcmp(pf_batch_string(b, ref->profile->sample_type->type_strindex), "alloc_space") != 0;
}

static bool keep_all(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    (void)b;
    (void)data;
    return ref->profile != NULL;
}

/* Dropping one sample type of the scope (sampling, validation) leaves a pprof without it. */
static void test_filtered_scope_encoded_again(void **state)
{
    (void)state;
    scraped s = allocs_fixture();
    pf_batch *b = scrape_batch(&s, "a:1");
    pf_batch_filter_profiles(b, keep_all, NULL);
    pf_series_pprofs out = build(b);
    assert_true(is_body(&out.items[0], &s)); /* nothing removed: still the scraped pprof */
    pf_series_pprofs_free(&out);

    pf_batch_filter_profiles(b, not_alloc_space, NULL);
    out = build(b);
    assert_int_equal(out.n, 1);
    assert_false(is_body(&out.items[0], &s));
    pf_series_pprofs_free(&out);
    pf_batch_unref(b);
    pf_buf_free(&s.body);
}

/* The batch processor: scrapes of two targets merge into one batch and keep their bytes; two scrapes
 * of one target merge into one scope, which is neither pprof. */
static void test_merge_carries_sources(void **state)
{
    (void)state;
    scraped s = allocs_fixture();
    pf_batch *in[3] = {scrape_batch(&s, "a:1"), scrape_batch(&s, "b:1"), scrape_batch(&s, "a:1")};
    pf_merge *m = pf_merge_new(in[0]);
    pf_merge_add_batch(m, in[0]);
    pf_merge_add_batch(m, in[1]);
    pf_batch *two = pf_merge_take(m);
    pf_series_pprofs out = build(two);
    assert_int_equal(out.n, 2);
    assert_true(is_body(&out.items[0], &s) && is_body(&out.items[1], &s));
    pf_series_pprofs_free(&out);
    pf_merge_free(m);

    m = pf_merge_new(in[0]);
    pf_merge_add_batch(m, in[0]);
    pf_merge_add_batch(m, in[2]);
    pf_batch *same = pf_merge_take(m);
    out = build(same);
    assert_int_equal(out.n, 2); /* two pprofs of one series, encoded from the merged scope */
    assert_false(is_body(&out.items[0], &s) || is_body(&out.items[1], &s));
    assert_int_equal(value_sum(&out.items[0].pprof.gzipped) + value_sum(&out.items[1].pprof.gzipped),
                     2 * value_sum(&s.body));
    pf_series_pprofs_free(&out);

    pf_merge_free(m);
    pf_batch_unref(two);
    pf_batch_unref(same);
    for (size_t i = 0; i < 3; i++) pf_batch_unref(in[i]);
    pf_buf_free(&s.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scraped_bytes_sent_as_is),
        cmocka_unit_test(test_writable_batch_encoded_again),
        cmocka_unit_test(test_filtered_scope_encoded_again),
        cmocka_unit_test(test_merge_carries_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
