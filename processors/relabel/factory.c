/* factory.c — registration of the relabel processor: Prometheus relabel_configs over the labels of
 * each profile series (resource + profile attributes, __name__, ...) and over sample attributes. */
#include <stddef.h>

#include "processors/relabel/relabel_processor.h"

static const pf_cfg_entry relabel_cfg_map[] = {
    PF_CFG_RELABEL_CONFIGS("relabel_configs", relabel_processor_config, relabel_configs,
                           "Prometheus relabel_configs applied to the labels of each profile series; a dropped series drops its profiles"),
    PF_CFG_RELABEL_CONFIGS("sample_relabel_configs", relabel_processor_config, sample_relabel_configs,
                           "relabel_configs applied to each sample's attributes (pprof labels); a dropped label set drops the sample"),
    {.type = PF_CFG_BOOL, .name = "label_name_sanitize", .def = "true",
     .offset = offsetof(relabel_processor_config, label_name_sanitize),
     .desc = "Rewrite attribute names to [a-zA-Z_][a-zA-Z0-9_]* when turning them into labels (dots always become _)"},
    PF_CFG_END,
};

const pf_factory pf_processor_relabel_factory = {
    .type = "relabel",
    .kind = PF_KIND_PROCESSOR,
    .stability = "alpha",
    .description = "Prometheus-style relabeling of profile series and sample labels",
    .config_map = relabel_cfg_map,
    .config_size = sizeof(relabel_processor_config),
    .create = relabel_processor_create,
};
