/* exporter_metrics.h — the standard exporter metrics, named and described in one place for every
 * exporter (the exporter helper's queue, and the debug and file exporters, which have none):
 *   otelcol_exporter_sent_profile_samples           samples the destination accepted
 *   otelcol_exporter_send_failed_profile_samples    samples dropped after sending failed
 *   otelcol_exporter_enqueue_failed_profile_samples samples refused before sending (queue full, ...)
 *   proflow_exporter_sent_bytes_total                bytes of the requests the destination accepted
 * all labelled exporter="<id>". The metrics belong to the telemetry registry. */
#ifndef PF_EXPORTER_METRICS_H
#define PF_EXPORTER_METRICS_H

#include "pipeline/base/telemetry.h"

enum {
    PF_EXPORTER_SENT = 1,
    PF_EXPORTER_SEND_FAILED = 2,
    PF_EXPORTER_ENQUEUE_FAILED = 4,
    PF_EXPORTER_SENT_BYTES = 8,
};

typedef struct pf_exporter_metrics {
    pf_metric *sent_samples;           /* PF_EXPORTER_SENT */
    pf_metric *failed_samples;         /* PF_EXPORTER_SEND_FAILED */
    pf_metric *enqueue_failed_samples; /* PF_EXPORTER_ENQUEUE_FAILED */
    pf_metric *sent_bytes;             /* PF_EXPORTER_SENT_BYTES */
} pf_exporter_metrics;

/* Registers (or finds) the metrics of exporter `exporter_id` that `which` (PF_EXPORTER_* flags) asks
 * for, in the order above; the others are NULL. */
pf_exporter_metrics pf_exporter_metrics_new(const char *exporter_id, unsigned which);

#endif
