/* health_check extension — answers 200 on its endpoint while every component is started, 503
 * otherwise (starting, shutting down, reloading), like the Collector's healthcheckextension. */
#include <string.h>

#include "net/http_server.h"
#include "pipeline/component.h"
#include "pipeline/service.h"

typedef struct health_config {
    pf_http_server_config server;
    char *path;
    char *healthy_body;
    char *unhealthy_body;
} health_config;

typedef struct health_check {
    pf_component base;
    const health_config *cfg;
    pf_http_server *server;
    pf_service *service;
    pf_done_cb done;
    void *done_data;
} health_check;

static const pf_cfg_entry response_body_map[] = {
    {PF_CFG_STRING, "healthy", "{\"status\":\"Server available\"}", offsetof(health_config, healthy_body), "Body sent with 200."},
    {PF_CFG_STRING, "unhealthy", "{\"status\":\"Server not available\"}", offsetof(health_config, unhealthy_body), "Body sent with 503."},
    PF_CFG_END,
};

/* The Collector's healthcheckextension embeds confighttp.ServerConfig: endpoint, tls, auth and the
 * listener limits sit at the top of its config. */
static const pf_cfg_entry health_map[] = {
    {PF_CFG_STRING, "endpoint", "localhost:13133", offsetof(health_config, server.endpoint), "Address to listen on."},
    {PF_CFG_STRING, "path", "/", offsetof(health_config, path), "Path answered."},
    {PF_CFG_SECTION, "response_body", NULL, 0, "Bodies for the two states.", .sub = response_body_map},
    {.type = PF_CFG_SIZE, .name = "max_request_body_size", .def = "64KiB",
     .offset = offsetof(health_config, server) + offsetof(pf_http_server_config, max_request_body_size),
     .desc = "Largest request body accepted (413 beyond).", .min = 1, .max = 1e9},
    PF_HTTP_SERVER_LIMIT_ENTRIES(offsetof(health_config, server)),
    PF_HTTP_SERVER_SECURITY_ENTRIES(offsetof(health_config, server)),
    PF_CFG_END,
};

static void handle(pf_http_request *req, void *data)
{
    health_check *h = data;
    bool ok = h->service && pf_service_healthy(h->service);
    const char *body = ok ? h->cfg->healthy_body : h->cfg->unhealthy_body;
    pf_http_header ct = {"content-type", "application/json"};
    pf_http_respond(req, ok ? 200 : 503, &ct, 1, body, strlen(body));
}

static bool health_start(pf_component *c, pf_host *host, pf_error *err)
{
    health_check *h = (health_check *)c;
    h->service = host->service;
    h->server = pf_http_server_new(host->loop, &h->cfg->server, c->id);
    pf_http_server_route(h->server, "GET", h->cfg->path, false, handle, h);
    return pf_http_server_start(h->server, err->msg, sizeof err->msg);
}

static void server_closed(void *data)
{
    health_check *h = data;
    h->server = NULL;
    h->done(&h->base, h->done_data);
}

static void health_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    health_check *h = (health_check *)c;
    h->done = done;
    h->done_data = data;
    if (h->server) pf_http_server_close(h->server, server_closed, h);
    else done(c, data);
}

static void health_destroy(pf_component *c) { free(c); }

static const pf_component_ops health_ops = {health_start, health_shutdown, health_destroy};

static pf_component *health_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    health_check *h = pf_xcalloc(1, sizeof(*h));
    h->base.ops = &health_ops;
    h->cfg = args->config;
    return &h->base;
}

const pf_factory pf_extension_health_check_factory = {
    .type = "health_check",
    .kind = PF_KIND_EXTENSION,
    .stability = "beta",
    .description = "HTTP health endpoint: 200 while every component runs, 503 otherwise.",
    .config_map = health_map,
    .config_size = sizeof(health_config),
    .create = health_create,
};
