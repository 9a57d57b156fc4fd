/* config.c — the parca exporter's config table: the HTTP client's keys, keepalive, insecure,
 * bearer_token, external_labels and the exporter helper's; the endpoint (default localhost:7070) must
 * be a gRPC host:port. */
#include <stddef.h>

#include "exporters/helper/client_exporter.h"
#include "exporters/parca/parca_exporter.h"

const pf_cfg_entry parca_exporter_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(offsetof(parca_config, client)),
    PF_KEEPALIVE_ENTRY(offsetof(parca_config, client)),
    {.type = PF_CFG_BOOL,
     .name = "insecure",
     .offset = offsetof(parca_config, insecure),
     .desc = "Plain-text gRPC (h2c) instead of TLS; same as tls.insecure."},
    {.type = PF_CFG_STRING,
     .name = "bearer_token",
     .offset = offsetof(parca_config, bearer_token),
     .flags = PF_CFG_SECRET,
     .desc = "Sent as authorization: Bearer <token> metadata."},
    PF_SERIES_EXTERNAL_LABELS_ENTRY(offsetof(parca_config, external_labels)),
    PF_EXPORTER_HELPER_CFG_ENTRIES(offsetof(parca_config, helper)),
    PF_CFG_END,
};

bool parca_exporter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const parca_config *cfg = config;
    const char *ep = cfg->client.endpoint && *cfg->client.endpoint ? cfg->client.endpoint : PARCA_DEFAULT_ENDPOINT;
    return pf_client_grpc_endpoint_valid(ep, node, path, err) &&
           pf_series_external_labels_valid(&cfg->external_labels, node, path, err);
}
