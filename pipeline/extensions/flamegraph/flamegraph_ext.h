/* flamegraph_ext.h — private to pipeline/extensions/flamegraph: its config (table in config.c) and
 * what factory.c registers (behaviour in flamegraph_ext.c, the page in page.html). The config struct
 * belongs to the service. */
#ifndef PF_FLAMEGRAPH_EXT_H
#define PF_FLAMEGRAPH_EXT_H

#include <stdint.h>

#include "net/http_server.h"
#include "pipeline/component/component.h"

typedef struct flamegraph_ext_config {
    pf_http_server_config server; /* first: the auth section's offsets are relative to it */
    char *exporter;
    int64_t window;
} flamegraph_ext_config;

extern const pf_cfg_entry flamegraph_ext_cfg_map[];

pf_component *flamegraph_ext_create(const pf_create_args *args, pf_error *err);

#endif
