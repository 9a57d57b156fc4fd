/* fuzz_common.h — shared by the libFuzzer harnesses in tests/fuzz/fuzz_*.c.
 *
 * Each harness defines LLVMFuzzerTestOneInput (and optionally LLVMFuzzerInitialize) and is linked
 * either with libFuzzer (-fsanitize=fuzzer, PROFLOW_FUZZ=ON with clang) or with replay_main.c, which
 * runs given files through the same entry (the ctest that replays tests/fuzz/regressions/ in every
 * build, the ASan one included).
 *
 * A harness answers an input by running it through the code proflow runs on such bytes and checking
 * what must hold afterwards (a refusal carries a message; what is accepted goes through the next
 * stages). A broken invariant aborts with FUZZ_CHECK, which libFuzzer reports as a crash.
 *
 * Header-only (static inline): every harness is its own executable. */
#ifndef PF_FUZZ_COMMON_H
#define PF_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/model/batch.h"
#include "pipeline/base/log.h"
#include "pipeline/pprof/pprof.h"
#include "pipeline/base/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                                                          \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond);                               \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* Exactly `len` bytes plus a terminating NUL, in a fresh allocation (ASan sees any read past it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);
    if (!s) abort();
    if (len) memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

/* Splits data at the first occurrence of `sep` (a byte sequence): head is before, tail after. False
 * when sep does not occur (then head is everything and tail is empty). */
static inline bool fuzz_split(const uint8_t *data, size_t len, const char *sep, const uint8_t **head, size_t *head_len,
                              const uint8_t **tail, size_t *tail_len)
{
    size_t n = strlen(sep);
    for (size_t i = 0; n && i + n <= len; i++) {
        if (memcmp(data + i, sep, n) == 0) {
            *head = data;
            *head_len = i;
            *tail = data + i + n;
            *tail_len = len - i - n;
            return true;
        }
    }
    *head = data;
    *head_len = len;
    *tail = data + len;
    *tail_len = 0;
    return false;
}

/* Logs off: a fuzzer runs millions of inputs and every refusal would log a line. */
static inline void fuzz_quiet(void) { pf_log_configure(PF_LOG_ERROR + 1, false); }

/* What every validated batch must survive on its way to an exporter: conversion to pprof (each of
 * which parses again as a pprof backend reads it) and serialization that decodes and validates again
 * with the same counts. */
static inline void fuzz_check_validated_batch(pf_batch *b)
{
    char err[512] = "";
    pf_series_pprof_items items = {0};
    FUZZ_CHECK(pf_pprof_from_batch(b, &items, err, sizeof(err)), "validated batch not convertible: %s", err);
    pf_arena *a = pf_arena_create(1 << 16);
    for (size_t i = 0; i < items.n; i++) {
        pf_pprof pp;
        FUZZ_CHECK(pf_pprof_parse(a, items.items[i].gzipped.data, items.items[i].gzipped.len,
                                  PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err)),
                   "exported pprof %zu does not parse: %s", i, err);
    }
    pf_arena_destroy(a);
    pf_pprof_items_free(&items);

    pf_buf wire = {0};
    FUZZ_CHECK(pf_batch_pack(b, &wire) == pf_batch_packed_size(b), "packed size differs");
    pf_batch *again = pf_batch_decode((const uint8_t *)wire.data, wire.len);
    FUZZ_CHECK(again != NULL, "repacked batch does not decode");
    FUZZ_CHECK(pf_batch_profile_count(again) == pf_batch_profile_count(b), "profile count changed");
    FUZZ_CHECK(pf_batch_sample_count(again) == pf_batch_sample_count(b), "sample count changed");
    FUZZ_CHECK(pf_batch_validate(again, NULL, err, sizeof(err)), "repacked batch no longer valid: %s", err);
    pf_batch_unref(again);
    pf_buf_free(&wire);
}

#endif
