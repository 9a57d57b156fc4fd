/* parca_exporter.c — the parca exporter's behaviour: the batch as series of gzipped pprofs
 * (series_pprof.h), sent as one WriteRaw call (write_raw.h) through the client exporter. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/parca/parca_exporter.h"
#include "exporters/parca/write_raw.h"
#include "net/grpc_frame.h"
#include "exporters/helper/client_exporter.h"

typedef struct parca_exporter {
    pf_client_exporter base; /* first: the helper's ctx */
    const parca_config *cfg;
    pf_http_client_config client_cfg; /* the configured one with the default endpoint and `insecure` applied */
    pf_series_pprof_metrics pprofs;
} parca_exporter;

static bool retryable_code(int code)
{
    return code == PF_GRPC_UNAVAILABLE || code == PF_GRPC_RESOURCE_EXHAUSTED || code == PF_GRPC_DEADLINE_EXCEEDED;
}

static void on_reply(const pf_http_response *resp, void *data)
{
    pf_client_send send = pf_client_send_take(data);
    pf_error err = {0};
    pf_status st = pf_client_grpc_status(resp, send.exporter->url, retryable_code, &err);
    pf_export_done(send.attempt, st, &err, st == PF_OK ? resp->request_bytes : 0);
}

static pf_status parca_encode(void *ctx, pf_batch *b, pf_payload **out, pf_error *err)
{
    parca_exporter *e = ctx;
    if (!pf_client_decoded(b, err)) return PF_PERMANENT;
    pf_series_pprofs s = {0};
    pf_series_options opts = {.external_labels = &e->cfg->external_labels};
    if (!pf_series_pprofs_build(b, &opts, &s, err->msg, sizeof(err->msg))) return PF_PERMANENT;
    pf_series_pprofs_count(&s, &e->pprofs);
    pf_buf msg = {0};
    if (s.n) pf_parca_write_raw_encode(&s, &msg);
    pf_series_pprofs_free(&s);
    const char *enc = msg.len ? pf_payload_compress(&msg, e->base.compression, e->base.compression_level) : NULL;
    *out = pf_payload_new(&msg, "application/x-protobuf+parca-writeraw", enc, NULL, pf_batch_sample_count(b),
                          pf_batch_profile_count(b));
    return PF_OK;
}

static void parca_send(void *ctx, const pf_payload *p, int64_t timeout_ns, pf_export_attempt *attempt)
{
    parca_exporter *e = ctx;
    if (pf_client_exporter_not_started(&e->base, attempt)) return;
    if (!p->len) { /* nothing to write (no series) */
        pf_export_done(attempt, PF_OK, NULL, 0);
        return;
    }
    if (!p->content_type || strcmp(p->content_type, "application/x-protobuf+parca-writeraw") != 0) {
        pf_error err;
        pf_error_set(&err,
                     "queued record has content type %s, not a Parca WriteRaw request (written by another "
                     "configuration)",
                     p->content_type ? p->content_type : "(none)");
        pf_export_done(attempt, PF_PERMANENT, &err, 0);
        return;
    }
    pf_client_grpc_send(&e->base, attempt, p, timeout_ns, on_reply);
}

pf_component *parca_exporter_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const parca_config *cfg = args->config;
    parca_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->cfg = cfg;
    e->client_cfg = cfg->client; /* shallow: the strings stay the service's */
    if (!e->client_cfg.endpoint || !*e->client_cfg.endpoint) e->client_cfg.endpoint = PARCA_DEFAULT_ENDPOINT;
    e->client_cfg.tls.insecure = cfg->client.tls.insecure || cfg->insecure;
    if (cfg->bearer_token && *cfg->bearer_token) e->base.authorization = pf_xasprintf("Bearer %s", cfg->bearer_token);
    pf_exporter_ops ops = {.encode = parca_encode, .send = parca_send};
    pf_client_exporter_init(&e->base, args, &e->client_cfg, &cfg->helper,
                            pf_client_grpc_url(&e->client_cfg, PF_PARCA_WRITE_RAW_METHOD), &ops);
    e->pprofs = pf_series_pprof_metrics_new(args->id);
    return &e->base.base;
}
