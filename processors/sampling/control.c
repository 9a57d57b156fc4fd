/* control.c — the shared state behind the sampling control API and its HTTP handlers (see control.h).
 * One sampling_control per service (a short list keyed by the host pointer), one sampling_target
 * per sampling processor id, each with its override store and one expiry timer armed for the
 * earliest expiry. */
#include "processors/sampling/control.h"

#include <inttypes.h>
#include <string.h>

#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/base/utf8.h"
#include "pipeline/base/xalloc.h"
#include "pipeline/component/freq_boost.h"
#include "processors/sampling/api_json.h"

#define API_PREFIX "/api/v1/sampling"

struct sampling_target {
    sampling_control *control;
    char *id;
    const sampling_config *cfg;
    override_store overrides;
    uv_loop_t *loop;
    uv_timer_t expiry;
    int attached; /* started instances */
    int refs;     /* instances not yet destroyed */
    void (*closed_cb)(void *data);
    void *closed_data;
    pf_metric *expired;
    sampling_target *next;
};

struct sampling_control {
    pf_host *host;
    sampling_target *targets;
    uint64_t next_override_id;
    pf_freq_registry *freq; /* profiling-frequency boosts: "frequency" requests and alerts go there too */
    int refs;
    sampling_control *next;
};

static sampling_control *controls;

static void http_handler(pf_http_request *req, void *data)
{
    pf_buf out = {0};
    int status = sampling_control_call(data, req->method, req->path, req->query, req->body, req->body_len, &out);
    pf_http_header h = {"content-type", "application/json"};
    pf_http_respond(req, status, &h, 1, out.data, out.len);
    pf_buf_free(&out);
}

static sampling_control *control_for(pf_host *host)
{
    for (sampling_control *c = controls; c; c = c->next)
        if (c->host == host) return c;
    sampling_control *c = pf_xcalloc(1, sizeof(*c));
    c->host = host;
    c->next_override_id = 1;
    c->next = controls;
    controls = c;
    if (host) {
        pf_host_telemetry_route(host, "GET", API_PREFIX "/overrides", false, http_handler, c);
        pf_host_telemetry_route(host, "POST", API_PREFIX "/overrides", false, http_handler, c);
        pf_host_telemetry_route(host, "DELETE", API_PREFIX "/overrides/", true, http_handler, c);
        pf_host_telemetry_route(host, "POST", API_PREFIX "/alertmanager", false, http_handler, c);
    }
    c->freq = pf_freq_registry_acquire(host); /* after the webhook route: the registry then leaves it to us */
    return c;
}

static void rearm(sampling_target *t);

static void on_expiry(uv_timer_t *timer)
{
    sampling_target *t = timer->data;
    size_t n = override_store_expire(&t->overrides, uv_now(t->loop));
    if (n) {
        pf_metric_add(t->expired, (double)n);
        pf_log(PF_LOG_INFO, t->id, "%zu sampling override(s) expired", n);
    }
    rearm(t);
}

static void rearm(sampling_target *t)
{
    uint64_t next = override_store_next_expiry(&t->overrides), now = uv_now(t->loop);
    if (!next) {
        uv_timer_stop(&t->expiry);
        return;
    }
    uv_timer_start(&t->expiry, on_expiry, next > now ? next - now : 0, 0);
}

sampling_target *sampling_control_attach(pf_host *host, uv_loop_t *loop, const char *id, const sampling_config *cfg)
{
    sampling_control *c = control_for(host);
    sampling_target *t = c->targets;
    while (t && strcmp(t->id, id) != 0) t = t->next;
    if (!t) {
        t = pf_xcalloc(1, sizeof(*t));
        t->control = c;
        t->id = pf_xstrdup(id);
        t->cfg = cfg;
        t->next = c->targets;
        t->expired =
            pf_counter1("proflow_processor_sampling_overrides_expired_total",
                        "Dynamic sampling overrides that ended because their duration ran out", "processor", id);
        c->targets = t;
        c->refs++;
    }
    if (t->attached++ == 0) {
        t->loop = loop;
        uv_timer_init(loop, &t->expiry);
        t->expiry.data = t;
        rearm(t);
    }
    t->refs++;
    return t;
}

override_store *sampling_target_overrides(sampling_target *t) { return &t->overrides; }

sampling_control *sampling_target_control(sampling_target *t) { return t->control; }

static void timer_closed(uv_handle_t *h)
{
    sampling_target *t = h->data;
    t->closed_cb(t->closed_data);
}

void sampling_control_detach(sampling_target *t, void (*done)(void *data), void *data)
{
    if (--t->attached > 0) {
        done(data);
        return;
    }
    t->closed_cb = done;
    t->closed_data = data;
    uv_close((uv_handle_t *)&t->expiry, timer_closed);
}

void sampling_control_release(sampling_target *t)
{
    if (!t || --t->refs > 0) return;
    sampling_control *c = t->control;
    sampling_target **pt = &c->targets;
    while (*pt != t) pt = &(*pt)->next;
    *pt = t->next;
    override_store_free(&t->overrides);
    free(t->id);
    free(t);
    if (--c->refs > 0) return;
    sampling_control **pc = &controls;
    while (*pc != c) pc = &(*pc)->next;
    *pc = c->next;
    pf_freq_registry_release(c->freq);
    free(c);
}

/* ---- requests ---- */

/* Messages quote what the client sent (a processor id from the query, an override id from the path),
 * which need not be UTF-8: such bytes become U+FFFD, or jansson would refuse the string. */
static int error_reply(pf_buf *out, int status, const char *msg)
{
    char *clean = pf_utf8_sanitize(msg);
    json_t *j = json_pack("{s:s}", "error", clean);
    free(clean);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    pf_buf_puts(out, text ? text : "{\"error\":\"internal error\"}");
    free(text);
    json_decref(j);
    return status;
}

static int json_reply(pf_buf *out, int status, json_t *j)
{
    if (!j) return error_reply(out, 500, "internal error: answer could not be encoded");
    char *text = json_dumps(j, JSON_COMPACT);
    pf_buf_puts(out, text ? text : "{}");
    free(text);
    json_decref(j);
    return status;
}

/* The target named by ?processor=, or the only one; NULL with an error reply otherwise. */
static sampling_target *select_target(sampling_control *c, const char *query, pf_buf *out, int *status)
{
    char *want = pf_http_query_param(query, "processor");
    sampling_target *found = NULL;
    size_t n = 0;
    pf_buf ids = {0};
    for (sampling_target *t = c->targets; t; t = t->next, n++) {
        pf_buf_printf(&ids, "%s%s", n ? ", " : "", t->id);
        if (!want || strcmp(want, t->id) == 0) found = t;
    }
    char *msg = NULL;
    if (want && !found) {
        msg = pf_xasprintf("no sampling processor \"%s\" (have: %s)", want, ids.data ? ids.data : "none");
        *status = 404;
    } else if (!want && n != 1) {
        msg = n ? pf_xasprintf("several sampling processors (%s): choose one with ?processor=<id>", ids.data)
                : pf_xstrdup("no sampling processor is running");
        *status = n ? 400 : 404;
        found = NULL;
    } else if (found->attached == 0) {
        msg = pf_xasprintf("sampling processor \"%s\" is shutting down", found->id);
        *status = 503;
        found = NULL;
    }
    if (msg) error_reply(out, *status, msg);
    free(msg);
    free(want);
    pf_buf_free(&ids);
    return found;
}

static sampling_limits top_limits(const sampling_config *cfg)
{
    return (sampling_limits){cfg->probability, cfg->max_profiles_per_minute, cfg->max_bytes_per_second};
}

static bool room_for_one_more(const sampling_target *t, pf_buf *out, int *status)
{
    if (t->overrides.n < (size_t)t->cfg->max_dynamic_overrides) return true;
    char *msg =
        pf_xasprintf("processor %s already has %zu dynamic overrides (max_dynamic_overrides)", t->id, t->overrides.n);
    *status = error_reply(out, 429, msg);
    free(msg);
    return false;
}

/* True when an override request asks for a profiling frequency (it then becomes a frequency boost). */
static bool wants_frequency(const void *body, size_t len)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    bool yes = root && json_is_object(root) && json_object_get(root, "frequency");
    json_decref(root);
    return yes;
}

static int add_override(sampling_control *c, const char *query, const void *body, size_t len, pf_buf *out)
{
    if (wants_frequency(body, len)) return pf_freq_http(c->freq, "POST", PF_FREQ_API_PATH, body, len, out);
    int status;
    sampling_target *t = select_target(c, query, out, &status);
    if (!t) return status;
    override_request r;
    char err[512];
    sampling_limits defaults = top_limits(t->cfg);
    if (!override_request_parse(body, len, &defaults, t->cfg->default_override_duration, t->cfg->max_override_duration,
                                &r, err, sizeof(err))) {
        override_request_free(&r);
        return error_reply(out, 400, err);
    }
    if (!room_for_one_more(t, out, &status)) {
        override_request_free(&r);
        return status;
    }
    uint64_t now = uv_now(t->loop);
    sampling_override *o = override_store_add(&t->overrides, c->next_override_id++, &r.match, &r.limits, now,
                                              now + (uint64_t)(r.duration_ns / 1000000), "api", NULL);
    override_request_free(&r);
    pf_log(PF_LOG_INFO, t->id, "sampling override %" PRIu64 " added through the API (probability %g)", o->id,
           o->limits.probability);
    json_t *j = override_to_json(o, t->id, now);
    rearm(t);
    return json_reply(out, 201, j);
}

static int list_overrides(sampling_control *c, const char *query, pf_buf *out)
{
    char *want = pf_http_query_param(query, "processor");
    json_t *list = json_array();
    for (sampling_target *t = c->targets; t; t = t->next) {
        if (want && strcmp(want, t->id) != 0) continue;
        uint64_t now = t->attached ? uv_now(t->loop) : 0;
        for (size_t i = 0; i < t->overrides.n; i++)
            json_array_append_new(list, override_to_json(&t->overrides.items[i], t->id, now));
    }
    free(want);
    pf_buf boosts = {0};
    pf_freq_http(c->freq, "GET", PF_FREQ_API_PATH, NULL, 0, &boosts);
    json_t *b = json_loads(boosts.data, 0, NULL);
    pf_buf_free(&boosts);
    json_t *j = json_pack("{s:o}", "overrides", list);
    json_object_set(j, "boosts", json_object_get(b, "boosts"));
    json_decref(b);
    return json_reply(out, 200, j);
}

static int delete_override(sampling_control *c, const char *id_text, pf_buf *out)
{
    int64_t id;
    if (!pf_parse_int(id_text, &id) || id <= 0) {
        char *msg = pf_xasprintf("\"%s\" is not an override id", id_text);
        int st = error_reply(out, 400, msg);
        free(msg);
        return st;
    }
    for (sampling_target *t = c->targets; t; t = t->next) {
        if (!override_store_remove(&t->overrides, (uint64_t)id)) continue;
        pf_log(PF_LOG_INFO, t->id, "sampling override %" PRId64 " deleted through the API", id);
        if (t->attached) rearm(t);
        return json_reply(out, 200, json_pack("{s:s, s:s}", "deleted", id_text, "processor", t->id));
    }
    char *msg = pf_xasprintf("no override with id %s", id_text);
    int st = error_reply(out, 404, msg);
    free(msg);
    return st;
}

/* The series labels an alert's labels map to (alertmanager.match_labels); empty when none apply. */
static pf_strmap alert_match(const sampling_alertmanager_config *am, const pf_strmap *labels)
{
    pf_strmap m = {0};
    for (size_t i = 0; i < am->match_labels.n; i++) {
        const char *v = pf_strmap_get(labels, am->match_labels.keys[i]);
        if (!v) continue;
        m.keys = pf_xrealloc(m.keys, (m.n + 1) * sizeof(char *));
        m.values = pf_xrealloc(m.values, (m.n + 1) * sizeof(char *));
        m.keys[m.n] = pf_xstrdup(am->match_labels.values[i]);
        m.values[m.n++] = pf_xstrdup(v);
    }
    return m;
}

typedef struct alert_tally {
    size_t applied, resolved, ignored, refused;
} alert_tally;

static void apply_alert(sampling_control *c, sampling_target *t, const alert *a, uint64_t now, alert_tally *tally)
{
    const sampling_alertmanager_config *am = &t->cfg->alertmanager;
    sampling_override *existing = override_store_find_fingerprint(&t->overrides, a->fingerprint);
    if (!a->firing) {
        if (existing && override_store_remove(&t->overrides, existing->id))
            tally->resolved++;
        else
            tally->ignored++;
        return;
    }
    pf_strmap match = alert_match(am, &a->labels);
    if (match.n == 0) {
        tally->ignored++;
        return;
    }
    uint64_t expires = now + (uint64_t)(am->max_duration / 1000000);
    if (existing) {
        pf_strmap_free(&existing->match);
        existing->match = match;
        existing->expires_ms = expires;
        tally->applied++;
        return;
    }
    if (t->overrides.n >= (size_t)t->cfg->max_dynamic_overrides) {
        pf_strmap_free(&match);
        tally->refused++;
        return;
    }
    sampling_limits limits = top_limits(t->cfg);
    limits.probability = am->probability;
    sampling_override *o = override_store_add(&t->overrides, c->next_override_id++, &match, &limits, now, expires,
                                              "alertmanager", a->fingerprint);
    pf_log(PF_LOG_INFO, t->id, "sampling override %" PRIu64 " added for firing alert %s", o->id, a->fingerprint);
    tally->applied++;
}

static int alertmanager_webhook(sampling_control *c, const char *query, const void *body, size_t len, pf_buf *out)
{
    int status;
    sampling_target *t = select_target(c, query, out, &status);
    if (!t) return status;
    if (t->cfg->alertmanager.match_labels.n == 0 && pf_freq_rule_count(c->freq) == 0) {
        char *msg = pf_xasprintf("sampling processor %s has no alertmanager.match_labels configured", t->id);
        status = error_reply(out, 400, msg);
        free(msg);
        return status;
    }
    alert_list alerts;
    char err[512];
    if (!alertmanager_parse(body, len, &alerts, err, sizeof(err))) {
        alert_list_free(&alerts);
        return error_reply(out, 400, err);
    }
    alert_tally tally = {0};
    uint64_t now = uv_now(t->loop);
    if (t->cfg->alertmanager.match_labels.n)
        for (size_t i = 0; i < alerts.n; i++) apply_alert(c, t, &alerts.items[i], now, &tally);
    size_t boosts_started = 0, boosts_ended = 0;
    pf_freq_alerts(c->freq, &alerts, &boosts_started, &boosts_ended);
    alert_list_free(&alerts);
    rearm(t);
    return json_reply(out, 200,
                      json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "processor", t->id, "applied",
                                (json_int_t)tally.applied, "resolved", (json_int_t)tally.resolved, "ignored",
                                (json_int_t)tally.ignored, "refused", (json_int_t)tally.refused, "boosts_started",
                                (json_int_t)boosts_started, "boosts_ended", (json_int_t)boosts_ended));
}

int sampling_control_call(sampling_control *c, const char *method, const char *path, const char *query,
                          const void *body, size_t body_len, pf_buf *out)
{
    static const char overrides_path[] = API_PREFIX "/overrides";
    if (strcmp(path, overrides_path) == 0 && strcmp(method, "POST") == 0)
        return add_override(c, query, body, body_len, out);
    if (strcmp(path, overrides_path) == 0 && strcmp(method, "GET") == 0) return list_overrides(c, query, out);
    if (strncmp(path, overrides_path, sizeof(overrides_path) - 1) == 0 && path[sizeof(overrides_path) - 1] == '/' &&
        strcmp(method, "DELETE") == 0)
        return delete_override(c, path + sizeof(overrides_path), out);
    if (strcmp(path, API_PREFIX "/alertmanager") == 0 && strcmp(method, "POST") == 0)
        return alertmanager_webhook(c, query, body, body_len, out);
    return error_reply(out, 404, "unknown sampling API path");
}
