/* config.c — the batch processor's config table and its cross-key check (send_batch_max_size may not
 * be below send_batch_size). */
#include <stddef.h>

#include "processors/batch/batch_processor.h"

bool batch_processor_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const batch_processor_config *c = config;
    if (c->send_batch_max_size > 0 && c->send_batch_max_size < c->send_batch_size) {
        pf_cfg_errorf(err, node, path, "send_batch_max_size (%lld) must be greater or equal to send_batch_size (%lld)",
                      (long long)c->send_batch_max_size, (long long)c->send_batch_size);
        return false;
    }
    return true;
}

const pf_cfg_entry batch_processor_cfg_map[] = {
    {.type = PF_CFG_INT,
     .name = "send_batch_size",
     .def = "8192",
     .offset = offsetof(batch_processor_config, send_batch_size),
     .desc = "Samples after which a batch is sent regardless of the timeout (0 = timeout only)",
     .min = 0,
     .max = 1e12},
    {.type = PF_CFG_DURATION,
     .name = "timeout",
     .def = "200ms",
     .offset = offsetof(batch_processor_config, timeout),
     .desc = "Time after which a non-empty batch is sent regardless of its size",
     .min = 0,
     .max = 3.6e12},
    {.type = PF_CFG_INT,
     .name = "send_batch_max_size",
     .def = "0",
     .offset = offsetof(batch_processor_config, send_batch_max_size),
     .desc = "Upper limit of samples per batch; bigger batches are split (0 = no limit)",
     .min = 0,
     .max = 1e12},
    {.type = PF_CFG_STRING_LIST,
     .name = "metadata_keys",
     .offset = offsetof(batch_processor_config, metadata_keys),
     .desc = "Client metadata keys (kept request headers) whose values partition batches; the tenant always does"},
    {.type = PF_CFG_INT,
     .name = "metadata_cardinality_limit",
     .def = "1000",
     .offset = offsetof(batch_processor_config, metadata_cardinality_limit),
     .desc = "Most distinct tenant/metadata combinations batched at once; requests beyond are refused",
     .min = 0,
     .max = 1e9},
    PF_CFG_END,
};
