/* exporter_metrics.c — the standard exporter metrics (see exporter_metrics.h). */
#include "exporters/helper/exporter_metrics.h"

#include <stdlib.h>

#include "pipeline/base/xalloc.h"

pf_exporter_metrics pf_exporter_metrics_new(const char *exporter_id, unsigned which)
{
    pf_exporter_metrics m = {0};
    char *labels = pf_xasprintf("exporter=\"%s\"", exporter_id);
    if (which & PF_EXPORTER_SENT)
        m.sent_samples = pf_counter("otelcol_exporter_sent_profile_samples",
                                    "Profile samples successfully sent to the destination.", labels);
    if (which & PF_EXPORTER_SEND_FAILED)
        m.failed_samples = pf_counter("otelcol_exporter_send_failed_profile_samples",
                                      "Profile samples that failed to be sent (dropped).", labels);
    if (which & PF_EXPORTER_ENQUEUE_FAILED)
        m.enqueue_failed_samples = pf_counter("otelcol_exporter_enqueue_failed_profile_samples",
                                              "Profile samples refused by the sending queue.", labels);
    if (which & PF_EXPORTER_SENT_BYTES)
        m.sent_bytes = pf_counter("proflow_exporter_sent_bytes_total", "Bytes of successfully sent requests.", labels);
    free(labels);
    return m;
}
