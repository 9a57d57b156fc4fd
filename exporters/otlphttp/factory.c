/* otlphttp exporter — sends profiles as OTLP/HTTP (POST <endpoint>/v1development/profiles, protobuf or
 * JSON, gzip by default), like the Collector's otlphttp exporter. Queueing and retries come from the
 * exporter helper: 429/502/503/504 and transport errors are retried (Retry-After honoured), any other
 * non-2xx status is a permanent failure. A 2xx reply's partial_success is counted. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exporters/helper/client_exporter.h"
#include "receivers/helper/otlp_reply.h"
#include "pipeline/otlpjson/pbjson.h"

#define PROFILES_PATH "/v1development/profiles"

typedef struct otlphttp_config {
    pf_http_client_config client;
    char *profiles_endpoint;
    char *encoding;
    pf_exporter_helper_config helper;
} otlphttp_config;

static const char *const encoding_choices[] = {"proto", "json", NULL};

static const pf_cfg_entry otlphttp_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(offsetof(otlphttp_config, client)),
    {.type = PF_CFG_STRING, .name = "profiles_endpoint", .offset = offsetof(otlphttp_config, profiles_endpoint),
     .desc = "Full URL for profiles; when set, endpoint is not used."},
    {.type = PF_CFG_STRING, .name = "encoding", .def = "proto", .offset = offsetof(otlphttp_config, encoding),
     .choices = encoding_choices, .desc = "Body encoding: proto or json."},
    PF_EXPORTER_HELPER_CFG_ENTRIES(offsetof(otlphttp_config, helper)),
    PF_CFG_END,
};

static bool otlphttp_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
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

static bool retryable_status(int status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

typedef struct otlphttp_exporter {
    pf_client_exporter base; /* first: the helper's ctx */
    pf_otlp_reply reply;
    bool json; /* encoding: json */
} otlphttp_exporter;

static void on_reply(const pf_http_response *resp, void *data)
{
    pf_client_send send = pf_client_send_take(data);
    otlphttp_exporter *e = (otlphttp_exporter *)send.exporter;
    pf_error err = {0};
    pf_status st = pf_client_http_status(resp, e->base.url, retryable_status, &err);
    if (st == PF_OK) {
        const char *type = pf_http_response_header(resp, "content-type");
        bool json = type ? strncasecmp(type, "application/json", 16) == 0 : e->json;
        if (!pf_otlp_reply_read(&e->reply, resp->body, resp->body_len, json)) {
            char excerpt[256];
            pf_client_body_excerpt(resp->body, resp->body_len, excerpt, sizeof(excerpt));
            pf_log_limited(&e->base.error_log, 60, PF_LOG_WARN, e->base.base.id,
                           "HTTP %d reply could not be decoded as ExportProfilesServiceResponse: %s", resp->status,
                           excerpt);
        }
    }
    pf_export_done(send.attempt, st, &err, st == PF_OK ? resp->request_bytes : 0);
}

static void otlphttp_send(void *ctx, pf_batch *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    otlphttp_exporter *e = ctx;
    if (pf_client_exporter_not_started(&e->base, attempt)) return;
    pf_buf body = {0};
    bool compressed = false;
    if (e->json) {
        if (!pf_client_decoded(b, attempt)) return;
        pf_pbjson_encode(&b->req->base, &body);
    } else {
        pf_otlp_body_source src = pf_otlp_body(b, e->base.compression, e->base.compression_level, &body);
        pf_client_count_body(&e->base, src);
        compressed = true;
    }
    pf_http_header content_type = {"content-type", e->json ? "application/json" : "application/x-protobuf"};
    pf_client_post(&e->base, attempt, &content_type, 1, &body, compressed, timeout_ns, on_reply);
}

static pf_component *otlphttp_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const otlphttp_config *cfg = args->config;
    otlphttp_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->json = strcmp(cfg->encoding, "json") == 0;
    char *url = cfg->profiles_endpoint && *cfg->profiles_endpoint ? pf_xstrdup(cfg->profiles_endpoint)
                                                                   : pf_client_url_join(cfg->client.endpoint, PROFILES_PATH);
    pf_otlp_reply_init(&e->reply, args->id);
    pf_client_exporter_init(&e->base, args, &cfg->client, &cfg->helper, url, otlphttp_send);
    return &e->base.base;
}

const pf_factory pf_exporter_otlphttp_factory = {
    .type = "otlphttp",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to an OTLP/HTTP endpoint (protobuf or JSON, gzip by default). With protobuf, a "
                   "batch nothing changed since an otlp receiver validated it is sent as received (verbatim; the "
                   "received compressed bytes when the compression matches).",
    .config_map = otlphttp_cfg_map,
    .config_size = sizeof(otlphttp_config),
    .validate = otlphttp_validate,
    .create = otlphttp_create,
};
