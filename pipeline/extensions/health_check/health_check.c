/* health_check.c — the health_check extension's behaviour: one HTTP server answering its path with
 * 200 or 503 from pf_host_healthy(). */
#include <stdlib.h>
#include <string.h>

#include "pipeline/extensions/health_check/health_check.h"

typedef struct health_check {
    pf_component base;
    const health_config *cfg;
    pf_http_server *server;
    pf_host *host;
} health_check;

static void handle(pf_http_request *req, void *data)
{
    health_check *h = data;
    bool ok = pf_host_healthy(h->host);
    const char *body = ok ? h->cfg->healthy_body : h->cfg->unhealthy_body;
    pf_http_header ct = {"content-type", "application/json"};
    pf_http_respond(req, ok ? 200 : 503, &ct, 1, body, strlen(body));
}

static bool health_start(pf_component *c, pf_host *host, pf_error *err)
{
    health_check *h = (health_check *)c;
    h->host = host;
    h->server = pf_http_server_new(host->loop, &h->cfg->server, c->id);
    pf_http_server_route(h->server, "GET", h->cfg->path, false, handle, h);
    return pf_http_server_start(h->server, err->msg, sizeof err->msg);
}

static void server_closed(void *data)
{
    health_check *h = data;
    h->server = NULL;
    pf_component_shutdown_end(h);
}

static void health_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    health_check *h = (health_check *)c;
    pf_component_shutdown_begin(c, done, data);
    if (h->server)
        pf_http_server_close(h->server, server_closed, h);
    else
        pf_component_shutdown_end(c);
}

static const pf_component_ops health_ops = {.start = health_start, .shutdown = health_shutdown};

pf_component *health_check_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    health_check *h = pf_xcalloc(1, sizeof(*h));
    pf_component_init(&h->base, &health_ops, args);
    h->cfg = args->config;
    return &h->base;
}
