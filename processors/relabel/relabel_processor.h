/* relabel_processor.h — the relabel processor's config and create(); the table is in config.c, the
 * registration in factory.c. The config struct is owned by the service (filled from the table in config.c, freed by
 * pf_cfg_release); the component owns only itself and frees it in destroy(). */
#ifndef PF_RELABEL_PROCESSOR_H
#define PF_RELABEL_PROCESSOR_H

#include "pipeline/component/component.h"
#include "pipeline/relabel/relabel.h"

typedef struct relabel_processor_config {
    pf_relabel_rules relabel_configs;        /* series labels of each profile */
    pf_relabel_rules sample_relabel_configs; /* each sample's attributes */
    bool label_name_sanitize;
} relabel_processor_config;

/* config.c */
extern const pf_cfg_entry relabel_processor_cfg_map[];

pf_component *relabel_processor_create(const pf_create_args *args, pf_error *err);

/* Relabels a writable batch in place: drops series and samples, writes label changes back, and
 * returns the number of profiles and samples dropped (tests call this directly). */
typedef struct relabel_result {
    size_t dropped_profiles, dropped_samples, dropped_profile_samples;
} relabel_result;
relabel_result relabel_batch(const relabel_processor_config *cfg, pf_batch *b);

#endif
