/* freq_boost.c — the profiling-frequency registry (see freq_boost.h): boosts, alert rules, lazy
 * expiry, the boosts API and its metrics. */
#include "pipeline/component/freq_boost.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "pipeline/base/log.h"
#include "pipeline/component/component.h"
#include "pipeline/base/telemetry.h"

#define MAX_BOOSTS          1000
#define DEFAULT_DURATION_NS (10 * 60 * 1000000000LL)
#define MAX_DURATION_NS     (24 * 3600 * 1000000000LL)
#define ALERTMANAGER_PATH   "/api/v1/sampling/alertmanager"
#define BOOSTS_METRIC       "proflow_scrape_profile_frequency_boosts_total"

typedef struct boost {
    uint64_t id;
    pf_strmap match;
    double hz;
    uint64_t started_ms, expires_ms; /* monotonic */
    char *source;                    /* "api" | "alert" */
    char *key;                       /* alert boosts: fingerprint + rule, else NULL */
    char *alertname;
} boost;

typedef struct rule {
    const void *owner;
    uint64_t serial;
    char *job;
    pf_freq_rule r;
} rule;

struct pf_freq_registry {
    pf_host *host;
    int refs;
    uint64_t next_id, next_rule;
    boost *boosts;
    size_t n_boosts;
    rule *rules;
    size_t n_rules;
    pf_metric *active;
    pf_freq_registry *next;
};

static pf_freq_registry *registries;

static uint64_t now_ms(void) { return uv_hrtime() / 1000000u; }

static void strmap_add(pf_strmap *m, const char *key, const char *value)
{
    m->keys = pf_xrealloc(m->keys, (m->n + 1) * sizeof(char *));
    m->values = pf_xrealloc(m->values, (m->n + 1) * sizeof(char *));
    m->keys[m->n] = pf_xstrdup(key);
    m->values[m->n++] = pf_xstrdup(value);
}

static void strmap_copy(pf_strmap *dst, const pf_strmap *src)
{
    *dst = (pf_strmap){0};
    for (size_t i = 0; i < src->n; i++) strmap_add(dst, src->keys[i], src->values[i]);
}

static void count(const char *event, const char *reason)
{
    char labels[128];
    snprintf(labels, sizeof(labels), "event=\"%s\",reason=\"%s\"", event, reason);
    pf_metric_add(pf_counter(BOOSTS_METRIC,
                             "Profiling-frequency boosts started (reason api|alert) and ended (reason "
                             "resolved|expired|deleted).",
                             labels),
                  1);
}

static void free_boost(boost *b)
{
    pf_strmap_free(&b->match);
    free(b->source);
    free(b->key);
    free(b->alertname);
}

static void remove_at(pf_freq_registry *r, size_t i, const char *reason)
{
    boost *b = &r->boosts[i];
    pf_log(PF_LOG_INFO, "freq_boost", "frequency boost %" PRIu64 " (%g Hz) ended: %s", b->id, b->hz, reason);
    count("ended", reason);
    free_boost(b);
    memmove(b, b + 1, (r->n_boosts - i - 1) * sizeof(*b));
    r->n_boosts--;
    pf_metric_set(r->active, (double)r->n_boosts);
}

static void expire(pf_freq_registry *r)
{
    uint64_t now = now_ms();
    for (size_t i = 0; i < r->n_boosts;)
        if (r->boosts[i].expires_ms <= now)
            remove_at(r, i, "expired");
        else
            i++;
}

static boost *add_boost(pf_freq_registry *r, pf_strmap *match_owned, double hz, int64_t duration_ns, const char *source,
                        const char *key)
{
    if (r->n_boosts == MAX_BOOSTS) return NULL;
    r->boosts = pf_xrealloc(r->boosts, (r->n_boosts + 1) * sizeof(*r->boosts));
    boost *b = &r->boosts[r->n_boosts++];
    uint64_t now = now_ms();
    *b = (boost){.id = r->next_id++,
                 .match = *match_owned,
                 .hz = hz,
                 .started_ms = now,
                 .expires_ms = now + (uint64_t)(duration_ns / 1000000),
                 .source = pf_xstrdup(source),
                 .key = key ? pf_xstrdup(key) : NULL};
    *match_owned = (pf_strmap){0};
    count("started", source);
    pf_metric_set(r->active, (double)r->n_boosts);
    pf_log(PF_LOG_INFO, "freq_boost", "frequency boost %" PRIu64 " started (%s): %g Hz for %" PRId64 "s", b->id, source,
           hz, duration_ns / 1000000000);
    return b;
}

/* ---- lifecycle ---- */

static void http_handler(pf_http_request *req, void *data)
{
    pf_buf out = {0};
    int status = pf_freq_http(data, req->method, req->path, req->body, req->body_len, &out);
    pf_http_header h = {"content-type", "application/json"};
    pf_http_respond(req, status, &h, 1, out.data, out.len);
    pf_buf_free(&out);
}

static void webhook_handler(pf_http_request *req, void *data)
{
    pf_buf out = {0};
    int status = pf_freq_http(data, "POST", ALERTMANAGER_PATH, req->body, req->body_len, &out);
    pf_http_header h = {"content-type", "application/json"};
    pf_http_respond(req, status, &h, 1, out.data, out.len);
    pf_buf_free(&out);
}

pf_freq_registry *pf_freq_registry_acquire(pf_host *host)
{
    for (pf_freq_registry *r = registries; r; r = r->next)
        if (host && r->host == host) {
            r->refs++;
            return r;
        }
    pf_freq_registry *r = pf_xcalloc(1, sizeof(*r));
    r->host = host;
    r->refs = 1;
    r->next_id = 1;
    r->active = pf_gauge("proflow_scrape_profile_frequency_boosts_active", "Profiling-frequency boosts in force.", "");
    r->next = registries;
    registries = r;
    if (host) {
        pf_host_telemetry_route(host, "GET", PF_FREQ_API_PATH, false, http_handler, r);
        pf_host_telemetry_route(host, "POST", PF_FREQ_API_PATH, false, http_handler, r);
        pf_host_telemetry_route(host, "DELETE", PF_FREQ_API_PATH "/", true, http_handler, r);
        /* A sampling processor's control API (started before receivers) mounts the webhook itself and
         * forwards its alerts here; without one the registry serves it. */
        if (!pf_host_telemetry_has_route(host, "POST", ALERTMANAGER_PATH))
            pf_host_telemetry_route(host, "POST", ALERTMANAGER_PATH, false, webhook_handler, r);
    }
    return r;
}

void pf_freq_registry_release(pf_freq_registry *r)
{
    if (!r || --r->refs > 0) return;
    pf_freq_registry **p = &registries;
    while (*p != r) p = &(*p)->next;
    *p = r->next;
    for (size_t i = 0; i < r->n_boosts; i++) free_boost(&r->boosts[i]);
    free(r->boosts);
    for (size_t i = 0; i < r->n_rules; i++) {
        free(r->rules[i].job);
        pf_strmap_free(&r->rules[i].r.trigger);
        pf_strmap_free(&r->rules[i].r.match_labels);
    }
    free(r->rules);
    pf_metric_set(r->active, 0);
    free(r);
}

/* ---- rules ---- */

void pf_freq_rule_add(pf_freq_registry *r, const void *owner, const char *job, const pf_freq_rule *fr)
{
    r->rules = pf_xrealloc(r->rules, (r->n_rules + 1) * sizeof(*r->rules));
    rule *ru = &r->rules[r->n_rules++];
    ru->owner = owner;
    ru->serial = ++r->next_rule;
    ru->job = pf_xstrdup(job);
    strmap_copy(&ru->r.trigger, &fr->trigger);
    strmap_copy(&ru->r.match_labels, &fr->match_labels);
    ru->r.hz = fr->hz;
    ru->r.duration_ns = fr->duration_ns;
}

void pf_freq_rules_remove(pf_freq_registry *r, const void *owner)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->n_rules; i++) {
        if (r->rules[i].owner != owner) {
            r->rules[kept++] = r->rules[i];
            continue;
        }
        free(r->rules[i].job);
        pf_strmap_free(&r->rules[i].r.trigger);
        pf_strmap_free(&r->rules[i].r.match_labels);
    }
    r->n_rules = kept;
}

size_t pf_freq_rule_count(const pf_freq_registry *r) { return r->n_rules; }

/* ---- boosts ---- */

uint64_t pf_freq_boost_start(pf_freq_registry *r, const pf_strmap *match, double hz, int64_t duration_ns,
                             const char *source)
{
    expire(r);
    pf_strmap m;
    strmap_copy(&m, match);
    boost *b = add_boost(r, &m, hz, duration_ns, source, NULL);
    pf_strmap_free(&m);
    return b ? b->id : 0;
}

bool pf_freq_boost_end(pf_freq_registry *r, uint64_t id, const char *reason)
{
    expire(r);
    for (size_t i = 0; i < r->n_boosts; i++)
        if (r->boosts[i].id == id) {
            remove_at(r, i, reason);
            return true;
        }
    return false;
}

static bool rule_triggers(const rule *ru, const pf_strmap *alert_labels)
{
    if (ru->r.trigger.n == 0) return false;
    for (size_t i = 0; i < ru->r.trigger.n; i++) {
        const char *v = pf_strmap_get(alert_labels, ru->r.trigger.keys[i]);
        if (!v || strcmp(v, ru->r.trigger.values[i]) != 0) return false;
    }
    return true;
}

void pf_freq_alerts(pf_freq_registry *r, const pf_alert_list *alerts, size_t *started, size_t *ended)
{
    expire(r);
    for (size_t a = 0; a < alerts->n; a++) {
        const pf_alert *al = &alerts->items[a];
        for (size_t k = 0; k < r->n_rules; k++) {
            const rule *ru = &r->rules[k];
            if (!rule_triggers(ru, &al->labels)) continue;
            char *key = pf_xasprintf("%s\x1f%" PRIu64, al->fingerprint, ru->serial);
            size_t i = 0;
            while (i < r->n_boosts && !(r->boosts[i].key && strcmp(r->boosts[i].key, key) == 0)) i++;
            if (!al->firing) {
                if (i < r->n_boosts) {
                    remove_at(r, i, "resolved");
                    (*ended)++;
                }
            } else if (i == r->n_boosts) {
                pf_strmap m = {0};
                strmap_add(&m, "job", ru->job);
                for (size_t l = 0; l < ru->r.match_labels.n; l++) {
                    const char *v = pf_strmap_get(&al->labels, ru->r.match_labels.keys[l]);
                    if (v) strmap_add(&m, ru->r.match_labels.values[l], v);
                }
                boost *b = add_boost(r, &m, ru->r.hz, ru->r.duration_ns, "alert", key);
                pf_strmap_free(&m);
                if (b) {
                    const char *name = pf_strmap_get(&al->labels, "alertname");
                    b->alertname = name ? pf_xstrdup(name) : NULL;
                    (*started)++;
                }
            }
            free(key);
        }
    }
}

static bool boost_matches(const boost *b, const pf_labels *labels, const char *profile)
{
    for (size_t i = 0; i < b->match.n; i++) {
        const char *v = strcmp(b->match.keys[i], "__name__") == 0 ? profile : pf_labels_get(labels, b->match.keys[i]);
        if (!v || strcmp(v, b->match.values[i]) != 0) return false;
    }
    return true;
}

double pf_freq_boosted_hz(pf_freq_registry *r, const pf_labels *labels, const char *profile)
{
    expire(r);
    double hz = 0;
    for (size_t i = 0; i < r->n_boosts; i++)
        if (r->boosts[i].hz > hz && boost_matches(&r->boosts[i], labels, profile)) hz = r->boosts[i].hz;
    return hz;
}

size_t pf_freq_active(pf_freq_registry *r)
{
    expire(r);
    return r->n_boosts;
}

int64_t pf_freq_seconds_for(double hz, double native_hz, double interval_s)
{
    int64_t max = (int64_t)floor(interval_s) - 1;
    if (max < 1) max = 1;
    double want = interval_s * hz / native_hz;
    int64_t s = (int64_t)llround(want);
    return s < 1 ? 1 : s > max ? max : s;
}

double pf_freq_effective_hz(int64_t seconds, double native_hz, double interval_s)
{
    return (double)seconds * native_hz / interval_s;
}

/* ---- HTTP ---- */

static int reply(pf_buf *out, int status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    pf_buf_puts(out, text);
    free(text);
    json_decref(j);
    return status;
}

static int error_reply(pf_buf *out, int status, const char *msg)
{
    return reply(out, status, json_pack("{s:s}", "error", msg));
}

static json_t *boost_json(const boost *b, uint64_t now)
{
    json_t *match = json_object();
    for (size_t i = 0; i < b->match.n; i++)
        json_object_set_new(match, b->match.keys[i], json_string(b->match.values[i]));
    double left = b->expires_ms > now ? (double)(b->expires_ms - now) / 1000.0 : 0.0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t at = ts.tv_sec + (time_t)left;
    struct tm tm;
    gmtime_r(&at, &tm);
    char when[32];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    char id[24];
    snprintf(id, sizeof(id), "%" PRIu64, b->id);
    json_t *j = json_pack("{s:s, s:s, s:o, s:f, s:f, s:s}", "id", id, "source", b->source, "match", match, "frequency",
                          b->hz, "expires_in_seconds", left, "expires_at", when);
    if (b->alertname) json_object_set_new(j, "alertname", json_string(b->alertname));
    return j;
}

static int list(pf_freq_registry *r, pf_buf *out)
{
    expire(r);
    uint64_t now = now_ms();
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n_boosts; i++) json_array_append_new(arr, boost_json(&r->boosts[i], now));
    return reply(out, 200, json_pack("{s:o}", "boosts", arr));
}

static int create(pf_freq_registry *r, const void *body, size_t len, pf_buf *out)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    char err[512] = "";
    pf_strmap match = {0};
    double hz = 0;
    int64_t duration = DEFAULT_DURATION_NS;
    bool have_hz = false;
    if (!root)
        snprintf(err, sizeof(err), "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
    else if (!json_is_object(root))
        snprintf(err, sizeof(err), "the body must be a JSON object");
    const char *key;
    json_t *v;
    if (!err[0]) json_object_foreach(root, key, v)
        {
            if (strcmp(key, "match") == 0) {
                const char *k2;
                json_t *v2;
                if (!json_is_object(v)) {
                    snprintf(err, sizeof(err), "match must be an object of target label names to strings");
                    break;
                }
                json_object_foreach(v, k2, v2)
                {
                    if (!json_is_string(v2)) {
                        snprintf(err, sizeof(err), "match.%s must be a string", k2);
                        break;
                    }
                    strmap_add(&match, k2, json_string_value(v2));
                }
                if (err[0]) break;
            } else if (strcmp(key, "frequency") == 0) {
                hz = json_is_number(v) ? json_number_value(v) : -1;
                if (!(hz > 0 && hz <= PF_FREQ_MAX_HZ)) {
                    snprintf(err, sizeof(err), "frequency must be a number of Hz above 0 and at most %g",
                             PF_FREQ_MAX_HZ);
                    break;
                }
                have_hz = true;
            } else if (strcmp(key, "duration") == 0) {
                if (!json_is_string(v) || !pf_parse_duration(json_string_value(v), &duration) || duration <= 0 ||
                    duration > MAX_DURATION_NS) {
                    snprintf(err, sizeof(err),
                             "duration must be a duration string like \"10m\", above 0 and at most 24h");
                    break;
                }
            } else {
                snprintf(err, sizeof(err), "unknown field \"%s\" (a frequency boost takes match, frequency, duration)",
                         key);
                break;
            }
        }
    if (!err[0] && !have_hz) snprintf(err, sizeof(err), "frequency is required (Hz, e.g. 100)");
    if (!err[0] && match.n == 0)
        snprintf(err, sizeof(err), "match is required: an object of target labels, e.g. {\"job\": \"checkout\"}");
    json_decref(root);
    if (err[0]) {
        pf_strmap_free(&match);
        return error_reply(out, 400, err);
    }
    expire(r);
    boost *b = add_boost(r, &match, hz, duration, "api", NULL);
    pf_strmap_free(&match);
    if (!b) return error_reply(out, 429, "too many active frequency boosts (1000)");
    return reply(out, 201, boost_json(b, now_ms()));
}

static int webhook(pf_freq_registry *r, const void *body, size_t len, pf_buf *out)
{
    pf_alert_list alerts;
    char err[512];
    if (!pf_alertmanager_parse(body, len, &alerts, err, sizeof(err))) {
        pf_alert_list_free(&alerts);
        return error_reply(out, 400, err);
    }
    size_t started = 0, ended = 0;
    pf_freq_alerts(r, &alerts, &started, &ended);
    pf_alert_list_free(&alerts);
    return reply(out, 200,
                 json_pack("{s:I, s:I}", "boosts_started", (json_int_t)started, "boosts_ended", (json_int_t)ended));
}

int pf_freq_http(pf_freq_registry *r, const char *method, const char *path, const void *body, size_t body_len,
                 pf_buf *out)
{
    static const char api[] = PF_FREQ_API_PATH;
    if (strcmp(path, api) == 0 && strcmp(method, "GET") == 0) return list(r, out);
    if (strcmp(path, api) == 0 && strcmp(method, "POST") == 0) return create(r, body, body_len, out);
    if (strncmp(path, api, sizeof(api) - 1) == 0 && path[sizeof(api) - 1] == '/' && strcmp(method, "DELETE") == 0) {
        int64_t id;
        const char *text = path + sizeof(api);
        if (!pf_parse_int(text, &id) || id <= 0)
            return error_reply(out, 400, "the boost id must be a positive integer");
        if (!pf_freq_boost_end(r, (uint64_t)id, "deleted")) {
            char *msg = pf_xasprintf("no active boost with id %s", text);
            int st = error_reply(out, 404, msg);
            free(msg);
            return st;
        }
        return reply(out, 200, json_pack("{s:s}", "deleted", text));
    }
    if (strcmp(path, ALERTMANAGER_PATH) == 0 && strcmp(method, "POST") == 0) return webhook(r, body, body_len, out);
    return error_reply(out, 404, "unknown boosts API path");
}
