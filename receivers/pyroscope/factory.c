/* pyroscope receiver — accepts what Pyroscope's own ingest accepts, like Alloy's
 * pyroscope.receive_http: the legacy `POST /ingest` (alias `/pyroscope/ingest`: pprof, JFR,
 * folded/lines) and the Push API `POST /push.v1.PusherService/Push` (Connect over HTTP/1.1 and
 * HTTP/2, and gRPC), on one listener (default localhost:4040). Its config is the HTTP server's
 * (endpoint, max_request_body_size, tls, auth, include_metadata, ...) at the component's top level.
 * This file holds the lifecycle; the handlers are ingest_handler.c and push_handler.c. */
#include <stdlib.h>
#include <string.h>

#include "receivers/pyroscope/pyroscope_receiver.h"

static void init_api(pyro_receiver *r, pyro_api *api, const char *name)
{
    api->receiver = r;
    pf_receiver_transport_init(&api->rt, r->base.id, name, r->cfg->include_metadata, &r->log_limit);
}

static bool pyro_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)host;
    pyro_receiver *r = (pyro_receiver *)c;
    pf_http_server_config effective = *r->cfg;
    if (!effective.endpoint || !*effective.endpoint) effective.endpoint = (char *)PYRO_DEFAULT_ENDPOINT;
    r->server = pf_http_server_new(r->loop, &effective, r->base.id);
    pf_http_server_route(r->server, "POST", "/ingest", false, pyro_handle_ingest, &r->ingest);
    pf_http_server_route(r->server, "POST", "/pyroscope/ingest", false, pyro_handle_ingest, &r->ingest);
    pf_http_server_route(r->server, "POST", PYRO_PUSH_PATH, false, pyro_handle_push, &r->push);
    pf_receiver_install_admission(r->server, &r->ingest.rt, r->next);
    char why[512];
    if (!pf_http_server_start(r->server, why, sizeof(why))) {
        pf_error_set(err, "%s", why);
        return false;
    }
    return true;
}

static void on_server_closed(void *data)
{
    pyro_receiver *r = data;
    r->shutdown_done(&r->base, r->shutdown_data);
}

static void pyro_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    pyro_receiver *r = (pyro_receiver *)c;
    r->shutdown_done = done;
    r->shutdown_data = data;
    pf_http_server *s = r->server;
    r->server = NULL;
    if (s) pf_http_server_close(s, on_server_closed, r);
    else done(c, data);
}

static void pyro_destroy(pf_component *c)
{
    pyro_receiver *r = (pyro_receiver *)c;
    /* A server is only left after a failed start; it frees itself and nobody waits for it. */
    if (r->server) pf_http_server_close(r->server, NULL, NULL);
    free(r);
}

static const pf_component_ops pyro_ops = {
    .start = pyro_start,
    .shutdown = pyro_shutdown,
    .destroy = pyro_destroy,
};

static pf_component *pyro_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    pyro_receiver *r = pf_xcalloc(1, sizeof(*r));
    r->base.ops = &pyro_ops;
    r->base.id = args->id;
    r->cfg = args->config;
    r->next = args->next;
    r->loop = args->loop;
    r->max_body = r->cfg->max_request_body_size > 0 ? (size_t)r->cfg->max_request_body_size : 20u << 20;
    init_api(r, &r->ingest, "ingest");
    init_api(r, &r->push, "push");
    return &r->base;
}

const pf_factory pf_receiver_pyroscope_factory = {
    .type = "pyroscope",
    .kind = PF_KIND_RECEIVER,
    .stability = "development",
    .description = "Receives Pyroscope pushes: POST /ingest (pprof, JFR, folded, lines) and "
                   "push.v1.PusherService/Push (Connect and gRPC); default endpoint localhost:4040.",
    .config_map = pf_http_server_cfg_map,
    .config_size = sizeof(pf_http_server_config),
    .create = pyro_create,
};
