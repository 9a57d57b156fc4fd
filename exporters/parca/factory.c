/* parca exporter — sends profiles to Parca with unary gRPC
 * parca.profilestore.v1alpha1.ProfileStoreService/WriteRaw (write_raw.h): one series per label set
 * (__name__ required and always present), gzipped pprofs with ids 1..n.
 *
 * `endpoint` is host:port (default localhost:7070, Parca's port); plain-text h2c with `insecure: true`
 * (or tls.insecure), TLS otherwise. Queueing and retries come from the exporter helper: the gRPC
 * statuses UNAVAILABLE, RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED (also what a refused connection and
 * a timeout map to) are retried, every other status (INVALID_ARGUMENT, UNAUTHENTICATED, ...) is a
 * permanent failure. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/parca/write_raw.h"
#include "net/grpc_frame.h"
#include "exporters/helper/client_exporter.h"

#define PARCA_DEFAULT_ENDPOINT "localhost:7070"

typedef struct parca_config {
    pf_http_client_config client;
    bool insecure;
    char *bearer_token;
    pf_strmap external_labels;
    pf_exporter_helper_config helper;
} parca_config;

static const pf_cfg_entry parca_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(offsetof(parca_config, client)),
    PF_KEEPALIVE_ENTRY(offsetof(parca_config, client)),
    {.type = PF_CFG_BOOL, .name = "insecure", .offset = offsetof(parca_config, insecure),
     .desc = "Plain-text gRPC (h2c) instead of TLS; same as tls.insecure."},
    {.type = PF_CFG_STRING, .name = "bearer_token", .offset = offsetof(parca_config, bearer_token),
     .flags = PF_CFG_SECRET, .desc = "Sent as authorization: Bearer <token> metadata."},
    PF_SERIES_EXTERNAL_LABELS_ENTRY(offsetof(parca_config, external_labels)),
    PF_EXPORTER_HELPER_CFG_ENTRIES(offsetof(parca_config, helper)),
    PF_CFG_END,
};

static bool parca_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const parca_config *cfg = config;
    const char *ep = cfg->client.endpoint && *cfg->client.endpoint ? cfg->client.endpoint : PARCA_DEFAULT_ENDPOINT;
    return pf_client_grpc_endpoint_valid(ep, node, path, err) &&
           pf_series_external_labels_valid(&cfg->external_labels, node, path, err);
}

typedef struct parca_exporter {
    pf_client_exporter base; /* first: the helper's ctx */
    const parca_config *cfg;
    pf_http_client_config client_cfg; /* the configured one with the default endpoint and `insecure` applied */
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

static void parca_send(void *ctx, pf_batch *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    parca_exporter *e = ctx;
    if (pf_client_exporter_not_started(&e->base, attempt) || !pf_client_decoded(b, attempt)) return;
    pf_series_pprofs s = {0};
    pf_series_options opts = {.external_labels = &e->cfg->external_labels};
    pf_error err = {0};
    if (!pf_series_pprofs_build(b, &opts, &s, err.msg, sizeof(err.msg))) {
        pf_export_done(attempt, PF_PERMANENT, &err, 0);
        return;
    }
    if (!s.n) {
        pf_export_done(attempt, PF_OK, NULL, 0);
        return;
    }
    pf_buf msg = {0};
    pf_parca_write_raw_encode(&s, &msg);
    pf_series_pprofs_free(&s);
    pf_client_grpc_send(&e->base, attempt, &msg, false, timeout_ns, on_reply);
}

static pf_component *parca_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const parca_config *cfg = args->config;
    parca_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->cfg = cfg;
    e->client_cfg = cfg->client; /* shallow: the strings stay the service's */
    if (!e->client_cfg.endpoint || !*e->client_cfg.endpoint) e->client_cfg.endpoint = PARCA_DEFAULT_ENDPOINT;
    e->client_cfg.tls.insecure = cfg->client.tls.insecure || cfg->insecure;
    if (cfg->bearer_token && *cfg->bearer_token) e->base.authorization = pf_xasprintf("Bearer %s", cfg->bearer_token);
    pf_client_exporter_init(&e->base, args, &e->client_cfg, &cfg->helper,
                            pf_client_grpc_url(&e->client_cfg, PF_PARCA_WRITE_RAW_METHOD), parca_send);
    return &e->base.base;
}

const pf_factory pf_exporter_parca_factory = {
    .type = "parca",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to Parca (ProfileStoreService/WriteRaw over gRPC).",
    .config_map = parca_cfg_map,
    .config_size = sizeof(parca_config),
    .validate = parca_validate,
    .create = parca_create,
};
