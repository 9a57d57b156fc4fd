/* fuzz_pprof_common.h — the pprof path shared by fuzz_pprof_raw.c and fuzz_pprof_gz.c: the bytes a
 * scrape target (pprof receiver) or a Pyroscope client sends, through pf_pprof_parse (gunzip when
 * gzipped, bounded), the scraper's delta for cumulative types (the input twice, as two scrapes),
 * pf_pprof_to_otlp, strict validation, and the way back to pprof (pf_pprof_from_batch → parse). */
#ifndef PF_FUZZ_PPROF_COMMON_H
#define PF_FUZZ_PPROF_COMMON_H

#include "receivers/pprof/delta.h"
#include "tests/fuzz/fuzz_common.h"

#define FUZZ_PPROF_MAX (8u << 20)

static inline void fuzz_translate(pf_pprof *pp, pf_scrape_delta *delta)
{
    char err[512] = "";
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp->resource, "service.name", "fuzz");
    otlp_scope_profiles *sp = pf_pprof_to_otlp(b, rp, pp, "process_cpu");
    FUZZ_CHECK(sp != NULL, "no scope");
    if (delta) pf_scrape_delta_stamp(delta, sp);
    FUZZ_CHECK(pf_batch_validate(b, NULL, err, sizeof(err)), "translated pprof is not a valid batch: %s", err);
    fuzz_check_validated_batch(b);
    pf_batch_unref(b);
}

static inline void fuzz_pprof_input(const uint8_t *data, size_t size)
{
    pf_arena *a = pf_arena_create(1 << 16);
    pf_pprof pp;
    char err[512] = "";
    if (!pf_pprof_parse(a, data, size, FUZZ_PPROF_MAX, &pp, err, sizeof(err))) {
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
        pf_arena_destroy(a);
        return;
    }
    fuzz_translate(&pp, NULL);
    /* Two scrapes of the same bytes: the first primes the baseline, the second is a delta. */
    pf_scrape_delta *d = pf_scrape_delta_new();
    (void)pf_scrape_delta_apply(d, &pp, 1000000000ull);
    pf_pprof second;
    FUZZ_CHECK(pf_pprof_parse(a, data, size, FUZZ_PPROF_MAX, &second, err, sizeof(err)), "second parse: %s", err);
    if (pf_scrape_delta_apply(d, &second, 2000000000ull)) fuzz_translate(&second, d);
    pf_scrape_delta_free(d);
    pf_arena_destroy(a);
}

#endif
