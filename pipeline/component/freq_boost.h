/* freq_boost.h — the profiling-frequency registry: temporary frequency boosts for scrape targets,
 * shared by the control plane (HTTP API, Alertmanager webhook) and the pprof scraper, which never
 * include each other's headers and meet only here.
 *
 * A boost is {match: target labels that must all be equal (`__name__` is the profile type),
 * frequency in Hz, expiry}. Several boosts may match a target: the highest frequency wins. A boost
 * ends when it is deleted, when the alert that started it resolves, or when its duration runs out,
 * whichever comes first; ends and starts are counted in
 * proflow_scrape_profile_frequency_boosts_total{event="started|ended", reason=...}.
 *
 * Alert rules (a scrape config's `on_alert`) are registered by their owner (the scraper) with the
 * scope of their job; a firing alert whose labels contain every `trigger` label starts one boost per
 * rule for the targets of that job (narrowed by `match_labels`: alert label → target label); a
 * repeated "firing" for an active boost does not extend it; "resolved" ends it.
 *
 * HTTP (telemetry listener; mounted by the registry itself when the first user acquires it):
 *   POST   /api/v1/sampling/boosts        {"match": {...}, "frequency": 100, "duration": "10m"} → 201
 *   GET    /api/v1/sampling/boosts        {"boosts": [{id, source, match, frequency, expires_in_seconds,
 *                                          expires_at, ...}]}
 *   DELETE /api/v1/sampling/boosts/<id>   → 200, unknown id → 404
 *   POST   /api/v1/sampling/alertmanager  only when no sampling processor mounted it (that one forwards
 *                                          its alerts here with pf_freq_alerts).
 *
 * Expiry is evaluated lazily (every call looks at the clock), so nothing here needs a timer or loop.
 * Lifecycle: one registry per service (per pf_host), reference-counted: acquire in start(), release in destroy()
 * (the service closes the telemetry listener, whose routes point here, before destroying components).
 * Ownership: everything passed in is copied. */
#ifndef PF_FREQ_BOOST_H
#define PF_FREQ_BOOST_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config_map.h"
#include "pipeline/component/alertmanager.h"
#include "pipeline/relabel/relabel.h"
#include "pipeline/base/xalloc.h"

struct pf_host;
typedef struct pf_freq_registry pf_freq_registry;

#define PF_FREQ_MAX_HZ   10000.0
#define PF_FREQ_API_PATH "/api/v1/sampling/boosts"

/* One per host (the service); host may be NULL (tests): a private registry, nothing mounted. */
pf_freq_registry *pf_freq_registry_acquire(struct pf_host *host);
void pf_freq_registry_release(pf_freq_registry *r);

typedef struct pf_freq_rule {
    pf_strmap trigger;      /* alert labels that must all be equal, e.g. alertname: high_cpu */
    pf_strmap match_labels; /* alert label → target label the boost is narrowed by */
    double hz;
    int64_t duration_ns;
} pf_freq_rule;

/* Registers a rule scoped to targets whose label `job` is job. owner identifies who removes it. */
void pf_freq_rule_add(pf_freq_registry *r, const void *owner, const char *job, const pf_freq_rule *rule);
void pf_freq_rules_remove(pf_freq_registry *r, const void *owner);
size_t pf_freq_rule_count(const pf_freq_registry *r);

/* Starts a boost; returns its id (> 0). source: "api" or "alert". */
uint64_t pf_freq_boost_start(pf_freq_registry *r, const pf_strmap *match, double hz, int64_t duration_ns,
                             const char *source);
/* Ends a boost; reason: "deleted", "resolved", ... False when no such active boost. */
bool pf_freq_boost_end(pf_freq_registry *r, uint64_t id, const char *reason);

/* Applies a webhook's alerts to the rules; counts what started and ended. */
void pf_freq_alerts(pf_freq_registry *r, const pf_alert_list *alerts, size_t *started, size_t *ended);

/* The highest frequency of the active boosts matching a target (labels + profile type as __name__),
 * or 0 when none matches. */
double pf_freq_boosted_hz(pf_freq_registry *r, const pf_labels *labels, const char *profile);
size_t pf_freq_active(pf_freq_registry *r);

/* Serves one boosts API request (path without the query string); returns the HTTP status and appends
 * a JSON body to out. Used by the routes and by the sampling API's POST .../overrides with a
 * "frequency" field. */
int pf_freq_http(pf_freq_registry *r, const char *method, const char *path, const void *body, size_t body_len,
                 pf_buf *out);

/* The effective frequency of a CPU-like profile fetched with ?seconds= for `seconds` out of every
 * `interval_s` seconds at native_hz, and the inverse: seconds for a wanted frequency, rounded to whole
 * seconds (Go's `seconds` parameter is an integer) and clamped to [1, interval_s - 1]. */
int64_t pf_freq_seconds_for(double hz, double native_hz, double interval_s);
double pf_freq_effective_hz(int64_t seconds, double native_hz, double interval_s);

#endif
