/* config.c — the relabel processor's config table: relabel_configs over series labels,
 * sample_relabel_configs over sample attributes, label_name_sanitize. */
#include <stddef.h>

#include "processors/relabel/relabel_processor.h"

const pf_cfg_entry relabel_processor_cfg_map[] = {
    PF_CFG_RELABEL_CONFIGS(
        "relabel_configs", relabel_processor_config, relabel_configs,
        "Prometheus relabel_configs applied to the labels of each profile series; a dropped series drops its profiles"),
    PF_CFG_RELABEL_CONFIGS(
        "sample_relabel_configs", relabel_processor_config, sample_relabel_configs,
        "relabel_configs applied to each sample's attributes (pprof labels); a dropped label set drops the sample"),
    {.type = PF_CFG_BOOL,
     .name = "label_name_sanitize",
     .def = "true",
     .offset = offsetof(relabel_processor_config, label_name_sanitize),
     .desc = "Rewrite attribute names to [a-zA-Z_][a-zA-Z0-9_]* when turning them into labels (dots always become _)"},
    PF_CFG_END,
};
