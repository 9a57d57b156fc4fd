/* otlp_exporter.h — private to exporters/otlp: the config (table in config.c) and what factory.c
 * registers (behaviour in otlp_exporter.c). The config struct belongs to the service. */
#ifndef PF_OTLP_EXPORTER_H
#define PF_OTLP_EXPORTER_H

#include <stdbool.h>

#include "config/config_map.h"
#include "exporters/helper/exporter_helper.h"
#include "net/http_client.h"
#include "pipeline/component/component.h"

typedef struct otlp_exporter_config {
    pf_http_client_config client;
    pf_strlist headers_from_metadata;
    pf_exporter_helper_config helper;
} otlp_exporter_config;

/* config.c */
extern const pf_cfg_entry otlp_exporter_cfg_map[];
bool otlp_exporter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err);

/* otlp_exporter.c */
pf_component *otlp_exporter_create(const pf_create_args *args, pf_error *err);

#endif
