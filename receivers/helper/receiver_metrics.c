/* receiver_metrics.c — the standard receiver metrics (see receiver_metrics.h). */
#include "receivers/helper/receiver_metrics.h"

#include <stdlib.h>

#include "pipeline/base/xalloc.h"

pf_receiver_metrics pf_receiver_metrics_new(const char *receiver_id, const char *transport)
{
    char *labels = pf_xasprintf("receiver=\"%s\",transport=\"%s\"", receiver_id, transport);
    pf_receiver_metrics m = {
        .accepted = pf_counter("otelcol_receiver_accepted_profile_samples",
                               "Profile samples successfully pushed into the pipeline.", labels),
        .refused = pf_counter("otelcol_receiver_refused_profile_samples",
                              "Profile samples that could not be pushed into the pipeline.", labels),
    };
    free(labels);
    return m;
}
