/* client_exporter.c — lifecycle and reply handling shared by the exporters that send to a backend
 * over HTTP or gRPC (see client_exporter.h). */
#include "exporters/helper/client_exporter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/compress.h"
#include "net/grpc_frame.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/model/wire.h"

static bool exporter_start(pf_component *c, pf_host *host, pf_error *err)
{
    pf_client_exporter *e = (pf_client_exporter *)c;
    if (!pf_exporter_helper_start(e->helper, host, err)) return false;
    char why[256];
    e->client = pf_http_client_new(e->loop, e->client_cfg, why, sizeof(why));
    if (!e->client) {
        pf_error_set(err, "%s: %s", c->id, why);
        return false;
    }
    return true;
}

static void on_helper_drained(void *data)
{
    pf_client_exporter *e = data;
    if (!e->client) {
        pf_component_shutdown_end(e);
        return;
    }
    pf_http_client *client = e->client;
    e->client = NULL;
    pf_http_client_close(client, pf_component_shutdown_end, e);
}

/* The shutdown deadline passed with sends in progress: closing the client completes them at once
 * (as transport errors, which the helper counts as dropped). */
static void abort_sends(void *ctx)
{
    pf_client_exporter *e = ctx;
    if (!e->client) return;
    pf_http_client *client = e->client;
    e->client = NULL;
    pf_http_client_close(client, NULL, NULL);
}

static void exporter_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    pf_client_exporter *e = (pf_client_exporter *)c;
    pf_component_shutdown_begin(c, done, data);
    pf_exporter_helper_shutdown(e->helper, deadline_ms, on_helper_drained, e);
}

static void exporter_destroy(pf_component *c)
{
    pf_client_exporter *e = (pf_client_exporter *)c;
    if (e->client) pf_http_client_close(e->client, NULL, NULL); /* started, but shutdown never ran */
    pf_exporter_helper_free(e->helper);
    free(e->url);
    free(e->authorization);
    pf_strlist_free(&e->metadata_headers);
    free(e);
}

static const pf_component_ops exporter_ops = {
    .start = exporter_start,
    .shutdown = exporter_shutdown,
    .destroy = exporter_destroy,
};

void pf_client_exporter_init(pf_client_exporter *e, const pf_create_args *args, const pf_http_client_config *client_cfg,
                             const pf_exporter_helper_config *helper_cfg, char *url, const pf_exporter_ops *ops)
{
    pf_component_init(&e->base, &exporter_ops, args);
    e->loop = args->loop;
    e->client_cfg = client_cfg;
    e->url = url;
    const char *comp = client_cfg->compression;
    e->compression = comp && *comp && strcasecmp(comp, "none") != 0 ? comp : NULL;
    e->compression_level = (int)client_cfg->compression_params.level;
    char *labels = pf_xasprintf("exporter=\"%s\",body=\"encoded\"", args->id);
    static const char help[] = "Bodies an OTLP exporter sent, by origin: encoded from the batch, verbatim (the "
                               "received protobuf bytes) or verbatim_compressed (the received compressed bytes, "
                               "not compressed again)";
    e->encoded = pf_counter("proflow_exporter_otlp_bodies_total", help, labels);
    free(labels);
    labels = pf_xasprintf("exporter=\"%s\",body=\"verbatim\"", args->id);
    e->verbatim = pf_counter("proflow_exporter_otlp_bodies_total", help, labels);
    free(labels);
    labels = pf_xasprintf("exporter=\"%s\",body=\"verbatim_compressed\"", args->id);
    e->verbatim_compressed = pf_counter("proflow_exporter_otlp_bodies_total", help, labels);
    free(labels);
    pf_exporter_ops o = *ops;
    o.abort_sends = abort_sends;
    e->helper = pf_exporter_helper_new(args->loop, args->id, helper_cfg, &o, e);
    e->base.consumer = *pf_exporter_helper_consumer(e->helper);
}

bool pf_client_decoded(pf_batch *b, pf_error *err)
{
    if (pf_batch_materialize(b)) return true;
    pf_error_set(err, "the batch could not be decoded");
    return false;
}

bool pf_client_exporter_not_started(pf_client_exporter *e, pf_export_attempt *attempt)
{
    if (e->client) return false;
    pf_error err;
    pf_error_set(&err, "exporter is not started");
    pf_export_done(attempt, PF_RETRYABLE, &err, 0);
    return true;
}

pf_client_send *pf_client_send_new(pf_client_exporter *e, pf_export_attempt *attempt)
{
    pf_client_send *s = pf_xmalloc(sizeof(*s));
    *s = (pf_client_send){e, attempt};
    return s;
}

pf_client_send pf_client_send_take(void *data)
{
    pf_client_send send = *(pf_client_send *)data;
    free(data);
    return send;
}

void pf_client_post(pf_client_exporter *e, pf_export_attempt *attempt, const char *url, const pf_http_header *headers,
                    size_t n_headers, const pf_payload *p, int64_t timeout_ns, pf_http_done_cb on_reply)
{
    pf_http_call call = {
        .method = "POST",
        .url = url ? url : e->url,
        .headers = headers,
        .n_headers = n_headers,
        .body = p->data,
        .body_len = p->len,
        .content_encoding = p->content_encoding,
        .body_encoded = true,
        .timeout_ns = timeout_ns,
    };
    pf_http_client_send(e->client, &call, on_reply, pf_client_send_new(e, attempt));
}

void pf_client_grpc_send(pf_client_exporter *e, pf_export_attempt *attempt, const pf_payload *p, int64_t timeout_ns,
                         pf_http_done_cb on_reply)
{
    pf_client_grpc_send_md(e, attempt, NULL, 0, p, timeout_ns, on_reply);
}

void pf_client_grpc_send_md(pf_client_exporter *e, pf_export_attempt *attempt, const pf_http_header *md, size_t n_md,
                            const pf_payload *p, int64_t timeout_ns, pf_http_done_cb on_reply)
{
    pf_http_header stack_md[9];
    pf_http_header *all = n_md < 8 ? stack_md : pf_xmalloc((n_md + 1) * sizeof(*all));
    size_t n = 0;
    if (e->authorization) all[n++] = (pf_http_header){"authorization", e->authorization};
    for (size_t i = 0; i < n_md; i++) all[n++] = md[i];
    pf_grpc_call call = {
        .url = e->url,
        .metadata = all,
        .n_metadata = n,
        .msg = p->data,
        .msg_len = p->len,
        .compression = p->content_encoding,
        .msg_compressed = true,
        .timeout_ns = timeout_ns,
    };
    pf_grpc_unary(e->client, &call, on_reply, pf_client_send_new(e, attempt));
    if (all != stack_md) free(all);
}

const char *pf_client_otlp_key(const char *compression)
{
    if (!compression || !*compression || strcasecmp(compression, "none") == 0) return "otlp-proto/none";
    if (strcasecmp(compression, "gzip") == 0) return "otlp-proto/gzip";
    if (strcasecmp(compression, "zstd") == 0) return "otlp-proto/zstd";
    return NULL;
}

void pf_client_count_body(pf_client_exporter *e, const pf_payload *p)
{
    if (p->origin <= 0) return;
    pf_otlp_body_source source = (pf_otlp_body_source)(p->origin - 1);
    if (source == PF_OTLP_BODY_VERBATIM)
        pf_metric_add(e->verbatim, 1);
    else if (source == PF_OTLP_BODY_VERBATIM_COMPRESSED)
        pf_metric_add(e->verbatim_compressed, 1);
    else
        pf_metric_add(e->encoded, 1);
}

char *pf_client_url_join(const char *base, const char *path)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    return pf_xasprintf("%.*s%s", (int)n, base, path);
}

char *pf_client_grpc_url(const pf_http_client_config *cfg, const char *method)
{
    char *base = pf_grpc_base_url(cfg);
    char *url = pf_client_url_join(base, method);
    free(base);
    return url;
}

void pf_client_body_excerpt(const uint8_t *body, size_t len, char *out, size_t out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < out_len; i++) out[n++] = isprint(body[i]) ? (char)body[i] : '.';
    out[n] = '\0';
}

pf_status pf_client_http_status(const pf_http_response *resp, const char *url, bool (*retryable_status)(int status),
                                pf_error *err)
{
    if (resp->status == 0) {
        pf_error_set(err, "POST %s: %s", url, resp->error);
        return PF_RETRYABLE;
    }
    if (resp->status >= 200 && resp->status < 300) return PF_OK;
    char excerpt[256];
    pf_client_body_excerpt(resp->body, resp->body_len, excerpt, sizeof(excerpt));
    pf_error_set(err, "POST %s: HTTP %d: %s", url, resp->status, excerpt);
    if (!retryable_status(resp->status)) return PF_PERMANENT;
    err->retry_after_s = resp->retry_after_s;
    return PF_RETRYABLE;
}

pf_status pf_client_grpc_status(const pf_http_response *resp, const char *url, bool (*retryable_code)(int code),
                                pf_error *err)
{
    if (resp->grpc_status == PF_GRPC_OK) return PF_OK;
    /* The client puts a transport error's text into grpc_message too; error covers any other case. */
    pf_error_set(err, "%s: %s: %s", url, pf_grpc_status_name(resp->grpc_status),
                 resp->grpc_message[0] ? resp->grpc_message : resp->error);
    err->retry_after_s = resp->retry_after_s;
    bool recovers = resp->grpc_status == PF_GRPC_RESOURCE_EXHAUSTED && resp->grpc_retry_info;
    return retryable_code(resp->grpc_status) || recovers ? PF_RETRYABLE : PF_PERMANENT;
}

bool pf_client_is_http_url(const char *s)
{
    return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) && strlen(s) > 8;
}

bool pf_client_grpc_endpoint_valid(const char *endpoint, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const char *scheme_end = strstr(endpoint, "://");
    if (scheme_end && strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) {
        pf_cfg_errorf(err, node, path, "endpoint \"%s\": only http:// or https:// schemes are allowed", endpoint);
        return false;
    }
    if (!strchr(scheme_end ? scheme_end + 3 : endpoint, ':')) {
        pf_cfg_errorf(err, node, path, "endpoint \"%s\" must include a port (host:port)", endpoint);
        return false;
    }
    return true;
}
