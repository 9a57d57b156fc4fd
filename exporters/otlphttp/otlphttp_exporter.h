/* otlphttp_exporter.h — private to exporters/otlphttp: the config (table in config.c) and what factory.c
 * registers (behaviour in otlphttp_exporter.c). The config struct belongs to the service. */
#ifndef PF_OTLPHTTP_EXPORTER_H
#define PF_OTLPHTTP_EXPORTER_H

#include <stdbool.h>

#include "config/config_map.h"
#include "exporters/helper/exporter_helper.h"
#include "net/http_client.h"
#include "pipeline/component/component.h"

typedef struct otlphttp_config {
    pf_http_client_config client;
    char *profiles_endpoint;
    char *encoding;
    pf_strlist headers_from_metadata;
    pf_exporter_helper_config helper;
} otlphttp_config;

/* config.c */
extern const pf_cfg_entry otlphttp_exporter_cfg_map[];
bool otlphttp_exporter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err);

/* otlphttp_exporter.c */
pf_component *otlphttp_exporter_create(const pf_create_args *args, pf_error *err);

#endif
