/* pyroscope_receiver.c — the pyroscope receiver's lifecycle: one HTTP server with the /ingest and
 * Push routes, started and closed with the component. The handlers are ingest_handler.c and
 * push_handler.c. */
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

static void pyro_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    pyro_receiver *r = (pyro_receiver *)c;
    pf_component_shutdown_begin(c, done, data);
    pf_http_server *s = r->server;
    r->server = NULL;
    if (s)
        pf_http_server_close(s, pf_component_shutdown_end, r);
    else
        pf_component_shutdown_end(c);
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

pf_component *pyro_receiver_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    pyro_receiver *r = pf_xcalloc(1, sizeof(*r));
    pf_component_init(&r->base, &pyro_ops, args);
    r->cfg = args->config;
    r->next = args->next;
    r->loop = args->loop;
    r->max_body = r->cfg->max_request_body_size > 0 ? (size_t)r->cfg->max_request_body_size : 20u << 20;
    init_api(r, &r->ingest, "ingest");
    init_api(r, &r->push, "push");
    return &r->base;
}
