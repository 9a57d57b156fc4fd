/* otlphttp_exporter.c — the otlphttp exporter's behaviour: one POST of the batch (protobuf or JSON) per
 * attempt through the client exporter; the reply's partial_success is counted. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exporters/otlphttp/otlphttp_exporter.h"
#include "exporters/helper/client_exporter.h"
#include "receivers/helper/otlp_reply.h"
#include "pipeline/otlpjson/pbjson.h"

#define PROFILES_PATH "/v1development/profiles"

static bool retryable_status(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

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

static pf_status otlphttp_encode(void *ctx, pf_batch *b, pf_payload **out, pf_error *err)
{
    (void)err;
    otlphttp_exporter *e = ctx;
    if (!e->json) {
        *out = pf_export_encode_otlp_proto(b, e->base.compression, e->base.compression_level);
        (*out)->meta = pf_client_metadata_capture(&e->base, b);
        return PF_OK;
    }
    if (!pf_client_decoded(b, err)) return PF_PERMANENT;
    pf_buf body = {0};
    pf_pbjson_encode(&b->req->base, &body);
    const char *enc = pf_payload_compress(&body, e->base.compression, e->base.compression_level);
    char *headers = pf_client_metadata_capture(&e->base, b);
    *out = pf_payload_new(&body, "application/json", enc, headers, pf_batch_sample_count(b), pf_batch_profile_count(b));
    free(headers);
    return PF_OK;
}

static void otlphttp_send(void *ctx, const pf_payload *p, int64_t timeout_ns, pf_export_attempt *attempt)
{
    otlphttp_exporter *e = ctx;
    if (pf_client_exporter_not_started(&e->base, attempt)) return;
    /* The payload's own type: a record queued under an earlier configuration is sent as it was made. */
    pf_http_header h[10];
    char scratch[1024];
    h[0] = (pf_http_header){"content-type", p->content_type ? p->content_type : "application/x-protobuf"};
    size_t n = 1 + pf_otlp_version_header(e->base.client_cfg, h + 1);
    n = pf_client_metadata_headers(p->meta, scratch, sizeof(scratch), h, n, sizeof(h) / sizeof(h[0]));
    pf_client_count_body(&e->base, p);
    pf_client_post(&e->base, attempt, NULL, h, n, p, timeout_ns, on_reply);
}

pf_component *otlphttp_exporter_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const otlphttp_config *cfg = args->config;
    otlphttp_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->json = strcmp(cfg->encoding, "json") == 0;
    char *url = cfg->profiles_endpoint && *cfg->profiles_endpoint
                    ? pf_xstrdup(cfg->profiles_endpoint)
                    : pf_client_url_join(cfg->client.endpoint, PROFILES_PATH);
    pf_otlp_reply_init(&e->reply, args->id);
    pf_exporter_ops ops = {
        .encode = otlphttp_encode,
        .encode_key = e->json || cfg->headers_from_metadata.n ? NULL : pf_client_otlp_key(cfg->client.compression),
        .send = otlphttp_send};
    pf_client_exporter_init(&e->base, args, &cfg->client, &cfg->helper, url, &ops);
    pf_client_exporter_set_metadata_headers(&e->base, &cfg->headers_from_metadata);
    return &e->base.base;
}
