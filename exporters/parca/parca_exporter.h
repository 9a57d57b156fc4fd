/* parca_exporter.h — private to exporters/parca: the config (table in config.c) and what factory.c
 * registers (behaviour in parca_exporter.c). The config struct belongs to the service. */
#ifndef PF_PARCA_EXPORTER_H
#define PF_PARCA_EXPORTER_H

#include <stdbool.h>

#include "config/config_map.h"
#include "exporters/helper/exporter_helper.h"
#include "exporters/helper/series_pprof.h"
#include "net/http_client.h"
#include "pipeline/component/component.h"

#define PARCA_DEFAULT_ENDPOINT "localhost:7070"

typedef struct parca_config {
    pf_http_client_config client;
    bool insecure;
    char *bearer_token;
    pf_strmap external_labels;
    pf_exporter_helper_config helper;
} parca_config;

/* config.c */
extern const pf_cfg_entry parca_exporter_cfg_map[];
bool parca_exporter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err);

/* parca_exporter.c */
pf_component *parca_exporter_create(const pf_create_args *args, pf_error *err);

#endif
