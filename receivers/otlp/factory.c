/* otlp receiver — OTLP profiles over gRPC (default localhost:4317) and HTTP (default
 * localhost:4318), like the Collector's otlpreceiver: a protocol is enabled only when its key is
 * present under `protocols`. This file holds the config table and the component lifecycle; the
 * Export handling is in export.c. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "receivers/otlp/otlp_receiver.h"

static const pf_cfg_entry protocols_map[] = {
    {.type = PF_CFG_SECTION, .name = "grpc", .offset = offsetof(otlp_protocols, grpc),
     .desc = "Serve OTLP/gRPC (endpoint default localhost:4317) when present.", .flags = PF_CFG_PRESENCE,
     .sub = pf_http_server_cfg_map, .presence_offset = offsetof(otlp_protocols, grpc_present)},
    {.type = PF_CFG_SECTION, .name = "http", .offset = offsetof(otlp_protocols, http),
     .desc = "Serve OTLP/HTTP POST /v1development/profiles (endpoint default localhost:4318) when present.",
     .flags = PF_CFG_PRESENCE, .sub = pf_http_server_cfg_map,
     .presence_offset = offsetof(otlp_protocols, http_present)},
    PF_CFG_END,
};

static const pf_cfg_entry otlp_map[] = {
    {.type = PF_CFG_SECTION, .name = "protocols", .offset = offsetof(otlp_receiver_config, protocols),
     .desc = "Transports to serve; at least one of grpc and http.", .sub = protocols_map},
    PF_CFG_END,
};

static bool otlp_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const otlp_receiver_config *cfg = config;
    if (!cfg->protocols.grpc_present && !cfg->protocols.http_present) {
        pf_cfg_errorf(err, node, path, "must specify at least one protocol (protocols.grpc or protocols.http)");
        return false;
    }
    return true;
}

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
    if (--r->servers_closing == 0 && r->shutdown_done) r->shutdown_done(&r->base, r->shutdown_data);
}

static void otlp_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    otlp_receiver *r = (otlp_receiver *)c;
    r->shutdown_done = done;
    r->shutdown_data = data;
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

static pf_component *otlp_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    otlp_receiver *r = pf_xcalloc(1, sizeof(*r));
    r->base.ops = &otlp_ops;
    r->base.id = args->id;
    r->cfg = args->config;
    r->next = args->next;
    r->loop = args->loop;
    init_transport(r, &r->grpc, "grpc", &r->cfg->protocols.grpc);
    init_transport(r, &r->http, "http", &r->cfg->protocols.http);
    return &r->base;
}

const pf_factory pf_receiver_otlp_factory = {
    .type = "otlp",
    .kind = PF_KIND_RECEIVER,
    .stability = "development",
    .description = "Receives OTLP profiles (v1development) over gRPC and HTTP (protobuf or JSON; gzip, zstd, deflate).",
    .config_map = otlp_map,
    .config_size = sizeof(otlp_receiver_config),
    .validate = otlp_validate,
    .create = otlp_create,
};
