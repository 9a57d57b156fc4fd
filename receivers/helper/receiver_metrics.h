/* receiver_metrics.h — the standard receiver metrics, named and described in one place for every
 * receiver (those serving requests through receiver_helper.h, and the pprof scraper):
 *   otelcol_receiver_accepted_profile_samples  samples the pipeline took
 *   otelcol_receiver_refused_profile_samples   samples the pipeline refused
 * labelled receiver="<id>",transport="<transport>". The metrics belong to the telemetry registry. */
#ifndef PF_RECEIVER_METRICS_H
#define PF_RECEIVER_METRICS_H

#include "pipeline/base/telemetry.h"

typedef struct pf_receiver_metrics {
    pf_metric *accepted;
    pf_metric *refused;
} pf_receiver_metrics;

/* Registers (or finds) the two metrics of one receiver transport. */
pf_receiver_metrics pf_receiver_metrics_new(const char *receiver_id, const char *transport);

#endif
