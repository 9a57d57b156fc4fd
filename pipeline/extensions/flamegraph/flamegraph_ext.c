/* flamegraph_ext.c — the flamegraph extension's behaviour: a live flame-graph page of what flows
 * through proflow, on its own listener (default localhost:13180, with the `tls` and `auth` options of
 * every listener). It reads the trees a `flamegraph` exporter aggregates
 * (pipeline/component/flame_store.h; the store is found by the exporter's id at request time, so the
 * extension starting before the exporter is fine).
 *
 *   GET /                      the page: one static HTML+JS file embedded at build time
 *   GET /api/v1/services       services and profile types seen in the last `window`, with rates
 *   GET /api/v1/flamegraph     ?service=&type=&from=&until=[&format=json|collapsed]
 *   GET /api/v1/diff           ?service=&type=&from=&until=[&base_from=&base_until=][&format=...]
 * Times: unix seconds (or milliseconds / nanoseconds, told apart by magnitude), `now`, or
 * `now-<duration>` (Pyroscope's style, e.g. now-15m). Formats are described in the README. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/base/log.h"
#include "pipeline/component/flame_store.h"
#include "pipeline/extensions/flamegraph/flamegraph_ext.h"

extern const unsigned char pf_flamegraph_page[];
extern const size_t pf_flamegraph_page_len;

typedef struct flamegraph_ext {
    pf_component base;
    const flamegraph_ext_config *cfg;
    pf_http_server *server;
} flamegraph_ext;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A time parameter; false when it is not one. */
static bool parse_time(const char *text, uint64_t now, uint64_t *out)
{
    if (strcmp(text, "now") == 0) {
        *out = now;
        return true;
    }
    if (strncmp(text, "now-", 4) == 0) {
        int64_t d;
        if (!pf_parse_duration(text + 4, &d) || d < 0 || (uint64_t)d > now) return false;
        *out = now - (uint64_t)d;
        return true;
    }
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end) return false;
    *out = v < 100000000000ull ? v * 1000000000ull : v < 100000000000000ull ? v * 1000000ull : v;
    return true;
}

static void respond_json(pf_http_request *req, int status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    pf_http_header h[] = {{"content-type", "application/json"}, {"cache-control", "no-store"}};
    pf_http_respond(req, status, h, 2, text, strlen(text));
    free(text);
    json_decref(j);
}

static void respond_error(pf_http_request *req, int status, const char *msg)
{
    respond_json(req, status, json_pack("{s:s}", "error", msg));
}

static pf_flame_store *store_of(flamegraph_ext *e, pf_http_request *req)
{
    const char *name = e->cfg->exporter && *e->cfg->exporter ? e->cfg->exporter : NULL;
    pf_flame_store *s = pf_flame_store_find(name);
    if (!s) {
        char *msg = name ? pf_xasprintf("no flamegraph exporter \"%s\" is running", name)
                         : pf_xstrdup("no flamegraph exporter is running (or several: set the extension's exporter)");
        respond_error(req, 503, msg);
        free(msg);
    }
    return s;
}

static void page(pf_http_request *req, void *data)
{
    (void)data;
    pf_http_header h[] = {{"content-type", "text/html; charset=utf-8"}, {"cache-control", "no-cache"}};
    pf_http_respond(req, 200, h, 2, pf_flamegraph_page, pf_flamegraph_page_len);
}

static void services(pf_http_request *req, void *data)
{
    flamegraph_ext *e = data;
    pf_flame_store *s = store_of(e, req);
    if (!s) return;
    int64_t window = e->cfg->window;
    char *w = pf_http_query_param(req->query, "window");
    bool ok = !w || (pf_parse_duration(w, &window) && window > 0);
    free(w);
    if (!ok) {
        respond_error(req, 400, "window must be a duration like 15m");
        return;
    }
    respond_json(req, 200, pf_flame_services_json(s, (uint64_t)window, now_ns()));
}

typedef struct window_args {
    char *service, *type, *format;
    uint64_t from, until, base_from, base_until;
} window_args;

static void window_args_free(window_args *a)
{
    free(a->service);
    free(a->type);
    free(a->format);
}

/* Parses the common parameters; answers 400 and returns false on bad ones. */
static bool parse_args(flamegraph_ext *e, pf_http_request *req, bool diff, window_args *a)
{
    *a = (window_args){0};
    uint64_t now = now_ns();
    a->service = pf_http_query_param(req->query, "service");
    a->type = pf_http_query_param(req->query, "type");
    a->format = pf_http_query_param(req->query, "format");
    char err[256] = "";
    if (!a->service || !*a->service)
        snprintf(err, sizeof(err), "service is required");
    else if (!a->type || !*a->type)
        snprintf(err, sizeof(err), "type is required (e.g. process_cpu:cpu:nanoseconds)");
    else if (a->format && strcmp(a->format, "json") != 0 && strcmp(a->format, "collapsed") != 0)
        snprintf(err, sizeof(err), "format must be json or collapsed");
    static const char *const names[] = {"until", "from", "base_until", "base_from"};
    uint64_t *fields[] = {&a->until, &a->from, &a->base_until, &a->base_from};
    for (int i = 0; i < (diff ? 4 : 2) && !err[0]; i++) {
        char *v = pf_http_query_param(req->query, names[i]);
        if (!v) {
            /* until: now; from: until - window; the baseline: the window just before */
            *fields[i] = i == 0   ? now
                         : i == 1 ? (a->until > (uint64_t)e->cfg->window ? a->until - (uint64_t)e->cfg->window : 0)
                         : i == 2 ? a->from
                                  : (a->from > a->until - a->from ? a->from - (a->until - a->from) : 0);
        } else if (!parse_time(v, now, fields[i])) {
            snprintf(err, sizeof(err), "%s \"%.100s\" is not a time (unix seconds/ms/ns, now, now-15m)", names[i], v);
        }
        free(v);
    }
    if (!err[0] && a->from >= a->until) snprintf(err, sizeof(err), "from must be before until");
    if (!err[0] && diff && a->base_from >= a->base_until)
        snprintf(err, sizeof(err), "base_from must be before base_until");
    if (err[0]) {
        respond_error(req, 400, err);
        window_args_free(a);
        return false;
    }
    return true;
}

static void flame(pf_http_request *req, flamegraph_ext *e, bool diff)
{
    pf_flame_store *s = store_of(e, req);
    if (!s) return;
    window_args a;
    if (!parse_args(e, req, diff, &a)) return;
    pf_flame_view *v = pf_flame_query(s, a.service, a.type, a.from, a.until, diff ? a.base_from : 0,
                                      diff ? a.base_until : 0, now_ns());
    if (!v) {
        char *msg =
            pf_xasprintf("no data for service \"%s\" and type \"%s\" in the last retention period", a.service, a.type);
        respond_error(req, 404, msg);
        free(msg);
    } else if (a.format && strcmp(a.format, "collapsed") == 0) {
        pf_buf out = {0};
        pf_flame_view_collapsed(v, diff, &out);
        pf_http_header h[] = {{"content-type", "text/plain; charset=utf-8"}, {"cache-control", "no-store"}};
        pf_http_respond(req, 200, h, 2, out.data ? out.data : "", out.len);
        pf_buf_free(&out);
    } else {
        const char *unit = strrchr(a.type, ':');
        json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "service", a.service, "type", a.type, "unit",
                              unit ? unit + 1 : "", "from", (json_int_t)(a.from / 1000000), "until",
                              (json_int_t)(a.until / 1000000), "total", (json_int_t)pf_flame_view_total(v, 0));
        if (diff) {
            json_object_set_new(j, "base_from", json_integer((json_int_t)(a.base_from / 1000000)));
            json_object_set_new(j, "base_until", json_integer((json_int_t)(a.base_until / 1000000)));
            json_object_set_new(j, "base_total", json_integer(pf_flame_view_total(v, 1)));
        }
        json_object_set_new(j, "flamegraph", pf_flame_view_json(v, diff));
        respond_json(req, 200, j);
    }
    pf_flame_view_free(v);
    window_args_free(&a);
}

static void flamegraph_api(pf_http_request *req, void *data) { flame(req, data, false); }

static void diff_api(pf_http_request *req, void *data) { flame(req, data, true); }

static bool ext_start(pf_component *c, pf_host *host, pf_error *err)
{
    flamegraph_ext *e = (flamegraph_ext *)c;
    pf_http_server_config sc = {0};
    pf_cfg_error cerr;
    pf_cfg_defaults(pf_http_server_cfg_map, &sc, &cerr);
    /* The listener's own keys come from this extension's config; the rest keep their defaults. */
    pf_http_server_config mine = sc;
    mine.endpoint = e->cfg->server.endpoint;
    mine.read_header_timeout = e->cfg->server.read_header_timeout;
    mine.max_connections = e->cfg->server.max_connections;
    mine.bearer_token = e->cfg->server.bearer_token;
    mine.bearer_token_file = e->cfg->server.bearer_token_file;
    mine.tls = e->cfg->server.tls;
    e->server = pf_http_server_new(host->loop, &mine, c->id);
    pf_cfg_release(pf_http_server_cfg_map, &sc);
    pf_http_server_route(e->server, "GET", "/", false, page, e);
    pf_http_server_route(e->server, "GET", "/index.html", false, page, e);
    pf_http_server_route(e->server, "GET", "/api/v1/services", false, services, e);
    pf_http_server_route(e->server, "GET", "/api/v1/flamegraph", false, flamegraph_api, e);
    pf_http_server_route(e->server, "GET", "/api/v1/diff", false, diff_api, e);
    if (!pf_http_server_start(e->server, err->msg, sizeof err->msg)) return false;
    pf_log(PF_LOG_INFO, c->id, "flame graphs on http%s://%s/", e->cfg->server.tls.present ? "s" : "",
           e->cfg->server.endpoint);
    return true;
}

static void server_closed(void *data)
{
    flamegraph_ext *e = data;
    e->server = NULL;
    pf_component_shutdown_end(e);
}

static void ext_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    flamegraph_ext *e = (flamegraph_ext *)c;
    pf_component_shutdown_begin(c, done, data);
    if (e->server)
        pf_http_server_close(e->server, server_closed, e);
    else
        pf_component_shutdown_end(c);
}

static const pf_component_ops ext_ops = {.start = ext_start, .shutdown = ext_shutdown};

pf_component *flamegraph_ext_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    flamegraph_ext *e = pf_xcalloc(1, sizeof(*e));
    pf_component_init(&e->base, &ext_ops, args);
    e->cfg = args->config;
    return &e->base;
}
