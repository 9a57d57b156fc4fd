/* test_robustness_seeds.h — real inputs for the test_robustness_*.c tests: the pprof fixtures (as
 * files, decompressed, or translated into OTLP requests) and the checks every decoded batch must
 * pass on its way to an exporter.
 *
 * Header-only (static inline) because each unit test is its own executable.
 * Ownership: corpora are the caller's (rb_corpus_free); batches returned are one reference the caller
 * unrefs. */
#ifndef TEST_ROBUSTNESS_SEEDS_H
#define TEST_ROBUSTNESS_SEEDS_H

#include "net/compress.h"
#include "pipeline/pprof/pprof.h"
#include "tests/unit/test_robustness_mutate.h"

/* Fixtures under PROFLOW_FIXTURES, from small to large. */
static const char *const rb_pprof_fixtures[] = {
    "pprof/go/mutex.pb.gz",     "pprof/go/threadcreate.pb.gz", "pprof/go/block.pb.gz", "pprof/node/heap.pb.gz",
    "pprof/go/goroutine.pb.gz", "pprof/node/cpu.pb.gz",        "pprof/go/heap.pb.gz",  "pprof/go/allocs.pb.gz",
    "pprof/go/cpu-2.pb.gz",     "pprof/go/cpu.pb.gz",
};
#define RB_N_PPROF_FIXTURES (sizeof(rb_pprof_fixtures) / sizeof(rb_pprof_fixtures[0]))

/* The first `n` pprof fixtures, as stored (gzipped). */
static inline void rb_pprof_gzipped_corpus(rb_corpus *c, size_t n)
{
    for (size_t i = 0; i < n && i < RB_N_PPROF_FIXTURES; i++)
        rb_corpus_add_file(c, "PROFLOW_FIXTURES", rb_pprof_fixtures[i]);
}

/* The first `n` pprof fixtures, gunzipped to raw protobuf. */
static inline void rb_pprof_raw_corpus(rb_corpus *c, size_t n)
{
    rb_corpus gz = {0};
    rb_pprof_gzipped_corpus(&gz, n);
    for (size_t i = 0; i < gz.n; i++) {
        pf_buf raw = {0};
        char err[256];
        if (pf_decompress("gzip", gz.items[i].data, gz.items[i].len, PF_PPROF_DEFAULT_MAX_BYTES, &raw, err,
                          sizeof(err)) != PF_DECOMPRESS_OK)
            fail_msg("%s: %s", rb_pprof_fixtures[i], err);
        rb_corpus_add(c, raw.data, raw.len);
        pf_buf_free(&raw);
    }
    rb_corpus_free(&gz);
}

/* An OTLP batch holding the given gzipped pprofs, one resource each (with a service.name). */
static inline pf_batch *rb_batch_of_pprofs(const pf_buf *const *pprofs, size_t n)
{
    pf_arena *a = pf_arena_create(1 << 16);
    pf_batch *b = pf_batch_new();
    for (size_t i = 0; i < n; i++) {
        pf_pprof pp;
        char err[512];
        if (!pf_pprof_parse(a, pprofs[i]->data, pprofs[i]->len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err)))
            fail_msg("%s", err);
        otlp_resource_profiles *rp = pf_batch_add_resource(b);
        pf_resource_set_string(b, rp->resource, "service.name", "robustness");
        otlp_scope_profiles *sp = pf_pprof_to_otlp(b, rp, &pp, i % 2 ? "memory" : NULL);
        /* profile_id is random; a fixed one keeps every run's inputs, and so its mutants, the same. */
        for (size_t k = 0; k < sp->n_profiles; k++)
            memset(sp->profiles[k]->profile_id.data, (int)(i * 16 + k + 1), sp->profiles[k]->profile_id.len);
    }
    pf_arena_destroy(a);
    return b;
}

/* ExportProfilesServiceRequest bytes: one request per fixture among the first `n`, plus one holding
 * the first three together (several resources sharing one dictionary). */
static inline void rb_otlp_corpus(rb_corpus *c, size_t n)
{
    rb_corpus gz = {0};
    rb_pprof_gzipped_corpus(&gz, n);
    for (size_t i = 0; i <= gz.n; i++) {
        const pf_buf *group[3] = {&gz.items[0], &gz.items[1 % gz.n], &gz.items[2 % gz.n]};
        const pf_buf *one = i < gz.n ? &gz.items[i] : NULL;
        pf_batch *b = one ? rb_batch_of_pprofs(&one, 1) : rb_batch_of_pprofs(group, 3);
        pf_buf wire = {0};
        pf_batch_pack(b, &wire);
        rb_corpus_add(c, wire.data, wire.len);
        pf_buf_free(&wire);
        pf_batch_unref(b);
    }
    rb_corpus_free(&gz);
}

/* What every validated batch must survive: conversion to pprof (each of which parses again, as a
 * pprof backend would read it), and serialization that decodes and validates again with the same
 * counts. */
static inline void rb_check_validated_batch(pf_batch *b)
{
    char err[512] = "";
    pf_series_pprof_items items = {0};
    if (!pf_pprof_from_batch(b, &items, err, sizeof(err))) fail_msg("validated batch not convertible: %s", err);
    pf_arena *a = pf_arena_create(1 << 16);
    for (size_t i = 0; i < items.n; i++) {
        pf_pprof pp;
        if (!pf_pprof_parse(a, items.items[i].gzipped.data, items.items[i].gzipped.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp,
                            err, sizeof(err)))
            fail_msg("exported pprof %zu does not parse: %s", i, err);
    }
    pf_arena_destroy(a);
    pf_pprof_items_free(&items);

    pf_buf wire = {0};
    assert_int_equal(pf_batch_pack(b, &wire), pf_batch_packed_size(b));
    pf_batch *again = pf_batch_decode((const uint8_t *)wire.data, wire.len);
    assert_non_null(again);
    assert_int_equal(pf_batch_profile_count(again), pf_batch_profile_count(b));
    assert_int_equal(pf_batch_sample_count(again), pf_batch_sample_count(b));
    if (!pf_batch_validate(again, NULL, err, sizeof(err))) fail_msg("repacked batch no longer valid: %s", err);
    pf_batch_unref(again);
    pf_buf_free(&wire);
}

#endif
