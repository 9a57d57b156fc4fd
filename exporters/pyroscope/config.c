/* config.c — the pyroscope exporter's config table: the HTTP client's keys, protocol, tenant,
 * basic_auth or bearer_token, external_labels and the exporter helper's. */
#include <stddef.h>

#include "exporters/helper/client_exporter.h"
#include "exporters/pyroscope/pyroscope_exporter.h"

static const char *const protocol_choices[] = {"push", "ingest", NULL};

static const pf_cfg_entry basic_auth_cfg_map[] = {
    {.type = PF_CFG_STRING,
     .name = "username",
     .offset = offsetof(basic_auth_config, username),
     .desc = "Basic auth user name."},
    {.type = PF_CFG_STRING,
     .name = "password",
     .offset = offsetof(basic_auth_config, password),
     .flags = PF_CFG_SECRET,
     .desc = "Basic auth password."},
    PF_CFG_END,
};

const pf_cfg_entry pyroscope_exporter_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(offsetof(pyroscope_config, client)),
    {.type = PF_CFG_STRING,
     .name = "protocol",
     .def = "push",
     .offset = offsetof(pyroscope_config, protocol),
     .choices = protocol_choices,
     .desc = "push (push.v1.PusherService/Push) or ingest (legacy /ingest)."},
    {.type = PF_CFG_STRING,
     .name = "tenant_id",
     .offset = offsetof(pyroscope_config, tenant_id),
     .desc = "Tenant sent in X-Scope-OrgID."},
    {.type = PF_CFG_BOOL,
     .name = "tenant_from_metadata",
     .offset = offsetof(pyroscope_config, tenant_from_metadata),
     .desc = "Take X-Scope-OrgID from the batch's tenant (as received); tenant_id when it has none."},
    {.type = PF_CFG_SECTION,
     .name = "basic_auth",
     .offset = offsetof(pyroscope_config, basic_auth),
     .sub = basic_auth_cfg_map,
     .desc = "HTTP basic authentication (username, password)."},
    {.type = PF_CFG_STRING,
     .name = "bearer_token",
     .offset = offsetof(pyroscope_config, bearer_token),
     .flags = PF_CFG_SECRET,
     .desc = "Sent as Authorization: Bearer <token>."},
    PF_SERIES_EXTERNAL_LABELS_ENTRY(offsetof(pyroscope_config, external_labels)),
    PF_HEADERS_FROM_METADATA_ENTRY(offsetof(pyroscope_config, headers_from_metadata)),
    PF_EXPORTER_HELPER_CFG_ENTRIES(offsetof(pyroscope_config, helper)),
    PF_CFG_END,
};

bool pyroscope_exporter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const pyroscope_config *cfg = config;
    if (!cfg->client.endpoint || !*cfg->client.endpoint) {
        pf_cfg_errorf(err, node, path, "endpoint is required (for example http://localhost:4040)");
        return false;
    }
    if (!pf_client_is_http_url(cfg->client.endpoint)) {
        pf_cfg_errorf(err, node, path, "endpoint \"%s\" must be an http:// or https:// URL", cfg->client.endpoint);
        return false;
    }
    bool basic = cfg->basic_auth.username && *cfg->basic_auth.username;
    if (basic && cfg->bearer_token && *cfg->bearer_token) {
        pf_cfg_errorf(err, node, path, "basic_auth and bearer_token cannot both be set");
        return false;
    }
    if (!basic && cfg->basic_auth.password && *cfg->basic_auth.password) {
        pf_cfg_errorf(err, node, path, "basic_auth.password is set without basic_auth.username");
        return false;
    }
    return pf_series_external_labels_valid(&cfg->external_labels, node, path, err);
}
