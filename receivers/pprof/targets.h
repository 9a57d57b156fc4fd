/* targets.h — turns a scrape job's target groups (static_configs, or groups read by file_sd) and its
 * profiling_config into scrape targets, one per (address, enabled profile type), after
 * Prometheus-style relabeling.
 *
 * Ownership: scrape_targets_discover() calls `found` with a spec whose strings and labels are owned by
 * the caller of the callback only for the duration of the call (copy what you keep). */
#ifndef PF_RECEIVER_PPROF_TARGETS_H
#define PF_RECEIVER_PPROF_TARGETS_H

#include "receivers/pprof/config.h"

typedef struct scrape_target_spec {
    const char *url;      /* full scrape URL */
    const char *instance; /* instance label (the address unless relabeled) */
    const scrape_profile_def *profile;
    const pf_labels *labels; /* final labels, reserved "__" labels removed */
    double hz;               /* CPU-like: wanted frequency (job's, or __profile_hz__), 0 = unset */
    const char *hz_error;    /* non-NULL when __profile_hz__ was not a frequency (hz then the job's) */
} scrape_target_spec;

typedef void (*scrape_target_found_cb)(const scrape_target_spec *spec, void *data);

/* The job's static_configs. Returns the number of targets kept; relabel drops are not reported. */
size_t scrape_targets_discover(const scrape_job_cfg *cfg, scrape_target_found_cb found, void *data);

/* One group of addresses with its labels; meta_filepath (file_sd) becomes __meta_filepath before
 * relabeling, NULL for none. */
size_t scrape_targets_discover_group(const scrape_job_cfg *cfg, const pf_strlist *targets, const pf_strmap *labels,
                                     const char *meta_filepath, scrape_target_found_cb found, void *data);

#endif
