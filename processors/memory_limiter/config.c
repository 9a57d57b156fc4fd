/* config.c — the memory_limiter processor's keys: the Collector's names for proflow's process-wide
 * memory budget (the struct is pf_memory_limiter_config in pipeline/base/memory_budget.h, which the
 * service hands to pf_memory_configure). */
#include <stddef.h>

#include "processors/memory_limiter/memory_limiter.h"

const pf_cfg_entry memory_limiter_cfg_map[] = {
    {.type = PF_CFG_DURATION,
     .name = "check_interval",
     .def = "1s",
     .offset = offsetof(pf_memory_limiter_config, check_interval),
     .min = 1e6,
     .max = 3600e9,
     .desc = "How often the resident set size is compared with the limit (the accounted bytes are checked on every "
             "request)."},
    {.type = PF_CFG_INT,
     .name = "limit_mib",
     .def = "0",
     .offset = offsetof(pf_memory_limiter_config, limit_mib),
     .min = 0,
     .max = 1 << 24,
     .desc = "Hard limit in MiB of the memory proflow accounts and of its RSS; the process-wide budget (0 = use "
             "limit_percentage)."},
    {.type = PF_CFG_INT,
     .name = "spike_limit_mib",
     .def = "0",
     .offset = offsetof(pf_memory_limiter_config, spike_limit_mib),
     .min = 0,
     .max = 1 << 24,
     .desc = "Headroom below limit_mib: data is refused from limit_mib - spike_limit_mib on (0 = 20% of the limit)."},
    {.type = PF_CFG_INT,
     .name = "limit_percentage",
     .def = "0",
     .offset = offsetof(pf_memory_limiter_config, limit_percentage),
     .min = 0,
     .max = 100,
     .desc = "Hard limit as a percentage of the cgroup v2 memory.max (physical memory when there is none); used "
             "when limit_mib is 0."},
    {.type = PF_CFG_INT,
     .name = "spike_limit_percentage",
     .def = "0",
     .offset = offsetof(pf_memory_limiter_config, spike_limit_percentage),
     .min = 0,
     .max = 100,
     .desc = "Headroom as a percentage of the same total, with limit_percentage (0 = 20% of the limit)."},
    PF_CFG_END,
};

bool memory_limiter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const pf_memory_limiter_config *c = config;
    if (c->limit_mib == 0 && c->limit_percentage == 0) {
        pf_cfg_errorf(err, node, path, "limit_mib or limit_percentage must be set");
        return false;
    }
    if (c->limit_mib > 0 && c->spike_limit_mib >= c->limit_mib) {
        pf_cfg_errorf(err, node, path, "spike_limit_mib (%lld) must be smaller than limit_mib (%lld)",
                      (long long)c->spike_limit_mib, (long long)c->limit_mib);
        return false;
    }
    if (c->limit_mib == 0 && c->spike_limit_percentage >= c->limit_percentage) {
        pf_cfg_errorf(err, node, path, "spike_limit_percentage (%lld) must be smaller than limit_percentage (%lld)",
                      (long long)c->spike_limit_percentage, (long long)c->limit_percentage);
        return false;
    }
    return true;
}
