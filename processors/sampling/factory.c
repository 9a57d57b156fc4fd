/* factory.c — registration of the sampling processor: deterministic per-series probability sampling,
 * per-series and per-tenant rate limits, configured overrides, and dynamic overrides through the
 * control API on the telemetry listener (see control.h). */
#include "processors/sampling/sampling_processor.h"

const pf_factory pf_processor_sampling_factory = {
    .type = "sampling",
    .kind = PF_KIND_PROCESSOR,
    .stability = "alpha",
    .description =
        "Deterministic per-series sampling and rate limits, with overrides settable over HTTP and by Alertmanager",
    .config_map = sampling_processor_cfg_map,
    .config_size = sizeof(sampling_config),
    .create = sampling_processor_create,
};
