/* series_exporter.c — lifecycle shared by the pyroscope and parca exporters (see series_exporter.h). */
#include "exporters/pyroscope/series_exporter.h"

#include <stdlib.h>

static bool exporter_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)host;
    pf_series_exporter *e = (pf_series_exporter *)c;
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
    pf_series_exporter *e = data;
    e->shutdown_done(&e->base, e->shutdown_data);
}

static void on_helper_drained(void *data)
{
    pf_series_exporter *e = data;
    if (!e->client) {
        e->shutdown_done(&e->base, e->shutdown_data);
        return;
    }
    pf_http_client *client = e->client;
    e->client = NULL;
    pf_http_client_close(client, on_client_closed, e);
}

/* The shutdown deadline passed with sends in progress: closing the client completes them at once
 * (as transport errors, which the helper counts as dropped). */
static void abort_sends(void *ctx)
{
    pf_series_exporter *e = ctx;
    if (!e->client) return;
    pf_http_client *client = e->client;
    e->client = NULL;
    pf_http_client_close(client, NULL, NULL);
}

static void exporter_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    pf_series_exporter *e = (pf_series_exporter *)c;
    e->shutdown_done = done;
    e->shutdown_data = data;
    pf_exporter_helper_shutdown(e->helper, deadline_ms, on_helper_drained, e);
}

static void exporter_destroy(pf_component *c)
{
    pf_series_exporter *e = (pf_series_exporter *)c;
    if (e->client) pf_http_client_close(e->client, NULL, NULL); /* started, but shutdown never ran */
    pf_exporter_helper_free(e->helper);
    e->free_self(e);
}

static const pf_component_ops exporter_ops = {
    .start = exporter_start,
    .shutdown = exporter_shutdown,
    .destroy = exporter_destroy,
};

void pf_series_exporter_init(pf_series_exporter *e, const pf_create_args *args,
                             const pf_http_client_config *client_cfg, const pf_exporter_helper_config *helper_cfg,
                             pf_export_send_fn send, void (*free_self)(pf_series_exporter *e))
{
    e->base.ops = &exporter_ops;
    e->base.id = args->id;
    e->loop = args->loop;
    e->client_cfg = client_cfg;
    e->free_self = free_self;
    e->helper = pf_exporter_helper_new(args->loop, args->id, helper_cfg, send, abort_sends, e);
    e->base.consumer = *pf_exporter_helper_consumer(e->helper);
}

bool pf_series_exporter_not_started(pf_series_exporter *e, pf_export_attempt *attempt)
{
    if (e->client) return false;
    pf_error err;
    pf_error_set(&err, "exporter is not started");
    pf_export_done(attempt, PF_RETRYABLE, &err, 0);
    return true;
}

pf_series_send *pf_series_send_new(pf_series_exporter *e, pf_export_attempt *attempt)
{
    pf_series_send *s = pf_xmalloc(sizeof(*s));
    *s = (pf_series_send){e, attempt};
    return s;
}
