/* factory.c — registration of the batch processor: merges requests into batches of send_batch_size
 * samples or `timeout`, split at send_batch_max_size, never mixing tenants or metadata_keys values. */
#include "processors/batch/batch_processor.h"

const pf_factory pf_processor_batch_factory = {
    .type = "batch",
    .kind = PF_KIND_PROCESSOR,
    .stability = "beta",
    .description = "Merges profiles into bigger requests (dictionaries re-interned) and splits oversized ones",
    .config_map = batch_processor_cfg_map,
    .config_size = sizeof(batch_processor_config),
    .validate = batch_processor_validate,
    .create = batch_processor_create,
};
