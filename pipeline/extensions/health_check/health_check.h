/* health_check.h — private to pipeline/extensions/health_check: its config (table in config.c) and
 * what factory.c registers (behaviour in health_check.c). The config struct belongs to the service. */
#ifndef PF_HEALTH_CHECK_H
#define PF_HEALTH_CHECK_H

#include "net/http_server.h"
#include "pipeline/component/component.h"

typedef struct health_config {
    pf_http_server_config server;
    char *path;
    char *healthy_body;
    char *unhealthy_body;
} health_config;

extern const pf_cfg_entry health_check_cfg_map[];

pf_component *health_check_create(const pf_create_args *args, pf_error *err);

#endif
