/* factory.c — registration of the resource processor: contrib resource/attributes actions on
 * resource attributes and on profile attributes. */
#include "processors/resource/resource_processor.h"

const pf_factory pf_processor_resource_factory = {
    .type = "resource",
    .kind = PF_KIND_PROCESSOR,
    .stability = "beta",
    .description = "Inserts, updates, deletes, hashes, extracts and converts resource and profile attributes",
    .config_map = resource_processor_cfg_map,
    .config_size = sizeof(resource_processor_config),
    .create = resource_processor_create,
};
