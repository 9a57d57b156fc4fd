/* series_pprof.h — what the exporters to series-based backends (pyroscope, parca) send: the profiles
 * of a batch as gzipped pprofs (pipeline/pprof/pprof.h), each with the labels of the series it
 * belongs to.
 *
 * Labels of a pprof (names sanitized to [a-zA-Z_][a-zA-Z0-9_]*, see pipeline/model/series.h):
 *   - its resource attributes and profile attributes (a profile attribute wins), dots → underscores;
 *     the pprof.profile.* attributes are not labels (the pprof carries them);
 *   - __name__: a `__name__` attribute when there is one, else the pprof item's profile type name
 *     (the scope's profile.name, else derived from the sample types: process_cpu, memory, ...);
 *   - service_name: from service.name, else "unknown_service:<process.executable.name>", else
 *     "unknown_service" (Pyroscope's own OTLP fallback);
 *   - the configured external labels (they win over everything else).
 * Other labels starting with "__" are dropped, except those named in keep_reserved (for example
 * "__delta__" for Pyroscope).
 *
 * Profiles are sorted (stably) by labels, so the pprofs of one series are adjacent.
 *
 * Ownership: pf_series_pprofs_build() fills a caller-owned, zero-initialised set; free it with
 * pf_series_pprofs_free(). Items point into the batch (resource), so keep it referenced. */
#ifndef PF_SERIES_PPROF_H
#define PF_SERIES_PPROF_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config_map.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/model/batch.h"
#include "pipeline/pprof/pprof.h"
#include "pipeline/relabel/relabel.h"

typedef struct pf_series_pprof {
    pf_labels labels;
    pf_series_pprof_item pprof; /* gzipped pprof, name, time; its scope pointer is not valid */
} pf_series_pprof;

typedef struct pf_series_pprofs {
    pf_series_pprof *items;
    size_t n;
} pf_series_pprofs;

typedef struct pf_series_options {
    const pf_strmap *external_labels; /* may be NULL */
    const char *const *keep_reserved; /* NULL-terminated "__x__" names kept besides __name__; may be NULL */
} pf_series_options;

/* Converts every profile of b. Returns false with err set (and out empty) when a profile holds a
 * reference that cannot be resolved. */
bool pf_series_pprofs_build(const pf_batch *b, const pf_series_options *opts, pf_series_pprofs *out, char *err,
                            size_t err_len);
void pf_series_pprofs_free(pf_series_pprofs *s);

/* proflow_exporter_pprofs_total{exporter, pprof}: the pprofs an exporter put into requests, as_scraped (the bytes
 * the pprof scraper got) or encoded (built from the batch's Profiles). Made by the exporter at init. */
typedef struct pf_series_pprof_metrics {
    pf_metric *as_scraped, *encoded;
} pf_series_pprof_metrics;
pf_series_pprof_metrics pf_series_pprof_metrics_new(const char *exporter_id);
void pf_series_pprofs_count(const pf_series_pprofs *s, const pf_series_pprof_metrics *m);

/* Number of items starting at `first` that share items[first]'s labels. */
size_t pf_series_run(const pf_series_pprofs *s, size_t first);

/* Config check of an exporter's external_labels: every name a valid label name not starting with
 * "__". False with err set naming the first bad one. */
bool pf_series_external_labels_valid(const pf_strmap *labels, const pf_node *node, const char *path, pf_cfg_error *err);

/* The config table entry `external_labels` for a pf_strmap at byte offset `at`. */
#define PF_SERIES_EXTERNAL_LABELS_ENTRY(at)                                                                            \
    {                                                                                                                  \
        .type = PF_CFG_STRING_MAP, .name = "external_labels", .offset = (at),                                          \
        .desc = "Labels added to every series (they replace labels of the same name)."                                 \
    }

#endif
