/* sampler.h — the decision engine of one sampling processor instance: for each profile of a batch,
 * pick the rule (first matching dynamic override, then first matching configured override, then the
 * top-level "default"), then
 *   1. probability: keep when unit(hash(window index, series labels)) < probability, where
 *      unit(h) = (mix64(fnv1a(text)) >> 11) / 2^53 and text is "<window index>\n" followed by
 *      "name=value\n" for every series label except __sample_type__ and __period_type__, sorted by name
 *      (so all sample types collected together share one decision) and window index is the profile's
 *      time_unix_nano (or the current time when 0) divided by `window`;
 *   2. max_profiles_per_minute: a token bucket per series (tenant + all labels), one profile per token;
 *   3. max_bytes_per_second: a token bucket per tenant and rule; a profile costs its share of the
 *      request's wire size, proportional to its samples.
 * Every decision increments proflow_processor_sampling_profiles_total{processor,rule,decision,reason}.
 *
 * Ownership: sampler_new() copies nothing from cfg (which must outlive the sampler) and returns a
 * sampler freed with sampler_free(). Loop thread only. */
#ifndef PF_SAMPLING_SAMPLER_H
#define PF_SAMPLING_SAMPLER_H

#include "pipeline/model/batch.h"
#include "processors/sampling/overrides.h"
#include "processors/sampling/sampling_processor.h"

typedef struct sampler sampler;

sampler *sampler_new(const sampling_config *cfg, const char *processor_id);
void sampler_free(sampler *s);

typedef struct sampling_clock {
    uint64_t mono_ns; /* monotonic, for the token buckets */
    uint64_t wall_ns; /* unix time, for profiles without a timestamp */
    uint64_t loop_ms; /* uv_now, for override expiry */
} sampling_clock;

typedef struct sampling_counts {
    size_t kept, dropped;
    size_t dropped_by_probability, dropped_by_series_rate, dropped_by_tenant_rate;
    size_t dropped_samples;
} sampling_counts;

/* Drops the profiles the rules reject from a writable batch; `dynamic` may be NULL. */
sampling_counts sampler_filter(sampler *s, pf_batch *b, override_store *dynamic, const sampling_clock *now);

/* The probability test alone, for tests and documentation: unit interval value of a series. */
double sampling_series_unit(const pf_labels *ls, uint64_t window_index);

#endif
