/* memory_limiter.h — private to processors/memory_limiter: its config table (config.c) and what
 * factory.c registers (behaviour in memory_limiter_processor.c). */
#ifndef PF_MEMORY_LIMITER_H
#define PF_MEMORY_LIMITER_H

#include <stdbool.h>

#include "config/config_map.h"
#include "pipeline/base/memory_budget.h"
#include "pipeline/component/component.h"

extern const pf_cfg_entry memory_limiter_cfg_map[];
bool memory_limiter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err);
pf_component *memory_limiter_create(const pf_create_args *args, pf_error *err);

#endif
