/* factory.c — registration of the memory_limiter processor. */
#include "processors/memory_limiter/memory_limiter.h"

const pf_factory pf_processor_memory_limiter_factory = {
    .type = "memory_limiter",
    .kind = PF_KIND_PROCESSOR,
    .stability = "beta",
    .description = "Sets proflow's process-wide memory budget (receivers refuse requests before reading them once it "
                   "is reached) and refuses data while the process is over it",
    .config_map = memory_limiter_cfg_map,
    .config_size = sizeof(pf_memory_limiter_config),
    .validate = memory_limiter_validate,
    .create = memory_limiter_create,
};
