/* flamegraph exporter — a tap that aggregates what reaches it into call trees per (service, profile
 * type, minute) for the flamegraph extension's page and JSON API (pipeline/component/flame_store.h is
 * where the two meet: the store is named by this exporter's id). Memory is bounded by max_services,
 * retention and max_nodes and reported in proflow_exporter_flamegraph_memory_bytes; samples it cannot
 * keep are counted in proflow_exporter_flamegraph_dropped_samples_total{reason} and logged once per
 * reason. This file is the registration; the table is in config.c, the behaviour in
 * flamegraph_exporter.c and aggregate.c. */
#include "exporters/flamegraph/flamegraph_exporter.h"

const pf_factory pf_exporter_flamegraph_factory = {
    .type = "flamegraph",
    .kind = PF_KIND_EXPORTER,
    .stability = "development",
    .description = "Aggregates stacks per (service, profile type, minute) with bounded memory for the flamegraph "
                   "extension's page and API.",
    .config_map = flamegraph_exporter_cfg_map,
    .config_size = sizeof(flamegraph_config),
    .create = flamegraph_exporter_create,
};
