/* otlp_exporter.c — lifecycle and reply helpers shared by the otlp and otlphttp exporters
 * (see otlp_exporter.h). */
#include "exporters/otlp/otlp_exporter.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pipeline/pbjson.h"

static bool exporter_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)host;
    pf_otlp_exporter *e = (pf_otlp_exporter *)c;
    char why[256];
    e->client = pf_http_client_new(e->loop, e->client_cfg, why, sizeof(why));
    if (!e->client) {
        pf_error_set(err, "%s: %s", c->id, why);
        return false;
    }
    return true;
}

static void on_client_closed(void *data)
{
    pf_otlp_exporter *e = data;
    e->shutdown_done(&e->base, e->shutdown_data);
}

static void on_helper_drained(void *data)
{
    pf_otlp_exporter *e = data;
    if (e->client) {
        pf_http_client *client = e->client;
        e->client = NULL;
        pf_http_client_close(client, on_client_closed, e);
    } else {
        e->shutdown_done(&e->base, e->shutdown_data);
    }
}

/* The shutdown deadline passed with sends in progress: closing the client completes them at once
 * (with a transport error, which the helper then counts as dropped). */
static void abort_sends(void *ctx)
{
    pf_otlp_exporter *e = ctx;
    if (!e->client) return;
    pf_http_client *client = e->client;
    e->client = NULL;
    pf_http_client_close(client, NULL, NULL);
}

static void exporter_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    pf_otlp_exporter *e = (pf_otlp_exporter *)c;
    e->shutdown_done = done;
    e->shutdown_data = data;
    pf_exporter_helper_shutdown(e->helper, deadline_ms, on_helper_drained, e);
}

static void exporter_destroy(pf_component *c)
{
    pf_otlp_exporter *e = (pf_otlp_exporter *)c;
    if (e->client) pf_http_client_close(e->client, NULL, NULL); /* start succeeded, shutdown never ran */
    pf_exporter_helper_free(e->helper);
    free(e->url);
    free(e);
}

static const pf_component_ops exporter_ops = {
    .start = exporter_start,
    .shutdown = exporter_shutdown,
    .destroy = exporter_destroy,
};

pf_component *pf_otlp_exporter_create(const pf_create_args *args, const pf_http_client_config *client_cfg,
                                      const pf_exporter_helper_config *helper_cfg, char *url,
                                      pf_export_send_fn send)
{
    pf_otlp_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->base.ops = &exporter_ops;
    e->base.id = args->id;
    e->loop = args->loop;
    e->client_cfg = client_cfg;
    e->url = url;
    const char *comp = client_cfg->compression;
    e->compression = comp && *comp && strcasecmp(comp, "none") != 0 ? comp : NULL;
    e->helper = pf_exporter_helper_new(args->loop, args->id, helper_cfg, send, abort_sends, e);
    e->base.consumer = *pf_exporter_helper_consumer(e->helper);
    e->rejected_profiles = pf_counter1("proflow_exporter_partial_success_rejected_profiles_total",
                                       "Profiles the backend reported as rejected in a partial success.",
                                       "exporter", args->id);
    return &e->base;
}

void pf_otlp_exporter_partial_success(pf_otlp_exporter *e, int64_t rejected_profiles, const char *message)
{
    if (rejected_profiles <= 0 && (!message || !*message)) return;
    if (rejected_profiles > 0) pf_metric_add(e->rejected_profiles, (double)rejected_profiles);
    pf_log_limited(&e->partial_log, 10, PF_LOG_WARN, e->base.id, "partial success: %lld profiles rejected: %s",
                   (long long)rejected_profiles, message && *message ? message : "(no message)");
}

bool pf_otlp_exporter_read_reply(pf_otlp_exporter *e, const uint8_t *body, size_t len, bool json)
{
    if (len == 0) return true;
    otlp_response *r = NULL;
    if (json) {
        char why[256];
        ProtobufCMessage *m = NULL;
        if (!pf_pbjson_decode(&otlp_response_descriptor, (const char *)body, len, NULL, &m, why, sizeof(why)))
            return false;
        r = (otlp_response *)m;
    } else {
        r = (otlp_response *)protobuf_c_message_unpack(&otlp_response_descriptor, NULL, len, body);
    }
    if (!r) return false;
    if (r->partial_success)
        pf_otlp_exporter_partial_success(e, r->partial_success->rejected_profiles, r->partial_success->error_message);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return true;
}

void pf_otlp_body_excerpt(const uint8_t *body, size_t len, char *out, size_t out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < out_len; i++) out[n++] = isprint(body[i]) ? (char)body[i] : '.';
    out[n] = '\0';
}
