/* telemetry.h — proflow's own metrics, exposed in Prometheus text format on
 * service.telemetry.metrics (default localhost:8888/metrics).
 *
 * Metrics live in one process-wide registry (the loop thread is the only writer). A metric is
 * identified by name + label set; asking twice for the same pair returns the same object, so
 * components fetch their counters once at create() and bump them on the hot path with no lookups.
 * Names follow the Collector where it has one (otelcol_receiver_accepted_profile_samples, ...).
 *
 * Ownership: the registry owns every metric; pf_metrics_reset() (at process exit and in tests) frees
 * them all. Pointers stay valid until then — also across config reloads. */
#ifndef PF_TELEMETRY_H
#define PF_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/base/xalloc.h"

typedef struct pf_metric pf_metric;

/* labels: pre-rendered Prometheus label pairs without braces, e.g. `receiver="otlp",transport="grpc"`,
 * or "" for none. help is used the first time a name is seen. */
pf_metric *pf_counter(const char *name, const char *help, const char *labels);
pf_metric *pf_gauge(const char *name, const char *help, const char *labels);

void pf_metric_add(pf_metric *m, double v);
void pf_metric_set(pf_metric *m, double v);
double pf_metric_value(const pf_metric *m);

/* Convenience: counter with one label `key="value"`. */
pf_metric *pf_counter1(const char *name, const char *help, const char *key, const char *value);

/* Looks a metric up without creating it (tests, status pages); NULL when absent. */
pf_metric *pf_metric_find(const char *name, const char *labels);

/* Deletes one series (e.g. a scrape target that went away); its pointer becomes invalid. Returns
 * false when no such series exists. A family left empty disappears from the output. */
bool pf_metric_remove(const char *name, const char *labels);

/* Appends the whole registry in Prometheus text exposition format 0.0.4. */
void pf_metrics_render(pf_buf *out);
void pf_metrics_reset(void);

#endif
