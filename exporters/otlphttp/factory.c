/* otlphttp exporter — sends profiles as OTLP/HTTP (POST <endpoint>/v1development/profiles, protobuf or
 * JSON, gzip by default), like the Collector's otlphttp exporter. Queueing and retries come from the
 * exporter helper: 429/502/503/504 and transport errors are retried (Retry-After honoured), any other
 * non-2xx status is a permanent failure. A 2xx reply's partial_success is counted. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exporters/otlp/otlp_exporter.h"
#include "pipeline/pbjson.h"

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

static bool is_http_url(const char *s)
{
    return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) && strlen(s) > 8;
}

static bool otlphttp_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const otlphttp_config *cfg = config;
    const char *ep = cfg->client.endpoint, *pep = cfg->profiles_endpoint;
    if ((!ep || !*ep) && (!pep || !*pep)) {
        pf_cfg_errorf(err, node, path, "endpoint or profiles_endpoint is required");
        return false;
    }
    if (pep && *pep) {
        if (!is_http_url(pep)) {
            pf_cfg_errorf(err, node, path, "profiles_endpoint \"%s\" must be an http:// or https:// URL", pep);
            return false;
        }
    } else if (!is_http_url(ep)) {
        pf_cfg_errorf(err, node, path, "endpoint \"%s\" must be an http:// or https:// URL", ep);
        return false;
    }
    return true;
}

static bool retryable_status(int status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

static void on_reply(const pf_http_response *resp, void *data)
{
    pf_otlp_send send = *(pf_otlp_send *)data;
    free(data);
    pf_otlp_exporter *e = send.exporter;
    pf_error err = {0};
    if (resp->status == 0) {
        pf_error_set(&err, "POST %s: %s", e->url, resp->error);
        pf_export_done(send.attempt, PF_RETRYABLE, &err, 0);
        return;
    }
    char excerpt[256];
    pf_otlp_body_excerpt(resp->body, resp->body_len, excerpt, sizeof(excerpt));
    if (resp->status >= 200 && resp->status < 300) {
        const char *type = pf_http_response_header(resp, "content-type");
        bool json = type ? strncasecmp(type, "application/json", 16) == 0 : e->json;
        bool read = pf_otlp_exporter_read_reply(e, resp->body, resp->body_len, json);
        if (!read)
            pf_log_limited(&e->error_log, 60, PF_LOG_WARN, e->base.id,
                           "HTTP %d reply could not be decoded as ExportProfilesServiceResponse: %s", resp->status,
                           excerpt);
        pf_export_done(send.attempt, PF_OK, NULL, resp->request_bytes);
        return;
    }
    pf_error_set(&err, "POST %s: HTTP %d: %s", e->url, resp->status, excerpt);
    if (retryable_status(resp->status)) {
        err.retry_after_s = resp->retry_after_s;
        pf_export_done(send.attempt, PF_RETRYABLE, &err, 0);
    } else {
        pf_export_done(send.attempt, PF_PERMANENT, &err, 0);
    }
}

static void otlphttp_send(void *ctx, pf_batch *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    pf_otlp_exporter *e = ctx;
    if (!e->client) {
        pf_error err;
        pf_error_set(&err, "exporter is not started");
        pf_export_done(attempt, PF_RETRYABLE, &err, 0);
        return;
    }
    pf_buf body = {0};
    if (e->json) pf_pbjson_encode(&b->req->base, &body);
    else pf_batch_pack(b, &body);
    pf_http_header content_type = {"content-type", e->json ? "application/json" : "application/x-protobuf"};
    pf_http_call call = {
        .method = "POST",
        .url = e->url,
        .headers = &content_type,
        .n_headers = 1,
        .body = body.data,
        .body_len = body.len,
        .content_encoding = e->compression,
        .timeout_ns = timeout_ns,
    };
    pf_otlp_send *send = pf_xmalloc(sizeof(*send));
    *send = (pf_otlp_send){e, attempt};
    pf_http_client_send(e->client, &call, on_reply, send);
    pf_buf_free(&body);
}

static pf_component *otlphttp_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const otlphttp_config *cfg = args->config;
    char *url;
    if (cfg->profiles_endpoint && *cfg->profiles_endpoint) {
        url = pf_xstrdup(cfg->profiles_endpoint);
    } else {
        size_t n = strlen(cfg->client.endpoint);
        while (n > 0 && cfg->client.endpoint[n - 1] == '/') n--;
        url = pf_xasprintf("%.*s%s", (int)n, cfg->client.endpoint, PROFILES_PATH);
    }
    pf_component *c = pf_otlp_exporter_create(args, &cfg->client, &cfg->helper, url, otlphttp_send);
    ((pf_otlp_exporter *)c)->json = strcmp(cfg->encoding, "json") == 0;
    return c;
}

const pf_factory pf_exporter_otlphttp_factory = {
    .type = "otlphttp",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to an OTLP/HTTP endpoint (protobuf or JSON, gzip by default).",
    .config_map = otlphttp_cfg_map,
    .config_size = sizeof(otlphttp_config),
    .validate = otlphttp_validate,
    .create = otlphttp_create,
};
