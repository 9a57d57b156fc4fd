/* scraper.c — the scrape loop (see scraper.h). */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/log.h"
#include "pipeline/pprof/pprof.h"
#include "pipeline/telemetry.h"
#include "receivers/pprof/delta.h"
#include "receivers/pprof/scraper.h"
#include "receivers/pprof/targets.h"

typedef struct job {
    const pprof_scrape_cfg *cfg;
    pf_http_client *client;
    pf_http_client_config client_cfg; /* headers owned here; tls points into cfg */
} job;

typedef struct target {
    struct pprof_scraper *s;
    job *job;
    char *url;
    char *instance;
    pprof_profile_def profile;
    pf_labels labels;
    uv_timer_t timer;
    pf_pprof_delta *delta;
    bool in_flight, queued, up, reported;
    uint64_t started_ns;
    struct target *next_queued;
    pf_log_limiter skipped_log;
    pf_metric *m_up, *m_duration, *m_bytes, *m_errors, *m_skipped;
} target;

struct pprof_scraper {
    uv_loop_t *loop;
    const char *id;
    const pprof_receiver_cfg *cfg;
    pf_consumer *next;
    job *jobs;
    size_t n_jobs;
    target **targets;
    size_t n_targets;
    target *queue_head, *queue_tail;
    size_t in_flight;
    bool stopping;
    size_t pending_closes;
    void (*done)(void *data);
    void *done_data;
    pf_metric *accepted, *refused;
};

/* ---- target setup ---- */

static char *metric_labels(const pprof_scraper *s, const job *j, const char *instance, const char *profile)
{
    return pf_xasprintf("receiver=\"%s\",job=\"%s\",instance=\"%s\",profile=\"%s\"", s->id, j->cfg->job_name, instance,
                        profile);
}

typedef struct discover_ctx {
    pprof_scraper *s;
    job *job;
} discover_ctx;

static void add_target(const pprof_target_spec *spec, void *data)
{
    discover_ctx *c = data;
    target *t = pf_xcalloc(1, sizeof(*t));
    t->s = c->s;
    t->job = c->job;
    t->url = pf_xstrdup(spec->url);
    t->instance = pf_xstrdup(spec->instance);
    t->profile = *spec->profile;
    pf_labels_copy(&t->labels, spec->labels);
    char *labels = metric_labels(c->s, c->job, spec->instance, spec->profile->name);
    t->m_up = pf_gauge("proflow_receiver_pprof_up", "1 if the last scrape of the target succeeded, else 0.", labels);
    t->m_duration = pf_gauge("proflow_receiver_pprof_scrape_duration_seconds", "Duration of the last scrape.", labels);
    t->m_bytes = pf_gauge("proflow_receiver_pprof_scrape_bytes", "Response body size of the last scrape.", labels);
    t->m_errors = pf_counter("proflow_receiver_pprof_scrape_errors_total", "Failed scrapes.", labels);
    t->m_skipped = pf_counter("proflow_receiver_pprof_scrapes_skipped_total",
                              "Scrapes skipped because the previous one of the target was still running.", labels);
    free(labels);
    c->s->targets = pf_xrealloc(c->s->targets, (c->s->n_targets + 1) * sizeof(*c->s->targets));
    c->s->targets[c->s->n_targets++] = t;
}

static void build_headers(const pprof_scrape_cfg *cfg, pf_strmap *out)
{
    size_t n = cfg->http_headers.n + 1;
    out->keys = pf_xcalloc(n, sizeof(char *));
    out->values = pf_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < cfg->http_headers.n; i++) {
        out->keys[out->n] = pf_xstrdup(cfg->http_headers.keys[i]);
        out->values[out->n++] = pf_xstrdup(cfg->http_headers.values[i]);
    }
    if (cfg->bearer_token && *cfg->bearer_token) {
        out->keys[out->n] = pf_xstrdup("authorization");
        out->values[out->n++] = pf_xasprintf("Bearer %s", cfg->bearer_token);
    } else if (cfg->basic_auth.username && *cfg->basic_auth.username) {
        char *plain = pf_xasprintf("%s:%s", cfg->basic_auth.username,
                                   cfg->basic_auth.password ? cfg->basic_auth.password : "");
        size_t len = strlen(plain);
        unsigned char *b64 = pf_xmalloc(4 * ((len + 2) / 3) + 1);
        EVP_EncodeBlock(b64, (const unsigned char *)plain, (int)len);
        out->keys[out->n] = pf_xstrdup("authorization");
        out->values[out->n++] = pf_xasprintf("Basic %s", (char *)b64);
        free(b64);
        free(plain);
    }
}

pprof_scraper *pprof_scraper_new(uv_loop_t *loop, const char *id, const pprof_receiver_cfg *cfg, pf_consumer *next)
{
    pprof_scraper *s = pf_xcalloc(1, sizeof(*s));
    s->loop = loop;
    s->id = id;
    s->cfg = cfg;
    s->next = next;
    s->n_jobs = cfg->scrape_configs.n;
    s->jobs = pf_xcalloc(s->n_jobs ? s->n_jobs : 1, sizeof(*s->jobs));
    char *labels = pf_xasprintf("receiver=\"%s\",transport=\"http\"", id);
    s->accepted = pf_counter("otelcol_receiver_accepted_profile_samples",
                             "Profile samples successfully pushed into the pipeline.", labels);
    s->refused = pf_counter("otelcol_receiver_refused_profile_samples",
                            "Profile samples that could not be pushed into the pipeline.", labels);
    free(labels);
    const pprof_scrape_cfg *jobs = cfg->scrape_configs.items;
    for (size_t i = 0; i < s->n_jobs; i++) {
        job *j = &s->jobs[i];
        j->cfg = &jobs[i];
        j->client_cfg.tls = jobs[i].tls_config;
        j->client_cfg.timeout = jobs[i].scrape_timeout;
        j->client_cfg.compression = "none";
        build_headers(&jobs[i], &j->client_cfg.headers);
        discover_ctx c = {s, j};
        pprof_targets_discover(&jobs[i], add_target, &c);
    }
    return s;
}

/* ---- scraping ---- */

static void set_state(target *t, bool up, const char *error)
{
    pf_metric_set(t->m_up, up ? 1 : 0);
    if (!up) pf_metric_add(t->m_errors, 1);
    if (t->reported && t->up == up) return;
    t->reported = true;
    t->up = up;
    if (up)
        pf_log(PF_LOG_INFO, t->s->id, "target %s (%s) is up", t->url, t->profile.name);
    else
        pf_log(PF_LOG_WARN, t->s->id, "target %s (%s) is down: %s", t->url, t->profile.name, error);
}

static void add_resource_labels(pf_batch *b, otlp_resource_profiles *rp, const target *t)
{
    const char *service = pf_labels_get(&t->labels, "service_name");
    pf_resource_set_string(b, rp->resource, "service.name", service ? service : t->job->cfg->job_name);
    for (size_t i = 0; i < t->labels.n; i++)
        pf_resource_set_string(b, rp->resource, t->labels.items[i].name, t->labels.items[i].value);
}

/* Turns a fetched body into a batch and hands it on; returns false with err set on bad data. */
static bool deliver(target *t, const uint8_t *body, size_t len, char *err, size_t err_len)
{
    pprof_scraper *s = t->s;
    pf_arena *a = pf_arena_create(64 * 1024);
    pf_pprof pp;
    bool ok = pf_pprof_parse(a, body, len, (size_t)t->job->cfg->body_size_limit, &pp, err, err_len);
    bool send = ok;
    if (ok && t->profile.delta && !t->profile.server_side_delta) {
        if (!t->delta) t->delta = pf_pprof_delta_new();
        send = pf_pprof_delta_apply(t->delta, &pp); /* the first scrape only primes the baseline */
    }
    if (send) {
        pf_batch *b = pf_batch_new();
        pf_batch_set_receiver(b, s->id);
        b->wire_bytes = len;
        otlp_resource_profiles *rp = pf_batch_add_resource(b);
        add_resource_labels(b, rp, t);
        pf_pprof_to_otlp(b, rp, &pp, t->profile.name);
        size_t samples = pf_batch_sample_count(b);
        pf_error perr = {0};
        pf_status st = pf_consumer_consume(s->next, b, &perr);
        pf_metric_add(st == PF_OK ? s->accepted : s->refused, (double)samples);
        if (st != PF_OK)
            pf_log(PF_LOG_WARN, s->id, "pipeline refused %zu samples from %s: %s", samples, t->url, perr.msg);
    }
    pf_arena_destroy(a);
    return ok;
}

static void start_scrape(target *t);

static void on_response(const pf_http_response *resp, void *data)
{
    target *t = data;
    pprof_scraper *s = t->s;
    t->in_flight = false;
    s->in_flight--;
    if (s->stopping) return;

    pf_metric_set(t->m_duration, (double)(uv_hrtime() - t->started_ns) / 1e9);
    pf_metric_set(t->m_bytes, (double)resp->body_len);
    char err[512] = "";
    if (resp->status == 0)
        snprintf(err, sizeof(err), "%s", resp->timed_out ? "scrape timed out" : resp->error);
    else if (resp->status != 200)
        snprintf(err, sizeof(err), "HTTP status %d", resp->status);
    else if (resp->body_len > (size_t)t->job->cfg->body_size_limit)
        snprintf(err, sizeof(err), "response of %zu bytes exceeds body_size_limit %" PRId64, resp->body_len,
                 t->job->cfg->body_size_limit);
    else if (!deliver(t, resp->body, resp->body_len, err, sizeof(err)) && !*err)
        snprintf(err, sizeof(err), "bad pprof");
    set_state(t, *err == '\0', err);

    while (s->queue_head && s->in_flight < (size_t)s->cfg->max_concurrent_scrapes) {
        target *next = s->queue_head;
        s->queue_head = next->next_queued;
        if (!s->queue_head) s->queue_tail = NULL;
        next->queued = false;
        start_scrape(next);
    }
}

static void start_scrape(target *t)
{
    t->in_flight = true;
    t->s->in_flight++;
    t->started_ns = uv_hrtime();
    pf_http_call call = {.method = "GET", .url = t->url, .timeout_ns = t->job->cfg->scrape_timeout};
    pf_http_client_send(t->job->client, &call, on_response, t);
}

static void on_tick(uv_timer_t *timer)
{
    target *t = timer->data;
    pprof_scraper *s = t->s;
    if (t->in_flight || t->queued) {
        pf_metric_add(t->m_skipped, 1);
        pf_log_limited(&t->skipped_log, 60, PF_LOG_WARN, s->id, "scrape of %s skipped: the previous one is still running",
                       t->url);
        return;
    }
    if (s->in_flight >= (size_t)s->cfg->max_concurrent_scrapes) {
        t->queued = true;
        if (s->queue_tail) s->queue_tail->next_queued = t;
        else s->queue_head = t;
        s->queue_tail = t;
        t->next_queued = NULL;
        return;
    }
    start_scrape(t);
}

/* Spreads targets over the interval so they do not all fire at once; stable per URL. */
static uint64_t first_delay_ms(const char *url, uint64_t interval_ms)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = url; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h % interval_ms;
}

bool pprof_scraper_start(pprof_scraper *s, pf_error *err)
{
    for (size_t i = 0; i < s->n_jobs; i++) {
        char why[256] = "";
        s->jobs[i].client = pf_http_client_new(s->loop, &s->jobs[i].client_cfg, why, sizeof(why));
        if (!s->jobs[i].client) {
            pf_error_set(err, "scrape job %s: %s", s->jobs[i].cfg->job_name, why);
            return false;
        }
    }
    for (size_t i = 0; i < s->n_targets; i++) {
        target *t = s->targets[i];
        uint64_t interval_ms = (uint64_t)t->job->cfg->scrape_interval / 1000000u;
        uv_timer_init(s->loop, &t->timer);
        t->timer.data = t;
        uv_timer_start(&t->timer, on_tick, first_delay_ms(t->url, interval_ms), interval_ms);
    }
    pf_log(PF_LOG_INFO, s->id, "scraping %zu targets in %zu jobs", s->n_targets, s->n_jobs);
    return true;
}

/* ---- shutdown ---- */

static void one_closed(pprof_scraper *s)
{
    if (--s->pending_closes == 0 && s->done) s->done(s->done_data);
}

static void on_timer_closed(uv_handle_t *h)
{
    target *t = h->data;
    one_closed(t->s);
}

static void on_client_closed(void *data)
{
    one_closed(data);
}

void pprof_scraper_stop(pprof_scraper *s, void (*done)(void *data), void *data)
{
    s->stopping = true;
    s->done = done;
    s->done_data = data;
    s->pending_closes = 1; /* held until every close below was started */
    for (size_t i = 0; i < s->n_targets; i++) {
        target *t = s->targets[i];
        if (!t->timer.loop) continue; /* never started */
        s->pending_closes++;
        uv_close((uv_handle_t *)&t->timer, on_timer_closed);
    }
    for (size_t i = 0; i < s->n_jobs; i++) {
        if (!s->jobs[i].client) continue;
        s->pending_closes++;
        pf_http_client_close(s->jobs[i].client, on_client_closed, s);
    }
    one_closed(s);
}

void pprof_scraper_free(pprof_scraper *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_targets; i++) {
        target *t = s->targets[i];
        free(t->url);
        free(t->instance);
        pf_labels_free(&t->labels);
        pf_pprof_delta_free(t->delta);
        free(t);
    }
    for (size_t i = 0; i < s->n_jobs; i++) pf_strmap_free(&s->jobs[i].client_cfg.headers);
    free(s->targets);
    free(s->jobs);
    free(s);
}
