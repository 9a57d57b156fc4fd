/* target_series.h — the per-target metric series of the pprof scraper (up, scrape duration, bytes,
 * scrapes, errors, skipped scrapes, and last_error per failure reason), labelled receiver, job,
 * instance and profile.
 *
 * Targets with the same labels (an address listed twice, or relabeled to the same instance) share one
 * scrape_series, which counts them. When the last of them goes (file_sd no longer lists it, or the
 * scraper is freed, as on a config reload), its series are removed from the metric registry, so
 * /metrics stops reporting a target that is gone.
 *
 * Ownership: a scrape_series_set owns its scrape_series. scrape_series_acquire() hands out a reference
 * that the target gives back with scrape_series_release(). scrape_series_set_free() removes the series
 * still held (in the registry's order, so tearing down thousands of targets stays fast) and frees
 * them; the references still held become invalid. */
#ifndef PF_RECEIVER_PPROF_TARGET_SERIES_H
#define PF_RECEIVER_PPROF_TARGET_SERIES_H

#include <stddef.h>

#include "pipeline/base/telemetry.h"

/* How a scrape ended. */
typedef enum scrape_outcome {
    PPROF_SCRAPE_OK,
    PPROF_FAIL_TIMEOUT,
    PPROF_FAIL_CONNECTION,
    PPROF_FAIL_HTTP_STATUS,
    PPROF_FAIL_BODY_SIZE_LIMIT,
    PPROF_FAIL_BAD_PPROF,
    PPROF_OUTCOMES
} scrape_outcome;

/* The series of one label set, in the order their families are registered. */
enum { PPROF_M_UP, PPROF_M_DURATION, PPROF_M_BYTES, PPROF_M_ERRORS, PPROF_M_SKIPPED, PPROF_M_SCRAPES, PPROF_M_COUNT };

typedef struct scrape_series {
    char *labels; /* receiver="…",job="…",instance="…",profile="…" */
    size_t refs;
    pf_metric *m[PPROF_M_COUNT];
    pf_metric *last_error[PPROF_OUTCOMES]; /* a reason's series exists from its first failure on */
    pf_metric *frequency;                  /* CPU-like profiles: the frequency in force, from the first scrape */
    struct scrape_series *next_in_slot;    /* hash chain */
    struct scrape_series *older, *newer;   /* creation order */
} scrape_series;

typedef struct scrape_series_set {
    scrape_series **slots;
    size_t n_slots, count;
    scrape_series *oldest, *newest;
} scrape_series_set;

scrape_series *scrape_series_acquire(scrape_series_set *set, const char *receiver, const char *job,
                                     const char *instance, const char *profile);
void scrape_series_release(scrape_series_set *set, scrape_series *ser);

/* The last_error series of a failure reason (not PPROF_SCRAPE_OK), created on first use. */
pf_metric *scrape_series_last_error(scrape_series *ser, scrape_outcome reason);

void scrape_series_set_free(scrape_series_set *set);
/* proflow_scrape_profile_frequency_hz of the series, created on first use. */
pf_metric *scrape_series_frequency(scrape_series *ser);

#endif
