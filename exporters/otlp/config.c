/* config.c — the otlp exporter's config table: the HTTP client's keys (endpoint, tls, headers,
 * compression), keepalive and the exporter helper's (timeout, sending_queue, retry_on_failure); the
 * endpoint must be a gRPC host:port. */
#include <stddef.h>

#include "exporters/helper/client_exporter.h"
#include "exporters/otlp/otlp_exporter.h"

const pf_cfg_entry otlp_exporter_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(offsetof(otlp_exporter_config, client)),
    PF_KEEPALIVE_ENTRY(offsetof(otlp_exporter_config, client)),
    PF_HEADERS_FROM_METADATA_ENTRY(offsetof(otlp_exporter_config, headers_from_metadata)),
    PF_EXPORTER_HELPER_CFG_ENTRIES(offsetof(otlp_exporter_config, helper)),
    PF_CFG_END,
};

bool otlp_exporter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const otlp_exporter_config *cfg = config;
    const char *ep = cfg->client.endpoint;
    if (!ep || !*ep) {
        pf_cfg_errorf(err, node, path, "endpoint is required (host:port)");
        return false;
    }
    return pf_client_grpc_endpoint_valid(ep, node, path, err) &&
           pf_http_client_compression_valid(&cfg->client, node, path, err);
}
