/* config.c — the flamegraph exporter's config table (see flamegraph_exporter.h). */
#include <stddef.h>

#include "exporters/flamegraph/flamegraph_exporter.h"

const pf_cfg_entry flamegraph_exporter_cfg_map[] = {
    {.type = PF_CFG_INT,
     .name = "max_services",
     .def = "100",
     .offset = offsetof(flamegraph_config, max_services),
     .min = 1,
     .max = 100000,
     .desc = "Most services kept; samples of further services are dropped (counted)."},
    {.type = PF_CFG_DURATION,
     .name = "retention",
     .def = "15m",
     .offset = offsetof(flamegraph_config, retention),
     .min = 6e10,
     .max = 8.64e13,
     .desc = "How long per-minute trees are kept (whole minutes)."},
    {.type = PF_CFG_INT,
     .name = "max_nodes",
     .def = "10000",
     .offset = offsetof(flamegraph_config, max_nodes),
     .min = 64,
     .max = 10000000,
     .desc = "Call-tree nodes per (service, type, minute); a full tree keeps its most significant quarter and "
             "merges the rest into \"other\" nodes."},
    PF_CFG_END,
};
