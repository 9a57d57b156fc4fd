/* config.c — the health_check extension's config table: endpoint, path and the two response bodies,
 * with the Collector's healthcheckextension defaults. */
#include <stddef.h>

#include "pipeline/extensions/health_check/health_check.h"

static const pf_cfg_entry response_body_map[] = {
    {PF_CFG_STRING, "healthy", "{\"status\":\"Server available\"}", offsetof(health_config, healthy_body),
     "Body sent with 200."},
    {PF_CFG_STRING, "unhealthy", "{\"status\":\"Server not available\"}", offsetof(health_config, unhealthy_body),
     "Body sent with 503."},
    PF_CFG_END,
};

/* The Collector's healthcheckextension embeds confighttp.ServerConfig: endpoint, tls, auth and the
 * listener limits sit at the top of its config. */
const pf_cfg_entry health_check_cfg_map[] = {
    {PF_CFG_STRING, "endpoint", "localhost:13133", offsetof(health_config, server.endpoint), "Address to listen on."},
    {PF_CFG_STRING, "path", "/", offsetof(health_config, path), "Path answered."},
    {PF_CFG_SECTION, "response_body", NULL, 0, "Bodies for the two states.", .sub = response_body_map},
    {.type = PF_CFG_SIZE,
     .name = "max_request_body_size",
     .def = "64KiB",
     .offset = offsetof(health_config, server) + offsetof(pf_http_server_config, max_request_body_size),
     .desc = "Largest request body accepted (413 beyond).",
     .min = 1,
     .max = 1e9},
    PF_HTTP_SERVER_LIMIT_ENTRIES(offsetof(health_config, server)),
    PF_HTTP_SERVER_SECURITY_ENTRIES(offsetof(health_config, server)),
    PF_CFG_END,
};
