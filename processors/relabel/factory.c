/* factory.c — registration of the relabel processor: Prometheus relabel_configs over the labels of
 * each profile series (resource + profile attributes, __name__, ...) and over sample attributes. */
#include "processors/relabel/relabel_processor.h"

const pf_factory pf_processor_relabel_factory = {
    .type = "relabel",
    .kind = PF_KIND_PROCESSOR,
    .stability = "alpha",
    .description = "Prometheus-style relabeling of profile series and sample labels",
    .config_map = relabel_processor_cfg_map,
    .config_size = sizeof(relabel_processor_config),
    .create = relabel_processor_create,
};
