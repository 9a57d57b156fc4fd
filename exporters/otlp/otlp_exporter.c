/* otlp_exporter.c — the otlp exporter's behaviour: one unary ProfilesService/Export call per batch
 * through the client exporter, the gRPC status classified the way the Collector's exporter does. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/otlp/otlp_exporter.h"
#include "net/grpc_frame.h"
#include "exporters/helper/client_exporter.h"
#include "receivers/helper/otlp_reply.h"

#define EXPORT_METHOD "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"

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
    case 11: /* OUT_OF_RANGE */
    case PF_GRPC_UNAVAILABLE:
    case 15: /* DATA_LOSS */ return true;
    default: return false;
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

static pf_status otlp_encode(void *ctx, pf_batch *b, pf_payload **out, pf_error *err)
{
    (void)err;
    otlp_exporter *e = ctx;
    *out = pf_export_encode_otlp_proto(b, e->base.compression, e->base.compression_level);
    (*out)->meta = pf_client_metadata_capture(&e->base, b);
    return PF_OK;
}

static void otlp_send(void *ctx, const pf_payload *p, int64_t timeout_ns, pf_export_attempt *attempt)
{
    otlp_exporter *e = ctx;
    if (pf_client_exporter_not_started(&e->base, attempt)) return;
    if (p->content_type && strcmp(p->content_type, "application/x-protobuf") != 0) {
        pf_error err;
        pf_error_set(&err,
                     "queued record has content type %s, which OTLP/gRPC cannot send (written by another "
                     "configuration)",
                     p->content_type);
        pf_export_done(attempt, PF_PERMANENT, &err, 0);
        return;
    }
    pf_http_header md[9];
    char scratch[1024];
    size_t n = pf_otlp_version_header(e->base.client_cfg, md);
    n = pf_client_metadata_headers(p->meta, scratch, sizeof(scratch), md, n, sizeof(md) / sizeof(md[0]));
    pf_client_count_body(&e->base, p);
    pf_client_grpc_send_md(&e->base, attempt, md, n, p, timeout_ns, on_reply);
}

pf_component *otlp_exporter_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const otlp_exporter_config *cfg = args->config;
    otlp_exporter *e = pf_xcalloc(1, sizeof(*e));
    pf_otlp_reply_init(&e->reply, args->id);
    pf_exporter_ops ops = {.encode = otlp_encode, /* headers_from_metadata makes the payload this exporter's own */
                           .encode_key =
                               cfg->headers_from_metadata.n ? NULL : pf_client_otlp_key(cfg->client.compression),
                           .send = otlp_send};
    pf_client_exporter_init(&e->base, args, &cfg->client, &cfg->helper, pf_client_grpc_url(&cfg->client, EXPORT_METHOD),
                            &ops);
    pf_client_exporter_set_metadata_headers(&e->base, &cfg->headers_from_metadata);
    return &e->base.base;
}
