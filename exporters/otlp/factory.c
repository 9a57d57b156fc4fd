/* otlp exporter — sends profiles over OTLP/gRPC (ProfilesService/Export, gzip by default), like the
 * Collector's otlp exporter: `endpoint` is host:port (TLS unless tls.insecure or an http:// scheme).
 * Queueing and retries come from the exporter helper; the gRPC status decides retryable or permanent
 * as the Collector does. A successful reply's partial_success is counted. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "exporters/otlp/otlp_exporter.h"
#include "net/grpc_frame.h"

#define EXPORT_METHOD "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"

typedef struct otlp_exporter_config {
    pf_http_client_config client;
    pf_exporter_helper_config helper;
} otlp_exporter_config;

static const pf_cfg_entry otlp_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(offsetof(otlp_exporter_config, client)),
    PF_KEEPALIVE_ENTRY(offsetof(otlp_exporter_config, client)),
    PF_EXPORTER_HELPER_CFG_ENTRIES(offsetof(otlp_exporter_config, helper)),
    PF_CFG_END,
};

static bool otlp_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const otlp_exporter_config *cfg = config;
    const char *ep = cfg->client.endpoint;
    if (!ep || !*ep) {
        pf_cfg_errorf(err, node, path, "endpoint is required (host:port)");
        return false;
    }
    const char *scheme_end = strstr(ep, "://");
    if (scheme_end && strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0) {
        pf_cfg_errorf(err, node, path, "endpoint \"%s\": only http:// or https:// schemes are allowed", ep);
        return false;
    }
    const char *hostport = scheme_end ? scheme_end + 3 : ep;
    if (!strchr(hostport, ':')) {
        pf_cfg_errorf(err, node, path, "endpoint \"%s\" must include a port (host:port)", ep);
        return false;
    }
    return true;
}

/* The Collector's exporter retries these codes (RESOURCE_EXHAUSTED included: receivers answer it
 * when their queue is full, which is temporary). */
static bool retryable_code(int code)
{
    switch (code) {
    case PF_GRPC_CANCELLED:
    case PF_GRPC_DEADLINE_EXCEEDED:
    case PF_GRPC_RESOURCE_EXHAUSTED:
    case PF_GRPC_ABORTED:
    case 11: /* OUT_OF_RANGE */
    case PF_GRPC_UNAVAILABLE:
    case 15: /* DATA_LOSS */
        return true;
    default:
        return false;
    }
}

static void on_reply(const pf_http_response *resp, void *data)
{
    pf_otlp_send send = *(pf_otlp_send *)data;
    free(data);
    pf_otlp_exporter *e = send.exporter;
    if (resp->grpc_status == PF_GRPC_OK) {
        if (!pf_otlp_exporter_read_reply(e, resp->body, resp->body_len, false))
            pf_log_limited(&e->error_log, 60, PF_LOG_WARN, e->base.id,
                           "reply could not be decoded as ExportProfilesServiceResponse (%zu bytes)", resp->body_len);
        pf_export_done(send.attempt, PF_OK, NULL, resp->request_bytes);
        return;
    }
    pf_error err = {0};
    pf_error_set(&err, "%s: %s: %s", e->url, pf_grpc_status_name(resp->grpc_status), resp->grpc_message);
    err.retry_after_s = resp->retry_after_s;
    pf_export_done(send.attempt, retryable_code(resp->grpc_status) ? PF_RETRYABLE : PF_PERMANENT, &err, 0);
}

static void otlp_send(void *ctx, pf_batch *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    pf_otlp_exporter *e = ctx;
    if (!e->client) {
        pf_error err;
        pf_error_set(&err, "exporter is not started");
        pf_export_done(attempt, PF_RETRYABLE, &err, 0);
        return;
    }
    pf_buf msg = {0};
    pf_batch_pack(b, &msg);
    pf_grpc_call call = {
        .url = e->url,
        .msg = msg.data,
        .msg_len = msg.len,
        .compression = e->compression,
        .timeout_ns = timeout_ns,
    };
    pf_otlp_send *send = pf_xmalloc(sizeof(*send));
    *send = (pf_otlp_send){e, attempt};
    pf_grpc_unary(e->client, &call, on_reply, send);
    pf_buf_free(&msg);
}

static pf_component *otlp_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const otlp_exporter_config *cfg = args->config;
    char *base = pf_grpc_base_url(&cfg->client);
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    char *url = pf_xasprintf("%.*s%s", (int)n, base, EXPORT_METHOD);
    free(base);
    return pf_otlp_exporter_create(args, &cfg->client, &cfg->helper, url, otlp_send);
}

const pf_factory pf_exporter_otlp_factory = {
    .type = "otlp",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to an OTLP/gRPC endpoint (ProfilesService/Export, gzip by default).",
    .config_map = otlp_cfg_map,
    .config_size = sizeof(otlp_exporter_config),
    .validate = otlp_validate,
    .create = otlp_create,
};
