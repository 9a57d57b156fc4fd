/* config.c — the sampling processor's config table: probability and window, rate limits, configured
 * overrides (each must match at least one label), the Alertmanager webhook and the control API's
 * limits. */
#include <stddef.h>

#include "processors/sampling/sampling_processor.h"

static bool check_rule(void *section, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const sampling_rule_config *r = section;
    if (r->match.n == 0) {
        pf_cfg_errorf(err, node, path, "match must name at least one series label (e.g. service_name: checkout)");
        return false;
    }
    return true;
}

static const pf_cfg_entry rule_map[] = {
    {.type = PF_CFG_STRING, .name = "name", .offset = offsetof(sampling_rule_config, name),
     .desc = "Rule name in the metrics' rule label (default overrides[N])"},
    {.type = PF_CFG_STRING_MAP, .name = "match", .offset = offsetof(sampling_rule_config, match),
     .flags = PF_CFG_REQUIRED, .desc = "Series labels (service_name, __name__, ...) and the exact values they must have"},
    {.type = PF_CFG_DOUBLE, .name = "probability", .offset = offsetof(sampling_rule_config, probability), .min = 0,
     .max = 1, .flags = PF_CFG_PRESENCE, .presence_offset = offsetof(sampling_rule_config, has_probability),
     .desc = "Probability for matching series (default: the top-level one)"},
    {.type = PF_CFG_INT, .name = "max_profiles_per_minute", .offset = offsetof(sampling_rule_config, max_profiles_per_minute),
     .min = 0, .max = 1e12, .flags = PF_CFG_PRESENCE,
     .presence_offset = offsetof(sampling_rule_config, has_max_profiles_per_minute),
     .desc = "Per-series limit for matching series, 0 = unlimited (default: the top-level one)"},
    {.type = PF_CFG_SIZE, .name = "max_bytes_per_second", .offset = offsetof(sampling_rule_config, max_bytes_per_second),
     .min = 0, .max = 1e15, .flags = PF_CFG_PRESENCE,
     .presence_offset = offsetof(sampling_rule_config, has_max_bytes_per_second),
     .desc = "Per-tenant limit for matching series (own bucket per rule), 0 = unlimited (default: the top-level one)"},
    PF_CFG_END,
};

static const pf_cfg_entry alertmanager_map[] = {
    {.type = PF_CFG_STRING_MAP, .name = "match_labels", .offset = offsetof(sampling_alertmanager_config, match_labels),
     .desc = "Alert label → series label: a firing alert overrides the series whose labels equal its labels' values "
             "(empty disables the webhook)"},
    {.type = PF_CFG_DOUBLE, .name = "probability", .def = "1", .offset = offsetof(sampling_alertmanager_config, probability),
     .min = 0, .max = 1, .desc = "Probability while an alert is firing"},
    {.type = PF_CFG_DURATION, .name = "max_duration", .def = "1h", .offset = offsetof(sampling_alertmanager_config, max_duration),
     .min = 1e9, .max = 6.048e14, .desc = "An alert's override ends after this even if no \"resolved\" arrives"},
    PF_CFG_END,
};

const pf_cfg_entry sampling_processor_cfg_map[] = {
    {.type = PF_CFG_DOUBLE, .name = "probability", .def = "1", .offset = offsetof(sampling_config, probability), .min = 0,
     .max = 1, .desc = "Share of series kept, decided per series and window by a hash of its labels"},
    {.type = PF_CFG_DURATION, .name = "window", .def = "1m", .offset = offsetof(sampling_config, window), .min = 1e6,
     .max = 8.64e13, .desc = "Time window within which a series' keep/drop decision stays the same"},
    {.type = PF_CFG_INT, .name = "max_profiles_per_minute", .def = "0", .offset = offsetof(sampling_config, max_profiles_per_minute),
     .min = 0, .max = 1e12, .desc = "Token bucket per series (tenant + labels); excess profiles are dropped (0 = unlimited)"},
    {.type = PF_CFG_SIZE, .name = "max_bytes_per_second", .def = "0", .offset = offsetof(sampling_config, max_bytes_per_second),
     .min = 0, .max = 1e15, .desc = "Token bucket per tenant on request bytes; excess profiles are dropped (0 = unlimited)"},
    {.type = PF_CFG_INT, .name = "max_series", .def = "100000", .offset = offsetof(sampling_config, max_series), .min = 1,
     .max = 1e8, .desc = "Most series with rate-limit state; idle ones are forgotten first"},
    {.type = PF_CFG_INT, .name = "max_tenants", .def = "10000", .offset = offsetof(sampling_config, max_tenants), .min = 1,
     .max = 1e8, .desc = "Most tenant (× rule) byte buckets kept"},
    {.type = PF_CFG_SECTION_LIST, .name = "overrides", .offset = offsetof(sampling_config, overrides), .sub = rule_map,
     .elem_size = sizeof(sampling_rule_config), .check = check_rule,
     .desc = "Rules with their own probability/limits; the first whose match holds wins"},
    {.type = PF_CFG_SECTION, .name = "alertmanager", .offset = offsetof(sampling_config, alertmanager),
     .sub = alertmanager_map, .desc = "POST /api/v1/sampling/alertmanager: overrides while alerts fire"},
    {.type = PF_CFG_DURATION, .name = "default_override_duration", .def = "10m",
     .offset = offsetof(sampling_config, default_override_duration), .min = 1e9, .max = 6.048e14,
     .desc = "Lifetime of an API override that gives no duration"},
    {.type = PF_CFG_DURATION, .name = "max_override_duration", .def = "24h",
     .offset = offsetof(sampling_config, max_override_duration), .min = 1e9, .max = 6.048e14,
     .desc = "Longest duration an API override may ask for"},
    {.type = PF_CFG_INT, .name = "max_dynamic_overrides", .def = "100", .offset = offsetof(sampling_config, max_dynamic_overrides),
     .min = 1, .max = 100000, .desc = "Most API and Alertmanager overrides active at once (more are refused with 429)"},
    PF_CFG_END,
};
