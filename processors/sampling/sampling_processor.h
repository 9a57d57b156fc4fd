/* sampling_processor.h — config and create() of the sampling processor (table in config.c,
 * registration in factory.c).
 *
 * The config struct is owned by the service (filled from the table in config.c, freed by
 * pf_cfg_release). The component owns its decision state (sampler.h) and shares the dynamic overrides
 * of its id with the other instances of that id through the control API (control.h). */
#ifndef PF_SAMPLING_PROCESSOR_H
#define PF_SAMPLING_PROCESSOR_H

#include "pipeline/component/component.h"

/* What a rule allows. Rates of 0 mean unlimited. */
typedef struct sampling_limits {
    double probability;
    int64_t max_profiles_per_minute; /* per series */
    int64_t max_bytes_per_second;    /* per tenant (and rule) */
} sampling_limits;

/* One entry of `overrides`: unset limits inherit the top-level ones. */
typedef struct sampling_rule_config {
    char *name;
    pf_strmap match;
    double probability;
    int64_t max_profiles_per_minute;
    int64_t max_bytes_per_second;
    bool has_probability, has_max_profiles_per_minute, has_max_bytes_per_second;
} sampling_rule_config;

typedef struct sampling_alertmanager_config {
    pf_strmap match_labels; /* alert label name → series label name; empty = webhook disabled */
    double probability;
    int64_t max_duration; /* ns: an override ends then even without a "resolved" notification */
} sampling_alertmanager_config;

typedef struct sampling_config {
    double probability;
    int64_t window; /* ns */
    int64_t max_profiles_per_minute;
    int64_t max_bytes_per_second;
    int64_t max_series;
    int64_t max_tenants;
    pf_list overrides; /* sampling_rule_config */
    sampling_alertmanager_config alertmanager;
    int64_t default_override_duration; /* ns, API overrides without "duration" */
    int64_t max_override_duration;     /* ns */
    int64_t max_dynamic_overrides;
} sampling_config;

/* config.c */
extern const pf_cfg_entry sampling_processor_cfg_map[];

pf_component *sampling_processor_create(const pf_create_args *args, pf_error *err);

#endif
