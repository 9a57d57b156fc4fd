/* pyroscope exporter — sends profiles to Grafana Pyroscope, like Alloy's pyroscope.write:
 * `protocol: push` (default) POSTs push.v1.PusherService/Push (Connect unary, application/proto,
 * HTTP/2 when the server offers it) with one RawProfileSeries per series; `protocol: ingest` POSTs
 * one legacy /ingest multipart request per pprof. Series labels are described in series_pprof.h,
 * the __delta__ rule in pyroscope_exporter.h.
 *
 * Queueing and retries come from the exporter helper: transport errors, 429 and 5xx are retried
 * (Retry-After honoured); any other non-2xx status is a permanent failure whose message carries the
 * response body. In ingest mode, where a batch is several requests, the batch remembers across its
 * attempts which pprofs the backend already accepted (or refused for good), so a retry resends only
 * the others and each pprof arrives once. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/pyroscope/pyroscope_exporter.h"
#include "exporters/helper/client_exporter.h"

typedef struct basic_auth_config {
    char *username;
    char *password;
} basic_auth_config;

typedef struct pyroscope_config {
    pf_http_client_config client;
    char *protocol;
    char *tenant_id;
    bool tenant_from_metadata;
    basic_auth_config basic_auth;
    char *bearer_token;
    pf_strmap external_labels;
    pf_exporter_helper_config helper;
} pyroscope_config;

static const char *const protocol_choices[] = {"push", "ingest", NULL};

static const pf_cfg_entry basic_auth_cfg_map[] = {
    {.type = PF_CFG_STRING, .name = "username", .offset = offsetof(basic_auth_config, username),
     .desc = "Basic auth user name."},
    {.type = PF_CFG_STRING, .name = "password", .offset = offsetof(basic_auth_config, password),
     .flags = PF_CFG_SECRET, .desc = "Basic auth password."},
    PF_CFG_END,
};

static const pf_cfg_entry pyroscope_cfg_map[] = {
    PF_HTTP_CLIENT_CFG_ENTRIES(offsetof(pyroscope_config, client)),
    {.type = PF_CFG_STRING, .name = "protocol", .def = "push", .offset = offsetof(pyroscope_config, protocol),
     .choices = protocol_choices, .desc = "push (push.v1.PusherService/Push) or ingest (legacy /ingest)."},
    {.type = PF_CFG_STRING, .name = "tenant_id", .offset = offsetof(pyroscope_config, tenant_id),
     .desc = "Tenant sent in X-Scope-OrgID."},
    {.type = PF_CFG_BOOL, .name = "tenant_from_metadata", .offset = offsetof(pyroscope_config, tenant_from_metadata),
     .desc = "Take X-Scope-OrgID from the batch's tenant (as received); tenant_id when it has none."},
    {.type = PF_CFG_SECTION, .name = "basic_auth", .offset = offsetof(pyroscope_config, basic_auth),
     .sub = basic_auth_cfg_map, .desc = "HTTP basic authentication (username, password)."},
    {.type = PF_CFG_STRING, .name = "bearer_token", .offset = offsetof(pyroscope_config, bearer_token),
     .flags = PF_CFG_SECRET, .desc = "Sent as Authorization: Bearer <token>."},
    PF_SERIES_EXTERNAL_LABELS_ENTRY(offsetof(pyroscope_config, external_labels)),
    PF_EXPORTER_HELPER_CFG_ENTRIES(offsetof(pyroscope_config, helper)),
    PF_CFG_END,
};

static bool pyroscope_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const pyroscope_config *cfg = config;
    if (!cfg->client.endpoint || !*cfg->client.endpoint) {
        pf_cfg_errorf(err, node, path, "endpoint is required (for example http://localhost:4040)");
        return false;
    }
    if (!pf_client_is_http_url(cfg->client.endpoint)) {
        pf_cfg_errorf(err, node, path, "endpoint \"%s\" must be an http:// or https:// URL", cfg->client.endpoint);
        return false;
    }
    bool basic = cfg->basic_auth.username && *cfg->basic_auth.username;
    if (basic && cfg->bearer_token && *cfg->bearer_token) {
        pf_cfg_errorf(err, node, path, "basic_auth and bearer_token cannot both be set");
        return false;
    }
    if (!basic && cfg->basic_auth.password && *cfg->basic_auth.password) {
        pf_cfg_errorf(err, node, path, "basic_auth.password is set without basic_auth.username");
        return false;
    }
    return pf_series_external_labels_valid(&cfg->external_labels, node, path, err);
}

typedef struct pyroscope_exporter {
    pf_client_exporter base; /* first: the helper's ctx; base.url is the Push URL */
    const pyroscope_config *cfg;
    bool ingest;
} pyroscope_exporter;

/* The request headers every call carries: content type, tenant, authorization (+ Connect's
 * protocol version for push). Returns how many were written into h[5]. */
static size_t request_headers(const pyroscope_exporter *e, const pf_batch *b, const char *content_type,
                              pf_http_header h[5])
{
    size_t n = 0;
    h[n++] = (pf_http_header){"content-type", content_type};
    const char *tenant = e->cfg->tenant_from_metadata ? pf_batch_meta_get(b, "tenant") : NULL;
    if (!tenant || !*tenant) tenant = e->cfg->tenant_id;
    if (tenant && *tenant) h[n++] = (pf_http_header){"x-scope-orgid", tenant};
    if (e->base.authorization) h[n++] = (pf_http_header){"authorization", e->base.authorization};
    if (!e->ingest) h[n++] = (pf_http_header){"connect-protocol-version", "1"};
    return n;
}

/* Besides transport errors (always retried): 429 and 5xx. */
static bool retryable_status(int status)
{
    return status == 429 || status >= 500;
}

static bool build_series(pyroscope_exporter *e, const pf_batch *b, pf_series_pprofs *s, pf_export_attempt *attempt)
{
    pf_series_options opts = {.external_labels = &e->cfg->external_labels, .keep_reserved = pf_pyroscope_reserved_labels};
    pf_error err = {0};
    if (!pf_series_pprofs_build(b, &opts, s, err.msg, sizeof(err.msg))) {
        pf_export_done(attempt, PF_PERMANENT, &err, 0);
        return false;
    }
    pf_pyroscope_default_delta(s);
    return true;
}

/* ---------------------------------------------------------------- push */

static void on_push_reply(const pf_http_response *resp, void *data)
{
    pf_client_send send = pf_client_send_take(data);
    pf_error err = {0};
    pf_status st = pf_client_http_status(resp, send.exporter->url, retryable_status, &err);
    pf_export_done(send.attempt, st, &err, st == PF_OK ? resp->request_bytes : 0);
}

static void send_push(pyroscope_exporter *e, pf_batch *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    pf_series_pprofs s = {0};
    if (!build_series(e, b, &s, attempt)) return;
    if (!s.n) {
        pf_export_done(attempt, PF_OK, NULL, 0);
        return;
    }
    pf_buf body = {0};
    pf_pyroscope_push_encode(&s, &body);
    pf_series_pprofs_free(&s);
    pf_http_header headers[5];
    size_t n_headers = request_headers(e, b, "application/proto", headers);
    pf_client_post(&e->base, attempt, headers, n_headers, &body, false, timeout_ns, on_push_reply);
}

/* ---------------------------------------------------------------- ingest */

/* What the attempts of one batch achieved so far. The helper keeps it with the batch
 * (pf_export_attempt_set_state) and frees it when the batch is delivered or dropped; the series of a
 * batch are rebuilt identically on every attempt, so a pprof is known by its index. */
typedef struct ingest_progress {
    size_t n;             /* pprofs of the batch */
    size_t bytes;         /* request bytes of the accepted ones, reported once the batch is delivered */
    bool refused;         /* some pprof failed permanently: the batch ends as a permanent failure */
    pf_error refused_err;
    bool settled[];       /* per pprof: accepted, or refused for good; either way never sent again */
} ingest_progress;

static ingest_progress *ingest_progress_of(pf_export_attempt *attempt, size_t n)
{
    ingest_progress *p = pf_export_attempt_state(attempt);
    if (p && p->n == n) return p;
    p = pf_xcalloc(1, sizeof(*p) + n * sizeof(p->settled[0]));
    p->n = n;
    pf_export_attempt_set_state(attempt, p, free);
    return p;
}

/* The requests of one attempt; the attempt finishes when the last one replied. */
typedef struct ingest_fan {
    pf_export_attempt *attempt;
    ingest_progress *progress;
    size_t pending;
    bool retry;       /* some pprof failed retryably: the helper retries, and only the unsettled are resent */
    pf_error retry_err;
} ingest_fan;

typedef struct ingest_call {
    ingest_fan *fan;
    size_t index;
    char *url;
} ingest_call;

static void ingest_finish_one(ingest_fan *fan)
{
    if (--fan->pending) return;
    const ingest_progress *p = fan->progress;
    pf_status st = fan->retry ? PF_RETRYABLE : p->refused ? PF_PERMANENT : PF_OK;
    /* Copied out: once the batch is finished, pf_export_done frees its progress. */
    pf_error err = fan->retry ? fan->retry_err : p->refused_err;
    size_t bytes = st == PF_OK ? p->bytes : 0;
    pf_export_attempt *attempt = fan->attempt;
    free(fan);
    pf_export_done(attempt, st, &err, bytes);
}

static void ingest_record(ingest_fan *fan, size_t index, pf_status st, const pf_error *err, size_t bytes)
{
    ingest_progress *p = fan->progress;
    if (st == PF_RETRYABLE) {
        if (!fan->retry) fan->retry_err = *err;
        fan->retry = true;
        return;
    }
    p->settled[index] = true;
    if (st == PF_OK) {
        p->bytes += bytes;
    } else if (!p->refused) {
        p->refused = true;
        p->refused_err = *err;
    }
}

static void on_ingest_reply(const pf_http_response *resp, void *data)
{
    ingest_call *call = data;
    pf_error err = {0};
    pf_status st = pf_client_http_status(resp, call->url, retryable_status, &err);
    ingest_record(call->fan, call->index, st, &err, resp->request_bytes);
    ingest_finish_one(call->fan);
    free(call->url);
    free(call);
}

static void send_ingest(pyroscope_exporter *e, pf_batch *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    pf_series_pprofs s = {0};
    if (!build_series(e, b, &s, attempt)) return;
    ingest_fan *fan = pf_xcalloc(1, sizeof(*fan));
    fan->attempt = attempt;
    fan->progress = ingest_progress_of(attempt, s.n);
    fan->pending = 1; /* held until every request is started */
    for (size_t i = 0; i < s.n; i++) {
        if (fan->progress->settled[i]) continue;
        pf_buf body = {0};
        pf_error err = {0};
        char *content_type = pf_pyroscope_ingest_body(&s.items[i], &body, err.msg, sizeof(err.msg));
        if (!content_type) {
            ingest_record(fan, i, PF_PERMANENT, &err, 0);
            pf_buf_free(&body);
            continue;
        }
        ingest_call *call = pf_xmalloc(sizeof(*call));
        *call = (ingest_call){fan, i, pf_pyroscope_ingest_url(e->cfg->client.endpoint, &s.items[i])};
        pf_http_header headers[5];
        pf_http_call req = {
            .method = "POST",
            .url = call->url,
            .headers = headers,
            .n_headers = request_headers(e, b, content_type, headers),
            .body = body.data,
            .body_len = body.len,
            .timeout_ns = timeout_ns,
        };
        fan->pending++;
        pf_http_client_send(e->base.client, &req, on_ingest_reply, call);
        free(content_type);
        pf_buf_free(&body);
    }
    pf_series_pprofs_free(&s);
    ingest_finish_one(fan);
}

static void pyroscope_send(void *ctx, pf_batch *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    pyroscope_exporter *e = ctx;
    if (pf_client_exporter_not_started(&e->base, attempt) || !pf_client_decoded(b, attempt)) return;
    if (e->ingest) send_ingest(e, b, timeout_ns, attempt);
    else send_push(e, b, timeout_ns, attempt);
}

/* ---------------------------------------------------------------- component */

static pf_component *pyroscope_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const pyroscope_config *cfg = args->config;
    pyroscope_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->cfg = cfg;
    e->ingest = strcmp(cfg->protocol, "ingest") == 0;
    if (cfg->basic_auth.username && *cfg->basic_auth.username)
        e->base.authorization = pf_http_basic_authorization(cfg->basic_auth.username, cfg->basic_auth.password);
    else if (cfg->bearer_token && *cfg->bearer_token) e->base.authorization = pf_xasprintf("Bearer %s", cfg->bearer_token);
    pf_client_exporter_init(&e->base, args, &cfg->client, &cfg->helper,
                            pf_client_url_join(cfg->client.endpoint, PF_PYROSCOPE_PUSH_PATH), pyroscope_send);
    return &e->base.base;
}

const pf_factory pf_exporter_pyroscope_factory = {
    .type = "pyroscope",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to Grafana Pyroscope (push.v1 Push, or the legacy /ingest API).",
    .config_map = pyroscope_cfg_map,
    .config_size = sizeof(pyroscope_config),
    .validate = pyroscope_validate,
    .create = pyroscope_create,
};
