/* target_series.h — the per-target metric series of the pprof scraper (up, scrape duration, bytes,
 * scrapes, errors, skipped scrapes, and last_error per failure reason), labelled receiver, job,
 * instance and profile.
 *
 * Targets with the same labels (an address listed twice, or relabeled to the same instance) share one
 * pprof_series, which counts them. When the last of them goes (file_sd no longer lists it, or the
 * scraper is freed, as on a config reload), its series are removed from the metric registry, so
 * /metrics stops reporting a target that is gone.
 *
 * Ownership: a pprof_series_set owns its pprof_series. pprof_series_acquire() hands out a reference
 * that the target gives back with pprof_series_release(). pprof_series_set_free() removes the series
 * still held (in the registry's order, so tearing down thousands of targets stays fast) and frees
 * them; the references still held become invalid. */
#ifndef PF_RECEIVER_PPROF_TARGET_SERIES_H
#define PF_RECEIVER_PPROF_TARGET_SERIES_H

#include <stddef.h>

#include "pipeline/base/telemetry.h"

/* How a scrape ended. */
typedef enum pprof_outcome {
    PPROF_SCRAPE_OK,
    PPROF_FAIL_TIMEOUT,
    PPROF_FAIL_CONNECTION,
    PPROF_FAIL_HTTP_STATUS,
    PPROF_FAIL_BODY_SIZE_LIMIT,
    PPROF_FAIL_BAD_PPROF,
    PPROF_OUTCOMES
} pprof_outcome;

/* The series of one label set, in the order their families are registered. */
enum {
    PPROF_M_UP,
    PPROF_M_DURATION,
    PPROF_M_BYTES,
    PPROF_M_ERRORS,
    PPROF_M_SKIPPED,
    PPROF_M_SCRAPES,
    PPROF_M_COUNT
};

typedef struct pprof_series {
    char *labels; /* receiver="…",job="…",instance="…",profile="…" */
    size_t refs;
    pf_metric *m[PPROF_M_COUNT];
    pf_metric *last_error[PPROF_OUTCOMES]; /* a reason's series exists from its first failure on */
    pf_metric *frequency;                  /* CPU-like profiles: the frequency in force, from the first scrape */
    struct pprof_series *next_in_slot;     /* hash chain */
    struct pprof_series *older, *newer;    /* creation order */
} pprof_series;

typedef struct pprof_series_set {
    pprof_series **slots;
    size_t n_slots, count;
    pprof_series *oldest, *newest;
} pprof_series_set;

pprof_series *pprof_series_acquire(pprof_series_set *set, const char *receiver, const char *job,
                                   const char *instance, const char *profile);
void pprof_series_release(pprof_series_set *set, pprof_series *ser);

/* The last_error series of a failure reason (not PPROF_SCRAPE_OK), created on first use. */
pf_metric *pprof_series_last_error(pprof_series *ser, pprof_outcome reason);

void pprof_series_set_free(pprof_series_set *set);
/* proflow_scrape_profile_frequency_hz of the series, created on first use. */
pf_metric *pprof_series_frequency(pprof_series *ser);

#endif
