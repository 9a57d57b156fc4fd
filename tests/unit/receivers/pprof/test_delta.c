/* test_delta.c — receivers/pprof/delta.h on real consecutive Go snapshots (fixtures
 * pprof/go/delta-triplet): the first scrape only primes; the second yields exactly b − a for the
 * cumulative types (close to Go's own server-side ?seconds= delta), inuse_* pass through, a counter
 * going down restarts from zero, and profiles without cumulative types are untouched. The window a
 * delta covers (from the previous scrape to this one, on an injected clock) is stamped on the OTLP
 * Profiles of the cumulative types only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "receivers/pprof/delta.h"
#include "tests/unit/fixture.h"

/* The injected scrape clock: scrapes at T0, T0 + INTERVAL, … (unix ns). */
#define T0       1700000000000000000ull
#define INTERVAL 15000000000ull

static pf_pprof load(pf_arena *a, const char *rel)
{
    char *path = pf_xasprintf("pprof/go/%s", rel);
    pf_buf b = fixture_read(path);
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
    pf_scrape_delta *d = pf_scrape_delta_new();
    pf_pprof a = load(ar, "delta-triplet/allocs-a.pb.gz");
    assert_false(pf_scrape_delta_apply(d, &a, T0)); /* first scrape primes */
    assert_true(pf_scrape_delta_keys(d) > 0);

    pf_pprof b = load(ar, "delta-triplet/allocs-b.pb.gz");
    assert_true(pf_scrape_delta_apply(d, &b, T0 + INTERVAL));
    /* sample types: alloc_objects, alloc_space, inuse_objects, inuse_space */
    assert_int_equal(sum(&b, 0), 9557344 - 5834753);
    assert_int_equal(sum(&b, 1), 10365686163 - 6340994655);
    assert_int_equal(sum(&b, 2), 12440);    /* inuse_objects untouched */
    assert_int_equal(sum(&b, 3), 22678122); /* inuse_space untouched */
    /* Go's own 3 s server-side delta, fetched between a and b: 3983174873 bytes (timing skew ~1 %). */
    double ratio = (double)sum(&b, 1) / 3983174873.0;
    assert_true(ratio > 0.96 && ratio < 1.04);
    assert_true(b.p->n_sample <= 57);

    pf_scrape_delta_free(d);
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
        pf_scrape_delta *d = pf_scrape_delta_new();
        pf_pprof a = load(ar, cases[i].a), b = load(ar, cases[i].b);
        assert_false(pf_scrape_delta_apply(d, &a, T0));
        assert_true(pf_scrape_delta_apply(d, &b, T0 + INTERVAL));
        assert_int_equal(sum(&b, 0), cases[i].contentions);
        assert_int_equal(sum(&b, 1), cases[i].delay);
        pf_scrape_delta_free(d);
        pf_arena_destroy(ar);
    }
}

static void counter_going_down_restarts_from_zero(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_scrape_delta *d = pf_scrape_delta_new();
    pf_pprof b = load(ar, "delta-triplet/mutex-b.pb.gz");
    pf_pprof a = load(ar, "delta-triplet/mutex-a.pb.gz");
    assert_false(pf_scrape_delta_apply(d, &b, T0));
    /* a after b: as if the process restarted — a's totals are all new growth. */
    assert_true(pf_scrape_delta_apply(d, &a, T0 + INTERVAL));
    assert_int_equal(sum(&a, 0), 609);
    assert_int_equal(sum(&a, 1), 242064777);
    /* the same profile again: nothing grew, every sample drops out */
    pf_pprof again = load(ar, "delta-triplet/mutex-a.pb.gz");
    assert_true(pf_scrape_delta_apply(d, &again, T0 + 2 * INTERVAL));
    assert_int_equal(again.p->n_sample, 0);
    pf_scrape_delta_free(d);
    pf_arena_destroy(ar);
}

static void non_cumulative_profiles_pass_through(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_scrape_delta *d = pf_scrape_delta_new();
    pf_pprof g = load(ar, "goroutine.pb.gz");
    size_t n = g.p->n_sample;
    assert_true(pf_scrape_delta_apply(d, &g, T0));
    assert_int_equal(g.p->n_sample, n);
    assert_int_equal(sum(&g, 0), 17);
    assert_int_equal(pf_scrape_delta_keys(d), 0);
    pf_scrape_delta_free(d);
    pf_arena_destroy(ar);
}

/* The OTLP Profiles pf_pprof_to_otlp() makes of pp, stamped with d's window; the batch is the caller's. */
static otlp_scope_profiles *stamped(pf_batch *b, const pf_scrape_delta *d, const pf_pprof *pp)
{
    otlp_scope_profiles *scope = pf_pprof_to_otlp(b, pf_batch_add_resource(b), pp, "memory");
    pf_scrape_delta_stamp(d, scope);
    return scope;
}

static void assert_window(const otlp_profile *p, uint64_t start, uint64_t duration)
{
    assert_int_equal(p->time_unix_nano, start);
    assert_int_equal(p->duration_nano, duration);
}

static void window_is_the_time_between_scrapes(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_scrape_delta *d = pf_scrape_delta_new();
    pf_pprof a = load(ar, "delta-triplet/allocs-a.pb.gz");
    pf_pprof b = load(ar, "delta-triplet/allocs-b.pb.gz");
    pf_pprof again = load(ar, "delta-triplet/allocs-b.pb.gz");
    assert_false(pf_scrape_delta_apply(d, &a, T0));

    assert_true(pf_scrape_delta_apply(d, &b, T0 + INTERVAL));
    pf_batch *batch = pf_batch_new();
    otlp_scope_profiles *scope = stamped(batch, d, &b);
    assert_int_equal(scope->n_profiles, 4); /* alloc_objects, alloc_space, inuse_objects, inuse_space */
    assert_window(scope->profiles[0], T0, INTERVAL);
    assert_window(scope->profiles[1], T0, INTERVAL);
    /* The inuse_* snapshot shares the window, so the scrape stays one pprof downstream. */
    assert_window(scope->profiles[2], T0, INTERVAL);
    assert_window(scope->profiles[3], T0, INTERVAL);
    pf_batch_unref(batch);

    /* A failed scrape in between: the next delta covers both intervals. */
    assert_true(pf_scrape_delta_apply(d, &again, T0 + 3 * INTERVAL));
    batch = pf_batch_new();
    scope = stamped(batch, d, &again);
    assert_window(scope->profiles[0], T0 + INTERVAL, 2 * INTERVAL);
    assert_window(scope->profiles[1], T0 + INTERVAL, 2 * INTERVAL);
    pf_batch_unref(batch);

    pf_scrape_delta_free(d);
    pf_arena_destroy(ar);
}

static void reprimed_baseline_starts_the_next_window(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_scrape_delta *d = pf_scrape_delta_new();
    pf_pprof allocs = load(ar, "delta-triplet/allocs-a.pb.gz");
    pf_pprof mutex_a = load(ar, "delta-triplet/mutex-a.pb.gz");
    pf_pprof mutex_b = load(ar, "delta-triplet/mutex-b.pb.gz");
    assert_false(pf_scrape_delta_apply(d, &allocs, T0));
    /* Other cumulative types: only a new baseline, taken at this scrape. */
    assert_false(pf_scrape_delta_apply(d, &mutex_a, T0 + INTERVAL));
    assert_true(pf_scrape_delta_apply(d, &mutex_b, T0 + 2 * INTERVAL));
    pf_batch *batch = pf_batch_new();
    otlp_scope_profiles *scope = stamped(batch, d, &mutex_b);
    assert_int_equal(scope->n_profiles, 2); /* contentions, delay */
    assert_window(scope->profiles[0], T0 + INTERVAL, INTERVAL);
    assert_window(scope->profiles[1], T0 + INTERVAL, INTERVAL);
    pf_batch_unref(batch);
    pf_scrape_delta_free(d);
    pf_arena_destroy(ar);
}

static void clock_stepping_back_gives_an_empty_window(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_scrape_delta *d = pf_scrape_delta_new();
    pf_pprof a = load(ar, "delta-triplet/block-a.pb.gz");
    pf_pprof b = load(ar, "delta-triplet/block-b.pb.gz");
    assert_false(pf_scrape_delta_apply(d, &a, T0));
    assert_true(pf_scrape_delta_apply(d, &b, T0 - INTERVAL));
    pf_batch *batch = pf_batch_new();
    otlp_scope_profiles *scope = stamped(batch, d, &b);
    assert_window(scope->profiles[0], T0, 0);
    assert_window(scope->profiles[1], T0, 0);
    pf_batch_unref(batch);
    pf_scrape_delta_free(d);
    pf_arena_destroy(ar);
}

static void pass_through_profile_keeps_its_own_time(void **state)
{
    (void)state;
    pf_arena *ar = pf_arena_create(1 << 16);
    pf_scrape_delta *d = pf_scrape_delta_new();
    pf_pprof a = load(ar, "delta-triplet/allocs-a.pb.gz");
    pf_pprof b = load(ar, "delta-triplet/allocs-b.pb.gz");
    pf_pprof g = load(ar, "goroutine.pb.gz");
    assert_false(pf_scrape_delta_apply(d, &a, T0));
    assert_true(pf_scrape_delta_apply(d, &b, T0 + INTERVAL));
    /* The same state then sees a profile without cumulative types: nothing of the last window sticks. */
    assert_true(pf_scrape_delta_apply(d, &g, T0 + 2 * INTERVAL));
    pf_batch *batch = pf_batch_new();
    otlp_scope_profiles *scope = stamped(batch, d, &g);
    assert_int_equal(scope->n_profiles, 1);
    assert_window(scope->profiles[0], (uint64_t)g.p->time_nanos, (uint64_t)g.p->duration_nanos);
    pf_batch_unref(batch);
    pf_scrape_delta_free(d);
    pf_arena_destroy(ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allocs_delta_is_b_minus_a),
        cmocka_unit_test(mutex_and_block_deltas),
        cmocka_unit_test(counter_going_down_restarts_from_zero),
        cmocka_unit_test(non_cumulative_profiles_pass_through),
        cmocka_unit_test(window_is_the_time_between_scrapes),
        cmocka_unit_test(reprimed_baseline_starts_the_next_window),
        cmocka_unit_test(clock_stepping_back_gives_an_empty_window),
        cmocka_unit_test(pass_through_profile_keeps_its_own_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
