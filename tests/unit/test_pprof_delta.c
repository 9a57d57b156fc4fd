/* test_pprof_delta.c — receivers/pprof/delta.h on real consecutive Go snapshots (fixtures
 * pprof/go/delta-triplet): the first scrape only primes; the second yields exactly b − a for the
 * cumulative types (close to Go's own server-side ?seconds= delta), inuse_* pass through, a counter
 * going down restarts from zero, and profiles without cumulative types are untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receivers/pprof/delta.h"

static pf_pprof load(pf_arena *a, const char *rel)
{
    const char *dir = getenv("PROFLOW_FIXTURES");
    assert_non_null(dir);
    char *path = pf_xasprintf("%s/pprof/go/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    pf_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) pf_buf_append(&b, chunk, n);
    fclose(f);
    free(path);
    pf_pprof pp;
    char err[256] = "";
    if (!pf_pprof_parse(a, b.data, b.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err))) fail_msg("%s", err);
    pf_buf_free(&b);
    return pp;
}

static int64_t sum(const pf_pprof *pp, size_t type)
{
    int64_t s = 0;
    for (size_t i = 0; i < pp->p->n_sample; i++) s += pp->p->sample[i]->value[type];
    return s;
}

static void allocs_delta_is_b_minus_a(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_pprof_delta *d = pf_pprof_delta_new();
    pf_pprof a = load(ar, "delta-triplet/allocs-a.pb.gz");
    assert_false(pf_pprof_delta_apply(d, &a)); /* first scrape primes */
    assert_true(pf_pprof_delta_keys(d) > 0);

    pf_pprof b = load(ar, "delta-triplet/allocs-b.pb.gz");
    assert_true(pf_pprof_delta_apply(d, &b));
    /* sample types: alloc_objects, alloc_space, inuse_objects, inuse_space */
    assert_int_equal(sum(&b, 0), 9557344 - 5834753);
    assert_int_equal(sum(&b, 1), 10365686163 - 6340994655);
    assert_int_equal(sum(&b, 2), 12440);    /* inuse_objects untouched */
    assert_int_equal(sum(&b, 3), 22678122); /* inuse_space untouched */
    /* Go's own 3 s server-side delta, fetched between a and b: 3983174873 bytes (timing skew ~1 %). */
    double ratio = (double)sum(&b, 1) / 3983174873.0;
    assert_true(ratio > 0.96 && ratio < 1.04);
    assert_true(b.p->n_sample <= 57);

    pf_pprof_delta_free(d);
    pf_arena_destroy(ar);
}

static void mutex_and_block_deltas(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int64_t contentions, delay;
    } cases[] = {
        {"delta-triplet/mutex-a.pb.gz", "delta-triplet/mutex-b.pb.gz", 983 - 609, 396898647 - 242064777},
        {"delta-triplet/block-a.pb.gz", "delta-triplet/block-b.pb.gz", 2408 - 1488, 42075802373 - 20453949700},
    };
    for (size_t i = 0; i < 2; i++) {
        pf_arena *ar = pf_arena_create(1 << 16);
        pf_pprof_delta *d = pf_pprof_delta_new();
        pf_pprof a = load(ar, cases[i].a), b = load(ar, cases[i].b);
        assert_false(pf_pprof_delta_apply(d, &a));
        assert_true(pf_pprof_delta_apply(d, &b));
        assert_int_equal(sum(&b, 0), cases[i].contentions);
        assert_int_equal(sum(&b, 1), cases[i].delay);
        pf_pprof_delta_free(d);
        pf_arena_destroy(ar);
    }
}

static void counter_going_down_restarts_from_zero(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_pprof_delta *d = pf_pprof_delta_new();
    pf_pprof b = load(ar, "delta-triplet/mutex-b.pb.gz");
    pf_pprof a = load(ar, "delta-triplet/mutex-a.pb.gz");
    assert_false(pf_pprof_delta_apply(d, &b));
    /* a after b: as if the process restarted — a's totals are all new growth. */
    assert_true(pf_pprof_delta_apply(d, &a));
    assert_int_equal(sum(&a, 0), 609);
    assert_int_equal(sum(&a, 1), 242064777);
    /* the same profile again: nothing grew, every sample drops out */
    pf_pprof again = load(ar, "delta-triplet/mutex-a.pb.gz");
    assert_true(pf_pprof_delta_apply(d, &again));
    assert_int_equal(again.p->n_sample, 0);
    pf_pprof_delta_free(d);
    pf_arena_destroy(ar);
}

static void non_cumulative_profiles_pass_through(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_pprof_delta *d = pf_pprof_delta_new();
    pf_pprof g = load(ar, "goroutine.pb.gz");
    size_t n = g.p->n_sample;
    assert_true(pf_pprof_delta_apply(d, &g));
    assert_int_equal(g.p->n_sample, n);
    assert_int_equal(sum(&g, 0), 17);
    assert_int_equal(pf_pprof_delta_keys(d), 0);
    pf_pprof_delta_free(d);
    pf_arena_destroy(ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allocs_delta_is_b_minus_a),
        cmocka_unit_test(mutex_and_block_deltas),
        cmocka_unit_test(counter_going_down_restarts_from_zero),
        cmocka_unit_test(non_cumulative_profiles_pass_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
