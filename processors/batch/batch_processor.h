/* batch_processor.h — config and create() of the batch processor (table in config.c, registration
 * in factory.c). The config struct is owned by the service (table in config.c, freed by pf_cfg_release); the
 * component owns its pending batches and timers and frees them in shutdown/destroy. */
#ifndef PF_BATCH_PROCESSOR_H
#define PF_BATCH_PROCESSOR_H

#include "pipeline/component/component.h"

typedef struct batch_processor_config {
    int64_t send_batch_size;     /* samples; 0 = only the timeout sends */
    int64_t timeout;             /* ns */
    int64_t send_batch_max_size; /* samples; 0 = no limit */
    pf_strlist metadata_keys;
    int64_t metadata_cardinality_limit;
} batch_processor_config;

/* config.c */
extern const pf_cfg_entry batch_processor_cfg_map[];
bool batch_processor_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err);

pf_component *batch_processor_create(const pf_create_args *args, pf_error *err);

#endif
