/* config.c — the otlp receiver's config table: `protocols.grpc` and `protocols.http`, each the HTTP
 * server's table and enabled only when present (like the Collector's otlpreceiver), and the check
 * that at least one is. */
#include <stddef.h>

#include "receivers/otlp/otlp_receiver.h"

static const pf_cfg_entry protocols_map[] = {
    {.type = PF_CFG_SECTION,
     .name = "grpc",
     .offset = offsetof(otlp_protocols, grpc),
     .desc = "Serve OTLP/gRPC (endpoint default localhost:4317) when present.",
     .flags = PF_CFG_PRESENCE,
     .sub = pf_http_server_cfg_map,
     .presence_offset = offsetof(otlp_protocols, grpc_present)},
    {.type = PF_CFG_SECTION,
     .name = "http",
     .offset = offsetof(otlp_protocols, http),
     .desc = "Serve OTLP/HTTP POST /v1development/profiles (endpoint default localhost:4318) when present.",
     .flags = PF_CFG_PRESENCE,
     .sub = pf_http_server_cfg_map,
     .presence_offset = offsetof(otlp_protocols, http_present)},
    PF_CFG_END,
};

const pf_cfg_entry otlp_receiver_cfg_map[] = {
    {.type = PF_CFG_SECTION,
     .name = "protocols",
     .offset = offsetof(otlp_receiver_config, protocols),
     .desc = "Transports to serve; at least one of grpc and http.",
     .sub = protocols_map},
    PF_CFG_END,
};

bool otlp_receiver_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const otlp_receiver_config *cfg = config;
    if (!cfg->protocols.grpc_present && !cfg->protocols.http_present) {
        pf_cfg_errorf(err, node, path, "must specify at least one protocol (protocols.grpc or protocols.http)");
        return false;
    }
    return true;
}
