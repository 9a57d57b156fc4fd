/* service.c — config → component graph → running pipelines (see service.h). */
#include "pipeline/service/service.h"
#include "pipeline/base/memory_budget.h"
#include "pipeline/service/registry.h"

#include <string.h>

#include "net/http_server.h"
#include "pipeline/component/fanout.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

/* ---------------------------------------------------------------- config ---- */

typedef struct pipeline_cfg {
    pf_strlist receivers, processors, exporters;
} pipeline_cfg;

static const pf_cfg_entry pipeline_map[] = {
    {PF_CFG_STRING_LIST, "receivers", NULL, offsetof(pipeline_cfg, receivers), "Receiver ids feeding this pipeline.",
     PF_CFG_REQUIRED},
    {PF_CFG_STRING_LIST, "processors", NULL, offsetof(pipeline_cfg, processors), "Processor ids, run in this order."},
    {PF_CFG_STRING_LIST, "exporters", NULL, offsetof(pipeline_cfg, exporters), "Exporter ids the pipeline fans out to.",
     PF_CFG_REQUIRED},
    PF_CFG_END,
};

typedef struct telemetry_cfg {
    char *metrics_address;
    char *metrics_level;
    char *logs_level;
    char *logs_encoding;
    pf_http_server_config server; /* limits, auth, tls of the telemetry listener (endpoint unused) */
} telemetry_cfg;

static const char *const metric_levels[] = {"none", "basic", "normal", "detailed", NULL};
static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const log_encodings[] = {"console", "json", NULL};

/* The listener's own keys are proflow additions (the Collector's telemetry endpoint has none): the
 * same limits, auth and tls as a receiver's, so /metrics and the control API can face a network. */
static const pf_cfg_entry metrics_map[] = {
    {PF_CFG_STRING, "address", "localhost:8888", offsetof(telemetry_cfg, metrics_address),
     "Listener for /metrics (Prometheus text) and the control API."},
    {PF_CFG_STRING, "level", "normal", offsetof(telemetry_cfg, metrics_level), "none disables the listener.",
     .choices = metric_levels},
    {.type = PF_CFG_SIZE,
     .name = "max_request_body_size",
     .def = "1MiB",
     .offset = offsetof(telemetry_cfg, server) + offsetof(pf_http_server_config, max_request_body_size),
     .desc = "Largest control API / webhook body (413 beyond).",
     .min = 1,
     .max = 1e9},
    PF_HTTP_SERVER_LIMIT_ENTRIES(offsetof(telemetry_cfg, server)),
    PF_HTTP_SERVER_SECURITY_ENTRIES(offsetof(telemetry_cfg, server)),
    {.type = PF_CFG_BOOL,
     .name = "allow_unauthenticated_writes",
     .def = "false",
     .offset = offsetof(telemetry_cfg, server) + offsetof(pf_http_server_config, allow_unauthenticated_writes),
     .desc = "Accept control API writes (POST, DELETE: sampling overrides, the Alertmanager webhook) without auth "
             "or mTLS. Off: such writes get 401 until auth or tls.client_ca_file is set."},
    PF_CFG_END,
};
static const pf_cfg_entry logs_map[] = {
    {PF_CFG_STRING, "level", "info", offsetof(telemetry_cfg, logs_level), "Minimum log level.", .choices = log_levels},
    {PF_CFG_STRING, "encoding", "console", offsetof(telemetry_cfg, logs_encoding),
     "console (tab-separated text) or json.", .choices = log_encodings},
    PF_CFG_END,
};
static const pf_cfg_entry telemetry_map[] = {
    {PF_CFG_SECTION, "metrics", NULL, 0, "Own metrics.", .sub = metrics_map},
    {PF_CFG_SECTION, "logs", NULL, 0, "Own logs.", .sub = logs_map},
    PF_CFG_END,
};

typedef struct service_section {
    pf_strlist extensions;
    telemetry_cfg telemetry;
    int64_t shutdown_timeout;
    const pf_node *pipelines; /* walked by hand: keys are pipeline ids */
} service_section;

static bool parse_pipelines_node(const pf_cfg_entry *e, const pf_node *node, void *field, const char *path,
                                 pf_cfg_error *err)
{
    (void)e;
    if (node->type != PF_NODE_MAP) {
        pf_cfg_errorf(err, node, path, "expected a mapping of pipeline ids");
        return false;
    }
    *(const pf_node **)field = node;
    return true;
}

static const pf_cfg_entry service_map[] = {
    {PF_CFG_STRING_LIST, "extensions", NULL, offsetof(service_section, extensions), "Extension ids to run."},
    {PF_CFG_CUSTOM, "pipelines", NULL, offsetof(service_section, pipelines),
     "Pipelines: `profiles` or `profiles/<name>`.", PF_CFG_REQUIRED, .parse = parse_pipelines_node,
     .type_name = "map of pipeline"},
    {PF_CFG_SECTION, "telemetry", NULL, offsetof(service_section, telemetry), "Own telemetry.", .sub = telemetry_map},
    {PF_CFG_DURATION, "shutdown_timeout", "10s", offsetof(service_section, shutdown_timeout),
     "How long exporters may drain on SIGTERM (proflow addition).", .min = 0, .max = 3600e9},
    PF_CFG_END,
};

typedef struct component_cfg {
    pf_kind kind;
    char *id;
    const pf_factory *factory;
    void *config;
    const pf_node *node;
    bool used;
} component_cfg;

typedef struct pipeline_def {
    char *name;
    pipeline_cfg cfg;
    const pf_node *node;
} pipeline_def;

struct pf_service_config {
    component_cfg *components;
    size_t n_components;
    pipeline_def *pipelines;
    size_t n_pipelines;
    service_section service;
    pf_buf warnings;
};

static const char *section_name(pf_kind k)
{
    switch (k) {
    case PF_KIND_RECEIVER: return "receivers";
    case PF_KIND_PROCESSOR: return "processors";
    case PF_KIND_EXPORTER: return "exporters";
    case PF_KIND_EXTENSION: return "extensions";
    }
    return "";
}

static component_cfg *find_component(pf_service_config *c, pf_kind kind, const char *id)
{
    for (size_t i = 0; i < c->n_components; i++)
        if (c->components[i].kind == kind && strcmp(c->components[i].id, id) == 0) return &c->components[i];
    return NULL;
}

/* "type" or "type/name": the type is what selects the factory. */
static bool split_id(const char *id, char *type, size_t type_len)
{
    const char *slash = strchr(id, '/');
    size_t n = slash ? (size_t)(slash - id) : strlen(id);
    if (n == 0 || n >= type_len || (slash && slash[1] == '\0')) return false;
    memcpy(type, id, n);
    type[n] = '\0';
    return true;
}

static bool parse_components(pf_service_config *c, const pf_node *root, pf_kind kind, pf_cfg_error *err)
{
    const char *section = section_name(kind);
    const pf_node *sec = pf_node_get(root, section);
    if (!sec || (sec->type == PF_NODE_SCALAR && sec->is_null)) return true;
    if (sec->type != PF_NODE_MAP) {
        pf_cfg_errorf(err, sec, section, "expected a mapping of component ids");
        return false;
    }
    for (size_t i = 0; i < sec->n_children; i++) {
        const pf_node *n = sec->children[i];
        char path[256], type[128];
        snprintf(path, sizeof path, "%s.%s", section, n->key);
        if (!split_id(n->key, type, sizeof type)) {
            pf_cfg_errorf(err, n, path, "invalid component id (want \"type\" or \"type/name\")");
            return false;
        }
        const pf_factory *f = pf_registry_find(kind, type);
        if (!f) {
            pf_cfg_errorf(err, n, path, "unknown %s type \"%s\" (see `proflow components`)", pf_kind_name(kind), type);
            return false;
        }
        component_cfg *cc = &c->components[c->n_components++];
        cc->kind = kind;
        cc->id = pf_xstrdup(n->key);
        cc->factory = f;
        cc->node = n;
        cc->config = pf_xcalloc(1, f->config_size ? f->config_size : 1);
        if (!pf_cfg_defaults(f->config_map, cc->config, err)) return false;
        if (!pf_cfg_apply(f->config_map, n, cc->config, path, err)) return false;
        if (f->validate && !f->validate(cc->config, n, path, err)) return false;
    }
    return true;
}

static size_t count_children(const pf_node *root, const char *key)
{
    const pf_node *n = pf_node_get(root, key);
    return n && n->type == PF_NODE_MAP ? n->n_children : 0;
}

static bool resolve_refs(pf_service_config *c, const pf_strlist *ids, pf_kind kind, const pf_node *pnode,
                         const char *ppath, const char *list_key, pf_cfg_error *err)
{
    for (size_t i = 0; i < ids->n; i++) {
        component_cfg *cc = find_component(c, kind, ids->items[i]);
        if (!cc) {
            const pf_node *at = pf_node_get(pnode, list_key);
            char path[300];
            snprintf(path, sizeof path, "%s.%s", ppath, list_key);
            pf_cfg_errorf(err, at && at->type == PF_NODE_SEQ && i < at->n_children ? at->children[i] : at, path,
                          "%s \"%s\" is not defined in the top-level \"%s\" section", pf_kind_name(kind), ids->items[i],
                          section_name(kind));
            return false;
        }
        cc->used = true;
    }
    return true;
}

static bool parse_pipelines(pf_service_config *c, pf_cfg_error *err)
{
    const pf_node *ps = c->service.pipelines;
    c->pipelines = pf_xcalloc(ps->n_children ? ps->n_children : 1, sizeof(pipeline_def));
    for (size_t i = 0; i < ps->n_children; i++) {
        const pf_node *pn = ps->children[i];
        char path[256];
        snprintf(path, sizeof path, "service.pipelines.%s", pn->key);
        if (strcmp(pn->key, "profiles") != 0 && strncmp(pn->key, "profiles/", 9) != 0) {
            pf_cfg_errorf(err, pn, path, "proflow runs profiles pipelines only (\"profiles\" or \"profiles/<name>\")");
            return false;
        }
        pipeline_def *p = &c->pipelines[c->n_pipelines++];
        p->name = pf_xstrdup(pn->key);
        p->node = pn;
        if (!pf_cfg_defaults(pipeline_map, &p->cfg, err) || !pf_cfg_apply(pipeline_map, pn, &p->cfg, path, err))
            return false;
        if (p->cfg.receivers.n == 0 || p->cfg.exporters.n == 0) {
            pf_cfg_errorf(err, pn, path, "a pipeline needs at least one receiver and one exporter");
            return false;
        }
        if (!resolve_refs(c, &p->cfg.receivers, PF_KIND_RECEIVER, pn, path, "receivers", err) ||
            !resolve_refs(c, &p->cfg.processors, PF_KIND_PROCESSOR, pn, path, "processors", err) ||
            !resolve_refs(c, &p->cfg.exporters, PF_KIND_EXPORTER, pn, path, "exporters", err))
            return false;
    }
    if (c->n_pipelines == 0) {
        pf_cfg_errorf(err, ps, "service.pipelines", "at least one pipeline is required");
        return false;
    }
    return true;
}

static const pf_cfg_entry root_keys[] = {
    {PF_CFG_CUSTOM, "receivers"},
    {PF_CFG_CUSTOM, "processors"},
    {PF_CFG_CUSTOM, "exporters"},
    {PF_CFG_CUSTOM, "extensions"},
    {PF_CFG_CUSTOM, "connectors"},
    {PF_CFG_SECTION, "service"},
    PF_CFG_END,
};

pf_service_config *pf_service_config_parse(const pf_node *root, pf_cfg_error *err)
{
    if (!root || root->type != PF_NODE_MAP) {
        pf_cfg_errorf(err, root, "", "the configuration must be a mapping");
        return NULL;
    }
    for (size_t i = 0; i < root->n_children; i++) {
        const char *k = root->children[i]->key;
        bool known = false;
        for (const pf_cfg_entry *e = root_keys; e->name; e++) known |= strcmp(e->name, k) == 0;
        if (!known) {
            pf_cfg_errorf(err, root->children[i], k,
                          "unknown key (top-level keys are receivers, processors, exporters, extensions, service)");
            return NULL;
        }
    }
    if (pf_node_get(root, "connectors")) {
        pf_cfg_errorf(err, pf_node_get(root, "connectors"), "connectors", "connectors are not supported");
        return NULL;
    }
    pf_service_config *c = pf_xcalloc(1, sizeof(*c));
    size_t total = count_children(root, "receivers") + count_children(root, "processors") +
                   count_children(root, "exporters") + count_children(root, "extensions");
    c->components = pf_xcalloc(total ? total : 1, sizeof(component_cfg));
    const pf_node *svc = pf_node_get(root, "service");
    bool ok = parse_components(c, root, PF_KIND_RECEIVER, err) && parse_components(c, root, PF_KIND_PROCESSOR, err) &&
              parse_components(c, root, PF_KIND_EXPORTER, err) && parse_components(c, root, PF_KIND_EXTENSION, err);
    if (ok && !svc) {
        pf_cfg_errorf(err, root, "service", "missing required key \"service\"");
        ok = false;
    }
    ok = ok && pf_cfg_defaults(service_map, &c->service, err) &&
         pf_cfg_apply(service_map, svc, &c->service, "service", err);
    ok = ok && parse_pipelines(c, err);
    for (size_t i = 0; ok && i < c->service.extensions.n; i++) {
        component_cfg *cc = find_component(c, PF_KIND_EXTENSION, c->service.extensions.items[i]);
        if (!cc) {
            pf_cfg_errorf(err, pf_node_get(svc, "extensions"), "service.extensions",
                          "extension \"%s\" is not defined in the top-level \"extensions\" section",
                          c->service.extensions.items[i]);
            ok = false;
        } else {
            cc->used = true;
        }
    }
    if (!ok) {
        pf_service_config_free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->n_components; i++) {
        component_cfg *cc = &c->components[i];
        if (!cc->used)
            pf_buf_printf(&c->warnings, "%s:%d:%d: %s.%s: defined but not used by any pipeline\n", cc->node->file,
                          cc->node->line, cc->node->col, section_name(cc->kind), cc->id);
    }
    return c;
}

void pf_service_config_redact(pf_node *root)
{
    static const pf_kind kinds[] = {PF_KIND_RECEIVER, PF_KIND_PROCESSOR, PF_KIND_EXPORTER, PF_KIND_EXTENSION};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        pf_node *sec = (pf_node *)pf_node_get(root, section_name(kinds[k]));
        if (!sec || sec->type != PF_NODE_MAP) continue;
        for (size_t i = 0; i < sec->n_children; i++) {
            char type[128];
            const pf_factory *f =
                split_id(sec->children[i]->key, type, sizeof type) ? pf_registry_find(kinds[k], type) : NULL;
            if (f) pf_cfg_redact(f->config_map, sec->children[i]);
        }
    }
    /* service.telemetry.metrics has auth and tls keys of its own. */
    pf_node *service = (pf_node *)pf_node_get(root, "service");
    if (service && service->type == PF_NODE_MAP) pf_cfg_redact(service_map, service);
}

const char *pf_service_config_warnings(const pf_service_config *cfg)
{
    return cfg->warnings.data ? cfg->warnings.data : "";
}

void pf_service_config_free(pf_service_config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n_components; i++) {
        if (c->components[i].config) {
            pf_cfg_release(c->components[i].factory->config_map, c->components[i].config);
            free(c->components[i].config);
        }
        free(c->components[i].id);
    }
    free(c->components);
    for (size_t i = 0; i < c->n_pipelines; i++) {
        pf_cfg_release(pipeline_map, &c->pipelines[i].cfg);
        free(c->pipelines[i].name);
    }
    free(c->pipelines);
    pf_cfg_release(service_map, &c->service);
    pf_buf_free(&c->warnings);
    free(c);
}

/* --------------------------------------------------------------- runtime ---- */

typedef struct instance {
    component_cfg *cfg;
    pf_component *comp;
    pf_fanout *out;                  /* receivers: to pipelines; unused otherwise */
    pf_counting_consumer *in_count;  /* processors: incoming */
    pf_counting_consumer *out_count; /* processors: outgoing */
    bool started;
} instance;

typedef struct route {
    char *method, *path;
    bool prefix;
    pf_http_handler fn;
    void *data;
} route;

struct pf_service {
    uv_loop_t *loop;
    pf_service_config *cfg;
    instance *inst; /* ordered: extensions, exporters, processors (per pipeline), receivers */
    size_t n_inst;
    pf_fanout **pipeline_exporters;
    pf_host host;
    pf_http_server *telemetry;
    route *routes;
    size_t n_routes;
    bool healthy;
    uint64_t start_ns;
    /* shutdown state */
    int phase;
    size_t pending;
    uint64_t deadline_ms;
    void (*done)(pf_service *, void *);
    void *done_data;
};

static pf_component *create_component(pf_service *s, component_cfg *cc, pf_consumer *next, pf_error *err)
{
    pf_create_args args = {.id = cc->id, .config = cc->config, .next = next, .loop = s->loop, .factory = cc->factory};
    pf_component *c = cc->factory->create(&args, err);
    if (!c) return NULL;
    c->factory = cc->factory;
    c->id = cc->id;
    return c;
}

static instance *add_instance(pf_service *s, component_cfg *cc)
{
    instance *in = &s->inst[s->n_inst++];
    memset(in, 0, sizeof(*in));
    in->cfg = cc;
    return in;
}

static instance *find_instance(pf_service *s, pf_kind kind, const char *id)
{
    for (size_t i = 0; i < s->n_inst; i++)
        if (s->inst[i].cfg->kind == kind && strcmp(s->inst[i].cfg->id, id) == 0) return &s->inst[i];
    return NULL;
}

static bool build_graph(pf_service *s, pf_error *err)
{
    pf_service_config *c = s->cfg;
    size_t n_proc = 0;
    for (size_t p = 0; p < c->n_pipelines; p++) n_proc += c->pipelines[p].cfg.processors.n;
    s->inst = pf_xcalloc(c->n_components + n_proc + 1, sizeof(instance));

    for (size_t i = 0; i < c->n_components; i++) {
        component_cfg *cc = &c->components[i];
        if (cc->kind != PF_KIND_EXTENSION || !cc->used) continue;
        instance *in = add_instance(s, cc);
        if (!(in->comp = create_component(s, cc, NULL, err))) return false;
    }
    for (size_t i = 0; i < c->n_components; i++) {
        component_cfg *cc = &c->components[i];
        if (cc->kind != PF_KIND_EXPORTER || !cc->used) continue;
        instance *in = add_instance(s, cc);
        if (!(in->comp = create_component(s, cc, NULL, err))) return false;
    }
    /* Each pipeline: exporter fan-out, then its own processor instances back to front. */
    pf_consumer **entry = pf_xcalloc(c->n_pipelines, sizeof(pf_consumer *));
    s->pipeline_exporters = pf_xcalloc(c->n_pipelines, sizeof(pf_fanout *));
    bool ok = true;
    for (size_t p = 0; ok && p < c->n_pipelines; p++) {
        pipeline_def *pd = &c->pipelines[p];
        pf_fanout *fx = s->pipeline_exporters[p] = pf_fanout_new();
        for (size_t e = 0; e < pd->cfg.exporters.n; e++)
            pf_fanout_add(fx, &find_instance(s, PF_KIND_EXPORTER, pd->cfg.exporters.items[e])->comp->consumer);
        pf_consumer *next = &fx->consumer;
        for (size_t k = pd->cfg.processors.n; ok && k-- > 0;) {
            component_cfg *cc = find_component(c, PF_KIND_PROCESSOR, pd->cfg.processors.items[k]);
            instance *in = add_instance(s, cc);
            char *labels = pf_xasprintf("processor=\"%s\",pipeline=\"%s\",otel_signal=\"profiles\"", cc->id, pd->name);
            in->out_count = pf_counting_consumer_new(next, "otelcol_processor_outgoing_items",
                                                     "proflow_processor_refused_downstream_items", labels);
            if (!(in->comp = create_component(s, cc, &in->out_count->consumer, err)))
                ok = false;
            else {
                in->in_count = pf_counting_consumer_new(&in->comp->consumer, "otelcol_processor_incoming_items",
                                                        "proflow_processor_refused_items", labels);
                next = &in->in_count->consumer;
            }
            free(labels);
        }
        entry[p] = next;
    }
    for (size_t i = 0; ok && i < c->n_components; i++) {
        component_cfg *cc = &c->components[i];
        if (cc->kind != PF_KIND_RECEIVER || !cc->used) continue;
        instance *in = add_instance(s, cc);
        in->out = pf_fanout_new();
        for (size_t p = 0; p < c->n_pipelines; p++) {
            const pf_strlist *rl = &c->pipelines[p].cfg.receivers;
            for (size_t r = 0; r < rl->n; r++)
                if (strcmp(rl->items[r], cc->id) == 0) pf_fanout_add(in->out, entry[p]);
        }
        if (!(in->comp = create_component(s, cc, &in->out->consumer, err))) ok = false;
    }
    free(entry);
    return ok;
}

static bool host_healthy(const pf_host *host) { return pf_service_healthy(host->data); }

static bool host_telemetry_has_route(const pf_host *host, const char *method, const char *path)
{
    return pf_service_telemetry_has_route(host->data, method, path);
}

static void host_telemetry_route(pf_host *host, const char *method, const char *path, bool prefix, pf_http_handler fn,
                                 void *data)
{
    pf_service_telemetry_route(host->data, method, path, prefix, fn, data);
}

static pf_component *host_extension(pf_host *host, const char *id) { return pf_service_extension(host->data, id); }

pf_service *pf_service_new(uv_loop_t *loop, pf_service_config *cfg)
{
    pf_service *s = pf_xcalloc(1, sizeof(*s));
    s->loop = loop;
    s->cfg = cfg;
    s->host.loop = loop;
    s->host.data = s;
    s->host.healthy = host_healthy;
    s->host.telemetry_route = host_telemetry_route;
    s->host.extension = host_extension;
    s->host.telemetry_has_route = host_telemetry_has_route;
    return s;
}

void pf_service_telemetry_route(pf_service *s, const char *method, const char *path, bool prefix, pf_http_handler fn,
                                void *data)
{
    s->routes = pf_xrealloc(s->routes, (s->n_routes + 1) * sizeof(route));
    s->routes[s->n_routes++] = (route){pf_xstrdup(method), pf_xstrdup(path), prefix, fn, data};
}

bool pf_service_telemetry_has_route(const pf_service *s, const char *method, const char *path)
{
    for (size_t i = 0; i < s->n_routes; i++)
        if (strcmp(s->routes[i].method, method) == 0 && strcmp(s->routes[i].path, path) == 0) return true;
    return false;
}

static uint64_t now_ns(void) { return uv_hrtime(); }

static void refresh_process_metrics(pf_service *s)
{
    pf_metric_set(pf_gauge("otelcol_process_uptime", "Uptime of the process in seconds.", ""),
                  (double)(now_ns() - s->start_ns) / 1e9);
    size_t rss = 0;
    if (uv_resident_set_memory(&rss) == 0)
        pf_metric_set(pf_gauge("otelcol_process_memory_rss", "Resident set size in bytes.", ""), (double)rss);
    uv_rusage_t ru;
    if (uv_getrusage(&ru) == 0)
        pf_metric_set(pf_gauge("otelcol_process_cpu_seconds", "CPU seconds used by the process.", ""),
                      (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                          (double)ru.ru_stime.tv_usec / 1e6);
}

static void metrics_handler(pf_http_request *req, void *data)
{
    refresh_process_metrics(data);
    pf_memory_publish();
    pf_buf out = {0};
    pf_metrics_render(&out);
    pf_http_header h = {"content-type", "text/plain; version=0.0.4; charset=utf-8"};
    pf_http_respond(req, 200, &h, 1, out.data, out.len);
    pf_buf_free(&out);
}

static bool start_telemetry(pf_service *s, pf_error *err)
{
    telemetry_cfg *t = &s->cfg->service.telemetry;
    if (strcmp(t->metrics_level, "none") == 0) return true;
    pf_http_server_config hc = t->server; /* borrowed: pf_http_server_new copies what it keeps */
    hc.endpoint = t->metrics_address;
    hc.protect_writes = true;
    s->telemetry = pf_http_server_new(s->loop, &hc, "telemetry");
    pf_http_server_route(s->telemetry, "GET", "/metrics", false, metrics_handler, s);
    bool writes = false;
    for (size_t i = 0; i < s->n_routes; i++) {
        pf_http_server_route(s->telemetry, s->routes[i].method, s->routes[i].path, s->routes[i].prefix, s->routes[i].fn,
                             s->routes[i].data);
        writes |= strcmp(s->routes[i].method, "GET") != 0;
    }
    char msg[256];
    if (!pf_http_server_start(s->telemetry, msg, sizeof msg)) {
        pf_error_set(err, "telemetry: %s", msg);
        return false;
    }
    bool auth = (hc.bearer_token && *hc.bearer_token) || (hc.bearer_token_file && *hc.bearer_token_file) ||
                (hc.basic_username && *hc.basic_username);
    bool mtls =
        hc.tls.present && ((hc.tls.client_ca_file && *hc.tls.client_ca_file) || (hc.tls.ca_file && *hc.tls.ca_file));
    if (writes && !auth && !mtls) {
        if (hc.allow_unauthenticated_writes)
            pf_log(
                PF_LOG_WARN, "telemetry",
                "the control API (sampling overrides, Alertmanager webhook) accepts writes from anyone who can reach "
                "%s: allow_unauthenticated_writes is true and the listener has no auth or mTLS",
                t->metrics_address);
        else
            pf_log(PF_LOG_INFO, "telemetry",
                   "control API writes (POST, DELETE) on %s are refused with 401: configure "
                   "service.telemetry.metrics.auth or tls.client_ca_file, or set allow_unauthenticated_writes: true",
                   t->metrics_address);
    }
    return true;
}

/* The process-wide memory budget: the first memory_limiter processor used, else the default. */
static void configure_memory(pf_service *s)
{
    const component_cfg *ml = NULL;
    for (size_t i = 0; i < s->cfg->n_components; i++) {
        const component_cfg *cc = &s->cfg->components[i];
        if (cc->kind != PF_KIND_PROCESSOR || !cc->used || strcmp(cc->factory->type, "memory_limiter") != 0) continue;
        if (!ml)
            ml = cc;
        else
            pf_log(PF_LOG_WARN, NULL, "processor %s: the memory budget is process-wide; %s's limits apply", cc->id,
                   ml->id);
    }
    pf_memory_configure(ml ? ml->config : NULL, ml ? ml->id : NULL);
    pf_memory_start(s->loop);
}

bool pf_service_start(pf_service *s, pf_error *err)
{
    s->start_ns = now_ns();
    telemetry_cfg *t = &s->cfg->service.telemetry;
    pf_log_level lvl = PF_LOG_INFO;
    pf_log_parse_level(t->logs_level, &lvl);
    pf_log_configure(lvl, strcmp(t->logs_encoding, "json") == 0);
    pf_metric_set(pf_gauge("proflow_build_info", "proflow version.", "version=\"" PROFLOW_VERSION "\""), 1);

    configure_memory(s);
    if (!build_graph(s, err)) return false;
    /* instances are ordered extensions, exporters, processors (back to front), receivers: start in order. */
    for (size_t i = 0; i < s->n_inst; i++) {
        instance *in = &s->inst[i];
        if (!in->comp->ops->start) {
            in->started = true;
            continue;
        }
        pf_error e = {{0}, 0};
        if (!in->comp->ops->start(in->comp, &s->host, &e)) {
            pf_error_set(err, "%s %s: %s", pf_kind_name(in->cfg->kind), in->cfg->id, e.msg);
            return false;
        }
        in->started = true;
    }
    if (!start_telemetry(s, err)) return false;
    s->healthy = true;
    pf_log(PF_LOG_INFO, NULL, "proflow %s started: %zu pipeline(s), %zu component(s)", PROFLOW_VERSION,
           s->cfg->n_pipelines, s->n_inst);
    return true;
}

bool pf_service_healthy(const pf_service *s) { return s->healthy; }

pf_component *pf_service_extension(pf_service *s, const char *id)
{
    instance *in = s ? find_instance(s, PF_KIND_EXTENSION, id) : NULL;
    return in && in->started ? in->comp : NULL;
}

/* Shutdown runs in phases, each waiting for every component of the phase:
 * receivers, processors, exporters, extensions (reverse start order). */
static pf_kind phase_kind(int phase)
{
    static const pf_kind order[] = {PF_KIND_RECEIVER, PF_KIND_PROCESSOR, PF_KIND_EXPORTER, PF_KIND_EXTENSION};
    return order[phase];
}

static void run_phase(pf_service *s);

static void component_done(pf_component *c, void *data)
{
    (void)c;
    pf_service *s = data;
    if (--s->pending == 0) {
        s->phase++;
        run_phase(s);
    }
}

static void telemetry_closed(void *data)
{
    pf_service *s = data;
    s->telemetry = NULL;
    s->done(s, s->done_data);
}

static void run_phase(pf_service *s)
{
    while (s->phase < 4) {
        pf_kind kind = phase_kind(s->phase);
        uint64_t now_ms = now_ns() / 1000000;
        uint64_t left = s->deadline_ms > now_ms ? s->deadline_ms - now_ms : 0;
        s->pending = 1; /* guard so synchronous completions don't advance the phase early */
        /* Processors are shut down front to back so a flush reaches the next processor while it still runs. */
        for (size_t k = s->n_inst; k-- > 0;) {
            instance *in = &s->inst[k];
            if (in->cfg->kind != kind || !in->started || !in->comp->ops->shutdown) continue;
            in->started = false;
            s->pending++;
            in->comp->ops->shutdown(in->comp, left, component_done, s);
        }
        if (--s->pending > 0) return;
        s->phase++;
    }
    s->healthy = false;
    pf_memory_stop();
    if (s->telemetry)
        pf_http_server_close(s->telemetry, telemetry_closed, s);
    else
        s->done(s, s->done_data);
}

void pf_service_shutdown(pf_service *s, void (*done)(pf_service *s, void *data), void *data)
{
    s->healthy = false;
    s->done = done;
    s->done_data = data;
    s->phase = 0;
    s->deadline_ms = now_ns() / 1000000 + (uint64_t)(s->cfg->service.shutdown_timeout / 1000000);
    run_phase(s);
}

void pf_service_free(pf_service *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_inst; i++) {
        instance *in = &s->inst[i];
        if (in->comp && in->comp->ops->destroy) in->comp->ops->destroy(in->comp);
        pf_fanout_free(in->out);
        pf_counting_consumer_free(in->in_count);
        pf_counting_consumer_free(in->out_count);
    }
    free(s->inst);
    if (s->pipeline_exporters)
        for (size_t p = 0; p < s->cfg->n_pipelines; p++) pf_fanout_free(s->pipeline_exporters[p]);
    free(s->pipeline_exporters);
    for (size_t i = 0; i < s->n_routes; i++) {
        free(s->routes[i].method);
        free(s->routes[i].path);
    }
    free(s->routes);
    pf_service_config_free(s->cfg);
    free(s);
}
