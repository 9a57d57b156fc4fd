/* config.c — the otlphttp exporter's config table: the HTTP client's keys, profiles_endpoint,
 * encoding and the exporter helper's; one of endpoint and profiles_endpoint must be an http(s) URL. */
#include <stddef.h>

#include "exporters/helper/client_exporter.h"
#include "exporters/otlphttp/otlphttp_exporter.h"

static const char *const encoding_choices[] = {"proto", "json", NULL};

const pf_cfg_entry otlphttp_exporter_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(offsetof(otlphttp_config, client)),
    {.type = PF_CFG_STRING,
     .name = "profiles_endpoint",
     .offset = offsetof(otlphttp_config, profiles_endpoint),
     .desc = "Full URL for profiles; when set, endpoint is not used."},
    {.type = PF_CFG_STRING,
     .name = "encoding",
     .def = "proto",
     .offset = offsetof(otlphttp_config, encoding),
     .choices = encoding_choices,
     .desc = "Body encoding: proto or json."},
    PF_HEADERS_FROM_METADATA_ENTRY(offsetof(otlphttp_config, headers_from_metadata)),
    PF_EXPORTER_HELPER_CFG_ENTRIES(offsetof(otlphttp_config, helper)),
    PF_CFG_END,
};

bool otlphttp_exporter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const otlphttp_config *cfg = config;
    const char *ep = cfg->client.endpoint, *pep = cfg->profiles_endpoint;
    if ((!ep || !*ep) && (!pep || !*pep)) {
        pf_cfg_errorf(err, node, path, "endpoint or profiles_endpoint is required");
        return false;
    }
    if (pep && *pep) {
        if (!pf_client_is_http_url(pep)) {
            pf_cfg_errorf(err, node, path, "profiles_endpoint \"%s\" must be an http:// or https:// URL", pep);
            return false;
        }
    } else if (!pf_client_is_http_url(ep)) {
        pf_cfg_errorf(err, node, path, "endpoint \"%s\" must be an http:// or https:// URL", ep);
        return false;
    }
    return pf_http_client_compression_valid(&cfg->client, node, path, err);
}
