/* otlp_receiver.c — the otlp receiver's lifecycle: one HTTP server per configured protocol, started
 * and closed with the component. The Export handling is in export.c, the config table in config.c. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "receivers/otlp/otlp_receiver.h"

static void init_transport(otlp_receiver *r, otlp_transport *t, const char *name, const pf_http_server_config *cfg)
{
    t->receiver = r;
    t->max_body = cfg->max_request_body_size > 0 ? (size_t)cfg->max_request_body_size : 20u << 20;
    pf_receiver_transport_init(&t->rt, r->base.id, name, cfg->include_metadata, &r->log_limit);
}

static bool start_transport(otlp_receiver *r, otlp_transport *t, const pf_http_server_config *cfg,
                            const char *default_endpoint, const char *path, pf_http_handler fn, pf_error *err)
{
    pf_http_server_config effective = *cfg;
    if (!effective.endpoint || !*effective.endpoint) effective.endpoint = (char *)default_endpoint;
    char owner[256];
    snprintf(owner, sizeof(owner), "%s/%s", r->base.id, t->rt.name);
    t->server = pf_http_server_new(r->loop, &effective, owner);
    pf_http_server_route(t->server, "POST", path, false, fn, t);
    pf_receiver_install_admission(t->server, &t->rt, r->next);
    char why[512];
    if (!pf_http_server_start(t->server, why, sizeof(why))) {
        pf_error_set(err, "protocols.%s: %s", t->rt.name, why);
        return false;
    }
    return true;
}

static bool otlp_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)host;
    otlp_receiver *r = (otlp_receiver *)c;
    const otlp_protocols *p = &r->cfg->protocols;
    if (p->grpc_present &&
        !start_transport(r, &r->grpc, &p->grpc, "localhost:4317", OTLP_GRPC_EXPORT_PATH, otlp_grpc_export, err))
        return false;
    if (p->http_present &&
        !start_transport(r, &r->http, &p->http, "localhost:4318", OTLP_HTTP_EXPORT_PATH, otlp_http_export, err))
        return false;
    return true;
}

static void on_server_closed(void *data)
{
    otlp_receiver *r = data;
    if (--r->servers_closing == 0) pf_component_shutdown_end(r);
}

static void otlp_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    otlp_receiver *r = (otlp_receiver *)c;
    pf_component_shutdown_begin(c, done, data);
    r->servers_closing = 1; /* a hold, dropped below, so done runs once and only after every close */
    otlp_transport *ts[] = {&r->grpc, &r->http};
    for (size_t i = 0; i < 2; i++) {
        if (!ts[i]->server) continue;
        r->servers_closing++;
        pf_http_server_close(ts[i]->server, on_server_closed, r);
        ts[i]->server = NULL;
    }
    on_server_closed(r);
}

static void otlp_destroy(pf_component *c)
{
    otlp_receiver *r = (otlp_receiver *)c;
    /* Servers are only left after a failed start; they free themselves and nobody waits for them. */
    if (r->grpc.server) pf_http_server_close(r->grpc.server, NULL, NULL);
    if (r->http.server) pf_http_server_close(r->http.server, NULL, NULL);
    free(r);
}

static const pf_component_ops otlp_ops = {
    .start = otlp_start,
    .shutdown = otlp_shutdown,
    .destroy = otlp_destroy,
};

pf_component *otlp_receiver_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    otlp_receiver *r = pf_xcalloc(1, sizeof(*r));
    pf_component_init(&r->base, &otlp_ops, args);
    r->cfg = args->config;
    r->next = args->next;
    r->loop = args->loop;
    init_transport(r, &r->grpc, "grpc", &r->cfg->protocols.grpc);
    init_transport(r, &r->http, "http", &r->cfg->protocols.http);
    return &r->base;
}
