/* flamegraph_exporter.h — private to exporters/flamegraph: its config (table in config.c) and what
 * factory.c registers (behaviour in flamegraph_exporter.c, the aggregation in aggregate.c). The config
 * struct belongs to the service. */
#ifndef PF_FLAMEGRAPH_EXPORTER_H
#define PF_FLAMEGRAPH_EXPORTER_H

#include <stdint.h>

#include "pipeline/component/component.h"

typedef struct flamegraph_config {
    int64_t max_services;
    int64_t retention;
    int64_t max_nodes;
} flamegraph_config;

extern const pf_cfg_entry flamegraph_exporter_cfg_map[];

pf_component *flamegraph_exporter_create(const pf_create_args *args, pf_error *err);

#endif
