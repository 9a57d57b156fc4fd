/* debug_exporter.h — private to exporters/debug: the config (table in config.c) and what factory.c
 * registers (behaviour in debug_exporter.c). The config struct belongs to the service. */
#ifndef PF_DEBUG_EXPORTER_H
#define PF_DEBUG_EXPORTER_H

#include "pipeline/component/component.h"

typedef enum debug_verbosity {
    VERBOSITY_BASIC,
    VERBOSITY_NORMAL,
    VERBOSITY_DETAILED,
} debug_verbosity;

typedef struct debug_config {
    char *verbosity;
} debug_config;

/* config.c: the verbosity names, indexed by debug_verbosity (NULL-terminated), and the table */
extern const char *const debug_exporter_verbosities[];
extern const pf_cfg_entry debug_exporter_cfg_map[];

pf_component *debug_exporter_create(const pf_create_args *args, pf_error *err);

#endif
