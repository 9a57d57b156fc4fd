/* pyroscope_exporter.c — the pyroscope exporter's behaviour: push (one PushRequest per batch) or ingest
 * (one /ingest request per pprof, each sent once across retries) through the client exporter. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/pyroscope/pyroscope_exporter.h"
#include "exporters/helper/client_exporter.h"

typedef struct pyroscope_exporter {
    pf_client_exporter base; /* first: the helper's ctx; base.url is the Push URL */
    const pyroscope_config *cfg;
    bool ingest;
    pf_series_pprof_metrics pprofs;
} pyroscope_exporter;

#define MAX_REQUEST_HEADERS 12

/* What a queued payload's meta says: "push" or "ingest", the tenant, then the headers_from_metadata
 * captured at encode time ("push\n<tenant>\n<name>\n<value>\n..."). Split in a copy. */
typedef struct payload_meta {
    bool ingest;
    const char *tenant;
    const char *headers; /* as pf_client_metadata_capture writes them; NULL when none */
    char text[1024];
    char header_scratch[1024];
} payload_meta;

static bool payload_kind(const pf_payload *p, payload_meta *m)
{
    snprintf(m->text, sizeof(m->text), "%s", p->meta ? p->meta : "");
    char *s = m->text;
    if (strncmp(s, "push\n", 5) == 0)
        m->ingest = false, s += 5;
    else if (strncmp(s, "ingest\n", 7) == 0)
        m->ingest = true, s += 7;
    else
        return false;
    m->tenant = s;
    m->headers = NULL;
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        m->headers = nl + 1;
    }
    return true;
}

/* The request headers every call carries: content type, tenant, authorization (+ Connect's
 * protocol version for push), then headers_from_metadata. Returns how many were written into h. */
static size_t request_headers(const pyroscope_exporter *e, payload_meta *m, const char *content_type,
                              pf_http_header h[MAX_REQUEST_HEADERS])
{
    const char *tenant = m->tenant;
    size_t n = 0;
    h[n++] = (pf_http_header){"content-type", content_type};
    if (tenant && *tenant) h[n++] = (pf_http_header){"x-scope-orgid", tenant};
    if (e->base.authorization) h[n++] = (pf_http_header){"authorization", e->base.authorization};
    if (!m->ingest) h[n++] = (pf_http_header){"connect-protocol-version", "1"};
    return pf_client_metadata_headers(m->headers, m->header_scratch, sizeof(m->header_scratch), h, n,
                                      MAX_REQUEST_HEADERS);
}

/* The tenant a batch is sent for: the batch's (tenant_from_metadata) or tenant_id. */
static const char *batch_tenant(const pyroscope_exporter *e, const pf_batch *b)
{
    const char *tenant = e->cfg->tenant_from_metadata ? pf_batch_meta_get(b, "tenant") : NULL;
    if (!tenant || !*tenant) tenant = e->cfg->tenant_id;
    return tenant ? tenant : "";
}

/* Besides transport errors (always retried): 429 and 5xx. */
static bool retryable_status(int status) { return status == 429 || status >= 500; }

static bool build_series(pyroscope_exporter *e, const pf_batch *b, pf_series_pprofs *s, pf_error *err)
{
    pf_series_options opts = {.external_labels = &e->cfg->external_labels, .keep_reserved = pf_pyro_reserved_labels};
    if (!pf_series_pprofs_build(b, &opts, s, err->msg, sizeof(err->msg))) return false;
    pf_series_pprofs_count(s, &e->pprofs);
    pf_pyro_default_delta(s);
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

static void encode_push(pyroscope_exporter *e, const pf_series_pprofs *s, pf_buf *body)
{
    if (!s->n) return;
    pf_pyro_push_encode(s, body);
    (void)e;
}

static void send_push(pyroscope_exporter *e, const pf_payload *p, payload_meta *m, int64_t timeout_ns,
                      pf_export_attempt *attempt)
{
    if (!p->len) {
        pf_export_done(attempt, PF_OK, NULL, 0);
        return;
    }
    pf_http_header headers[MAX_REQUEST_HEADERS];
    size_t n_headers = request_headers(e, m, "application/proto", headers);
    pf_client_post(&e->base, attempt, NULL, headers, n_headers, p, timeout_ns, on_push_reply);
}

/* ---------------------------------------------------------------- ingest */

/* What the attempts of one batch achieved so far. The helper keeps it with the batch
 * (pf_export_attempt_set_state) and frees it when the batch is delivered or dropped; the series of a
 * batch are rebuilt identically on every attempt, so a pprof is known by its index. */
typedef struct ingest_progress {
    size_t n;     /* pprofs of the batch */
    size_t bytes; /* request bytes of the accepted ones, reported once the batch is delivered */
    bool refused; /* some pprof failed permanently: the batch ends as a permanent failure */
    pf_error refused_err;
    bool settled[]; /* per pprof: accepted, or refused for good; either way never sent again */
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
    bool retry; /* some pprof failed retryably: the helper retries, and only the unsettled are resent */
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

/* Ingest payloads hold one request per pprof: u32 length + URL, u32 length + content type, u32
 * length + body, repeated. A pprof that could not be turned into a request has an empty URL and
 * the reason in place of the content type: it is refused for good when sent. */
static void put_part(pf_buf *out, const char *s, size_t n)
{
    uint8_t len[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    pf_buf_append(out, len, 4);
    pf_buf_append(out, s, n);
}

static void encode_ingest(pyroscope_exporter *e, const pf_series_pprofs *s, pf_buf *out)
{
    for (size_t i = 0; i < s->n; i++) {
        pf_buf body = {0};
        pf_error err = {0};
        char *content_type = pf_pyro_ingest_body(&s->items[i], &body, err.msg, sizeof(err.msg));
        if (!content_type) {
            put_part(out, "", 0);
            put_part(out, err.msg, strlen(err.msg));
            put_part(out, "", 0);
        } else {
            char *url = pf_pyro_ingest_url(e->cfg->client.endpoint, &s->items[i]);
            put_part(out, url, strlen(url));
            put_part(out, content_type, strlen(content_type));
            put_part(out, body.data ? body.data : "", body.len);
            free(url);
            free(content_type);
        }
        pf_buf_free(&body);
    }
}

typedef struct ingest_part {
    const char *url, *content_type, *body;
    size_t url_len, content_type_len, body_len;
} ingest_part;

static bool next_field(const uint8_t **p, size_t *left, const char **out, size_t *n)
{
    if (*left < 4) return false;
    size_t len = (size_t)(*p)[0] | (size_t)(*p)[1] << 8 | (size_t)(*p)[2] << 16 | (size_t)(*p)[3] << 24;
    if (len > *left - 4) return false;
    *out = (const char *)*p + 4;
    *n = len;
    *p += 4 + len;
    *left -= 4 + len;
    return true;
}

/* Splits an ingest payload into parts (malloc'd array); false when malformed. */
static bool ingest_parts(const pf_payload *pl, ingest_part **parts, size_t *n)
{
    const uint8_t *p = pl->data;
    size_t left = pl->len;
    *parts = NULL;
    *n = 0;
    while (left) {
        ingest_part part;
        if (!next_field(&p, &left, &part.url, &part.url_len) ||
            !next_field(&p, &left, &part.content_type, &part.content_type_len) ||
            !next_field(&p, &left, &part.body, &part.body_len)) {
            free(*parts);
            *parts = NULL;
            return false;
        }
        *parts = pf_xrealloc(*parts, (*n + 1) * sizeof(**parts));
        (*parts)[(*n)++] = part;
    }
    return true;
}

static void send_ingest(pyroscope_exporter *e, const pf_payload *p, payload_meta *m, int64_t timeout_ns,
                        pf_export_attempt *attempt)
{
    ingest_part *parts;
    size_t n;
    if (!ingest_parts(p, &parts, &n)) {
        pf_error err;
        pf_error_set(&err, "malformed queued ingest record (%zu bytes)", p->len);
        pf_export_done(attempt, PF_PERMANENT, &err, 0);
        return;
    }
    ingest_fan *fan = pf_xcalloc(1, sizeof(*fan));
    fan->attempt = attempt;
    fan->progress = ingest_progress_of(attempt, n);
    fan->pending = 1; /* held until every request is started */
    for (size_t i = 0; i < n; i++) {
        if (fan->progress->settled[i]) continue;
        if (!parts[i].url_len) {
            pf_error err = {0};
            snprintf(err.msg, sizeof(err.msg), "%.*s", (int)parts[i].content_type_len, parts[i].content_type);
            ingest_record(fan, i, PF_PERMANENT, &err, 0);
            continue;
        }
        ingest_call *call = pf_xmalloc(sizeof(*call));
        *call = (ingest_call){fan, i, pf_xstrndup(parts[i].url, parts[i].url_len)};
        char *content_type = pf_xstrndup(parts[i].content_type, parts[i].content_type_len);
        pf_http_header headers[MAX_REQUEST_HEADERS];
        pf_http_call req = {
            .method = "POST",
            .url = call->url,
            .headers = headers,
            .n_headers = request_headers(e, m, content_type, headers),
            .body = parts[i].body,
            .body_len = parts[i].body_len,
            .timeout_ns = timeout_ns,
        };
        fan->pending++;
        pf_http_client_send(e->base.client, &req, on_ingest_reply, call);
        free(content_type);
    }
    free(parts);
    ingest_finish_one(fan);
}

static pf_status pyroscope_encode(void *ctx, pf_batch *b, pf_payload **out, pf_error *err)
{
    pyroscope_exporter *e = ctx;
    if (!pf_client_decoded(b, err)) return PF_PERMANENT;
    pf_series_pprofs s = {0};
    if (!build_series(e, b, &s, err)) return PF_PERMANENT;
    pf_buf body = {0};
    const char *enc = NULL;
    if (e->ingest) {
        encode_ingest(e, &s, &body);
    } else {
        encode_push(e, &s, &body);
        if (body.len) enc = pf_payload_compress(&body, e->base.compression, e->base.compression_level);
    }
    pf_series_pprofs_free(&s);
    char *headers = pf_client_metadata_capture(&e->base, b);
    char *meta = pf_xasprintf("%s\n%s\n%s", e->ingest ? "ingest" : "push", batch_tenant(e, b), headers ? headers : "");
    free(headers);
    *out = pf_payload_new(&body, e->ingest ? NULL : "application/proto", enc, meta, pf_batch_sample_count(b),
                          pf_batch_profile_count(b));
    free(meta);
    return PF_OK;
}

static void pyroscope_send(void *ctx, const pf_payload *p, int64_t timeout_ns, pf_export_attempt *attempt)
{
    pyroscope_exporter *e = ctx;
    if (pf_client_exporter_not_started(&e->base, attempt)) return;
    payload_meta m;
    if (!payload_kind(p, &m)) {
        pf_error err;
        pf_error_set(&err, "queued record is not a pyroscope request (written by another configuration)");
        pf_export_done(attempt, PF_PERMANENT, &err, 0);
        return;
    }
    /* The record's own protocol: one queued under an earlier configuration is sent as it was made. */
    if (m.ingest)
        send_ingest(e, p, &m, timeout_ns, attempt);
    else
        send_push(e, p, &m, timeout_ns, attempt);
}

/* ---------------------------------------------------------------- component */

pf_component *pyroscope_exporter_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const pyroscope_config *cfg = args->config;
    pyroscope_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->cfg = cfg;
    e->ingest = strcmp(cfg->protocol, "ingest") == 0;
    if (cfg->basic_auth.username && *cfg->basic_auth.username)
        e->base.authorization = pf_http_basic_authorization(cfg->basic_auth.username, cfg->basic_auth.password);
    else if (cfg->bearer_token && *cfg->bearer_token)
        e->base.authorization = pf_xasprintf("Bearer %s", cfg->bearer_token);
    pf_exporter_ops ops = {.encode = pyroscope_encode, .send = pyroscope_send};
    pf_client_exporter_init(&e->base, args, &cfg->client, &cfg->helper,
                            pf_client_url_join(cfg->client.endpoint, PF_PYROSCOPE_PUSH_PATH), &ops);
    pf_client_exporter_set_metadata_headers(&e->base, &cfg->headers_from_metadata);
    e->pprofs = pf_series_pprof_metrics_new(args->id);
    return &e->base.base;
}
