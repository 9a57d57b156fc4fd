/* http_client_config.c — config tables of the HTTP/gRPC client (confighttp / configgrpc / configtls
 * client key names and defaults), see http_client.h. */
#include <stddef.h>
#include <string.h>

#include "net/http_client.h"

const char *const pf_http_compression_choices[] = {"gzip", "zstd", "none", "", NULL};

const pf_cfg_entry pf_compression_params_cfg_map[] = {
    {.type = PF_CFG_INT,
     .name = "level",
     .def = "0",
     .offset = 0,
     .min = -131072,
     .max = 22,
     .desc = "Compression level, as in the Collector: gzip 1 (fastest) to 9, -1 default, -2 HuffmanOnly; zstd "
             "any level (1 fastest, 3 default, up to 22). 0 = proflow's default: gzip 1 (the Collector's is "
             "6; level 1 costs a third of the CPU for about 10% more bytes on profiles, see "
             "docs/benchmarks.md), zstd 3."},
    PF_CFG_END,
};

bool pf_http_client_compression_valid(const pf_http_client_config *cfg, const pf_node *node, const char *path,
                                      pf_cfg_error *err)
{
    const char *c = cfg->compression ? cfg->compression : "";
    int64_t level = cfg->compression_params.level;
    bool ok;
    if (strcmp(c, "gzip") == 0)
        ok = level == -1 || level == -2 || (level >= 0 && level <= 9);
    else if (strcmp(c, "zstd") == 0)
        ok = true;
    else
        ok = level == 0;
    if (!ok)
        pf_cfg_errorf(err, node, path, "unsupported parameters {Level:%lld} for compression type \"%s\"",
                      (long long)level, c);
    return ok;
}

const pf_cfg_entry pf_tls_client_cfg_map[] = {
    {.type = PF_CFG_BOOL,
     .name = "insecure",
     .def = "false",
     .offset = offsetof(pf_tls_client_config, insecure),
     .desc = "gRPC: connect in plain text (h2c) instead of TLS."},
    {.type = PF_CFG_STRING,
     .name = "ca_file",
     .offset = offsetof(pf_tls_client_config, ca_file),
     .desc = "CA bundle used to verify the server instead of the system roots."},
    {.type = PF_CFG_STRING,
     .name = "cert_file",
     .offset = offsetof(pf_tls_client_config, cert_file),
     .desc = "Client certificate for mutual TLS (PEM)."},
    {.type = PF_CFG_STRING,
     .name = "key_file",
     .offset = offsetof(pf_tls_client_config, key_file),
     .desc = "Client key for mutual TLS (PEM).",
     .flags = PF_CFG_SECRET},
    {.type = PF_CFG_BOOL,
     .name = "insecure_skip_verify",
     .def = "false",
     .offset = offsetof(pf_tls_client_config, insecure_skip_verify),
     .desc = "Do not verify the server's certificate chain nor host name."},
    {.type = PF_CFG_STRING,
     .name = "server_name_override",
     .offset = offsetof(pf_tls_client_config, server_name_override),
     .desc = "Server name used for SNI and certificate verification instead of the endpoint's host."},
    PF_CFG_END,
};

const pf_cfg_entry pf_keepalive_cfg_map[] = {
    {.type = PF_CFG_DURATION,
     .name = "time",
     .def = "0",
     .offset = offsetof(pf_keepalive_config, time),
     .desc = "Idle time before TCP keepalive probes start, then their interval when timeout is 0 (0 = off). "
             "TCP probes stand in for gRPC's HTTP/2 PINGs, which libcurl 7.88 cannot send for us: "
             "curl_easy_upkeep() visits only the connections of curl_easy_perform()'s private multi "
             "handle, never those of the multi interface used here, and since 7.88.0 moved HTTP/2 into "
             "a connection filter it sends no PING even there (the HTTP handler has no connection_check, "
             "the only hook upkeep calls)."},
    {.type = PF_CFG_DURATION,
     .name = "timeout",
     .def = "0",
     .offset = offsetof(pf_keepalive_config, timeout),
     .desc = "How long the server may leave probes (and sent data) unanswered before the connection is "
             "dropped (TCP_USER_TIMEOUT, as gRPC's C core does); also the interval between probes "
             "(0 = the system's probe count decides, probes every `time`)."},
    {.type = PF_CFG_BOOL,
     .name = "permit_without_stream",
     .def = "false",
     .offset = offsetof(pf_keepalive_config, permit_without_stream),
     .desc = "Accepted for compatibility; TCP keepalive probes idle connections too, so it is always on."},
    PF_CFG_END,
};

const pf_cfg_entry pf_http_client_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(0),
    PF_HTTP_CLIENT_TIMEOUT_ENTRY(0),
    PF_CFG_END,
};
