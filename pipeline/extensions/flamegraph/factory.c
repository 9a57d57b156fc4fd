/* flamegraph extension — a live flame-graph page of what flows through proflow and its JSON API, on
 * its own listener (default localhost:13180, with the `tls` and `auth` options of every listener),
 * over the trees a `flamegraph` exporter aggregates (pipeline/component/flame_store.h). This file is
 * the registration; the table is in config.c, the behaviour in flamegraph_ext.c, the page in
 * page.html (embedded at build time by scripts/embed_file.cmake). */
#include "pipeline/extensions/flamegraph/flamegraph_ext.h"

const pf_factory pf_extension_flamegraph_factory = {
    .type = "flamegraph",
    .kind = PF_KIND_EXTENSION,
    .stability = "development",
    .description = "Live flame-graph page and JSON API (services, flame graph, diff) over what a flamegraph "
                   "exporter aggregates; default endpoint localhost:13180.",
    .config_map = flamegraph_ext_cfg_map,
    .config_size = sizeof(flamegraph_ext_config),
    .create = flamegraph_ext_create,
};
