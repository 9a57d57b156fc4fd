/* otlp exporter — sends profiles over OTLP/gRPC (ProfilesService/Export, gzip by default), like the
 * Collector's otlp exporter: `endpoint` is host:port (TLS unless tls.insecure or an http:// scheme).
 * Queueing and retries come from the exporter helper; the gRPC status (and a google.rpc.RetryInfo in
 * grpc-status-details-bin, whose delay is honoured like Retry-After) decides retryable or permanent
 * as the Collector does. A successful reply's partial_success is counted. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/grpc_frame.h"
#include "exporters/helper/client_exporter.h"
#include "receivers/helper/otlp_reply.h"

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
    return pf_client_grpc_endpoint_valid(ep, node, path, err) &&
           pf_http_client_compression_valid(&cfg->client, node, path, err);
}

typedef struct otlp_exporter {
    pf_client_exporter base; /* first: the helper's ctx */
    pf_otlp_reply reply;
} otlp_exporter;

/* The Collector's exporter retries these codes; RESOURCE_EXHAUSTED only when the server attached a
 * RetryInfo (pf_client_grpc_status), since without one it may never recover (a message too large). */
static bool retryable_code(int code)
{
    switch (code) {
    case PF_GRPC_CANCELLED:
    case PF_GRPC_DEADLINE_EXCEEDED:
    case PF_GRPC_ABORTED:
    case PF_GRPC_OUT_OF_RANGE:
    case PF_GRPC_UNAVAILABLE:
    case PF_GRPC_DATA_LOSS:
        return true;
    default:
        return false;
    }
}

static void on_reply(const pf_http_response *resp, void *data)
{
    pf_client_send send = pf_client_send_take(data);
    otlp_exporter *e = (otlp_exporter *)send.exporter;
    pf_error err = {0};
    pf_status st = pf_client_grpc_status(resp, e->base.url, retryable_code, &err);
    if (st == PF_OK && !pf_otlp_reply_read(&e->reply, resp->body, resp->body_len, false))
        pf_log_limited(&e->base.error_log, 60, PF_LOG_WARN, e->base.base.id,
                       "reply could not be decoded as ExportProfilesServiceResponse (%zu bytes)", resp->body_len);
    pf_export_done(send.attempt, st, &err, st == PF_OK ? resp->request_bytes : 0);
}

static void otlp_send(void *ctx, pf_batch *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    otlp_exporter *e = ctx;
    if (pf_client_exporter_not_started(&e->base, attempt)) return;
    pf_buf msg = {0};
    pf_otlp_body_source src = pf_otlp_body(b, e->base.compression, e->base.compression_level, &msg);
    pf_client_count_body(&e->base, src);
    pf_client_grpc_send(&e->base, attempt, &msg, true, timeout_ns, on_reply);
}

static pf_component *otlp_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const otlp_exporter_config *cfg = args->config;
    otlp_exporter *e = pf_xcalloc(1, sizeof(*e));
    pf_otlp_reply_init(&e->reply, args->id);
    pf_client_exporter_init(&e->base, args, &cfg->client, &cfg->helper, pf_client_grpc_url(&cfg->client, EXPORT_METHOD),
                            otlp_send);
    return &e->base.base;
}

const pf_factory pf_exporter_otlp_factory = {
    .type = "otlp",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to an OTLP/gRPC endpoint (ProfilesService/Export, gzip by default). Retries "
                   "CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS, and "
                   "RESOURCE_EXHAUSTED only when the reply carries a google.rpc.RetryInfo, whose retry_delay "
                   "is honoured like Retry-After. A batch nothing changed since an otlp receiver validated it is "
                   "sent as received (verbatim; the received compressed bytes when the compression matches).",
    .config_map = otlp_cfg_map,
    .config_size = sizeof(otlp_exporter_config),
    .validate = otlp_validate,
    .create = otlp_create,
};
