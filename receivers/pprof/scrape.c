/* scrape.c — one target's scrape cycle: a one-shot uv_timer re-armed against a fixed schedule (so a
 * late start does not push every later one back), the FIFO that keeps at most max_concurrent_scrapes
 * requests in flight, the HTTP request with the job's body_size_limit enforced during the download,
 * and the outcome: delta, pprof → OTLP, hand-off, per-target metrics and one log line per change.
 * A pprof handed on as served keeps its bytes with its scope (wire.h, scope sources), so exporters
 * to pyroscope and parca send it without encoding it again. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/model/wire.h"
#include "pipeline/pprof/pprof.h"
#include "pipeline/base/memory_budget.h"
#include "pipeline/base/hash.h"
#include "receivers/pprof/scraper_internal.h"

static const double lateness_bounds[PPROF_LATENESS_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                               0.1,   0.25,   0.5,   1,    2.5,   5};

/* ---- outcome ---- */

/* The last_error series of the previous failure reason goes to 0, the current one's to 1. */
static void set_last_error(scrape_target *t, scrape_outcome outcome)
{
    if (t->outcome != PPROF_SCRAPE_OK && t->outcome != outcome)
        pf_metric_set(scrape_series_last_error(t->series, t->outcome), 0);
    t->outcome = outcome;
    if (outcome != PPROF_SCRAPE_OK) pf_metric_set(scrape_series_last_error(t->series, outcome), 1);
}

static void set_state(scrape_target *t, scrape_outcome outcome, const char *error)
{
    bool up = outcome == PPROF_SCRAPE_OK;
    pf_metric **m = t->series->m;
    pf_metric_set(m[PPROF_M_UP], up ? 1 : 0);
    pf_metric_add(m[PPROF_M_SCRAPES], 1);
    if (!up) pf_metric_add(m[PPROF_M_ERRORS], 1);
    set_last_error(t, outcome);
    if (t->reported && t->up == up) return;
    t->reported = true;
    t->up = up;
    if (up)
        pf_log(PF_LOG_INFO, t->s->id, "target %s (%s) is up", t->url, t->profile.name);
    else
        pf_log(PF_LOG_WARN, t->s->id, "target %s (%s) is down: %s", t->url, t->profile.name, error);
}

static void add_resource_labels(pf_batch *b, otlp_resource_profiles *rp, const scrape_target *t)
{
    const char *service = pf_labels_get(&t->labels, "service_name");
    pf_resource_set_string(b, rp->resource, "service.name", service ? service : t->job->cfg->job_name);
    for (size_t i = 0; i < t->labels.n; i++)
        pf_resource_set_string(b, rp->resource, t->labels.items[i].name, t->labels.items[i].value);
}

/* Turns a fetched body into a batch and hands it on; returns false with err set on bad data. */
static bool deliver(scrape_target *t, const uint8_t *body, size_t len, char *err, size_t err_len)
{
    scrape_manager *s = t->s;
    pf_arena *a = pf_arena_create(64 * 1024);
    pf_pprof pp;
    bool ok = pf_pprof_parse(a, body, len, (size_t)t->job->cfg->body_size_limit, &pp, err, err_len);
    bool send = ok;
    pf_scrape_delta *delta = NULL; /* set when the target's type is turned into deltas here */
    if (ok && t->profile.delta && !t->profile.server_side_delta) {
        if (!t->delta) t->delta = pf_scrape_delta_new();
        delta = t->delta;
        send = pf_scrape_delta_apply(delta, &pp, t->started_unix_nano); /* the first scrape only primes */
    }
    if (send) {
        pf_batch *b = pf_batch_new();
        pf_batch_set_receiver(b, s->id);
        b->wire_bytes = len;
        otlp_resource_profiles *rp = pf_batch_add_resource(b);
        add_resource_labels(b, rp, t);
        otlp_scope_profiles *scope = pf_pprof_to_otlp(b, rp, &pp, t->profile.name);
        if (delta)
            pf_scrape_delta_stamp(delta, scope);
        else if (len >= 2 && body[0] == 0x1f && body[1] == 0x8b) /* as served, gzipped: exporters send it as is */
            pf_batch_scope_source_keep(b, scope, body, len, pp.p->n_sample);
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

/* ---- the FIFO of targets waiting for a free request slot ---- */

static void queue_push(scrape_manager *s, scrape_target *t)
{
    t->queued = true;
    t->next_queued = NULL;
    t->prev_queued = s->queue_tail;
    if (s->queue_tail)
        s->queue_tail->next_queued = t;
    else
        s->queue_head = t;
    s->queue_tail = t;
}

void scrape_queue_remove(scrape_manager *s, scrape_target *t)
{
    if (t->prev_queued)
        t->prev_queued->next_queued = t->next_queued;
    else
        s->queue_head = t->next_queued;
    if (t->next_queued)
        t->next_queued->prev_queued = t->prev_queued;
    else
        s->queue_tail = t->prev_queued;
    t->queued = false;
    t->prev_queued = t->next_queued = NULL;
}

/* ---- scraping ---- */

static void start_scrape(scrape_target *t);

static void record_lateness(scrape_manager *s, double seconds)
{
    size_t b = 0;
    while (b < PPROF_LATENESS_BUCKETS && seconds > lateness_bounds[b]) b++;
    for (; b <= PPROF_LATENESS_BUCKETS; b++) pf_metric_add(s->lateness_buckets[b], 1); /* cumulative buckets */
    pf_metric_add(s->lateness_sum, seconds);
    pf_metric_add(s->lateness_count, 1);
}

static void on_response(const pf_http_response *resp, void *data)
{
    scrape_target *t = data;
    scrape_manager *s = t->s;
    t->in_flight = false;
    s->in_flight--;
    if (t->retired) {
        scrape_target_release_if_idle(t);
    } else if (!s->stopping) {
        pf_metric_set(t->series->m[PPROF_M_DURATION], (double)(uv_hrtime() - t->started_ns) / 1e9);
        pf_metric_set(t->series->m[PPROF_M_BYTES], (double)resp->body_len);
        t->last_body_bytes = resp->body_len;
        char err[512] = "";
        scrape_outcome outcome = PPROF_SCRAPE_OK;
        if (resp->status == 0) {
            outcome = resp->timed_out        ? PPROF_FAIL_TIMEOUT
                      : resp->body_too_large ? PPROF_FAIL_BODY_SIZE_LIMIT
                                             : PPROF_FAIL_CONNECTION;
            snprintf(err, sizeof(err), "%s", resp->timed_out ? "scrape timed out" : resp->error);
        } else if (resp->status != 200) {
            outcome = PPROF_FAIL_HTTP_STATUS;
            snprintf(err, sizeof(err), "HTTP status %d", resp->status);
        } else if (!deliver(t, resp->body, resp->body_len, err, sizeof(err))) {
            outcome = PPROF_FAIL_BAD_PPROF;
        }
        set_state(t, outcome, err);
    }
    if (s->stopping) {
        scrape_manager_check_done(s);
        return;
    }
    while (s->queue_head && s->in_flight < (size_t)s->cfg->max_concurrent_scrapes) {
        scrape_target *next = s->queue_head;
        scrape_queue_remove(s, next);
        start_scrape(next);
    }
}

/* CPU-like targets: the profiling window of this scrape from the frequency in force (the configured
 * one, raised by the highest matching boost), recorded in proflow_scrape_profile_frequency_hz. Returns
 * the URL with its `seconds=` rewritten when that differs from the configured window, else NULL. */
static char *cpu_url(scrape_target *t)
{
    if (!t->seconds_at) return NULL;
    double interval_s = (double)t->job->cfg->scrape_interval / 1e9, native = t->profile.native_hz;
    long long base = strtoll(t->url + t->seconds_at, NULL, 10), seconds = base;
    double boost = t->s->freq ? pf_freq_boosted_hz(t->s->freq, &t->labels, t->profile.name) : 0;
    if (boost > 0) {
        long long b = (long long)pf_freq_seconds_for(boost, native, interval_s);
        if (b > seconds) seconds = b;
    }
    pf_metric_set(scrape_series_frequency(t->series), pf_freq_effective_hz(seconds, native, interval_s));
    if (seconds == base) return NULL;
    return pf_xasprintf("%.*s%lld", (int)t->seconds_at, t->url, seconds);
}

static void start_scrape(scrape_target *t)
{
    scrape_manager *s = t->s;
    double late_ms = (double)uv_hrtime() / 1e6 - (double)t->scheduled_ms;
    record_lateness(s, late_ms > 0 ? late_ms / 1e3 : 0);
    t->in_flight = true;
    s->in_flight++;
    t->started_ns = uv_hrtime();
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    t->started_unix_nano = (uint64_t)wall.tv_sec * 1000000000u + (uint64_t)wall.tv_nsec;
    char *boosted_url = cpu_url(t);
    pf_http_call call = {.method = "GET",
                         .url = boosted_url ? boosted_url : t->url,
                         .timeout_ns = t->job->cfg->scrape_timeout,
                         .max_response_bytes = (size_t)t->job->cfg->body_size_limit};
    pf_http_client_send(t->job->client, &call, on_response, t);
    free(boosted_url);
}

static void on_tick(uv_timer_t *timer);

/* Next start on the fixed grid first_due + k * interval; starts missed entirely are skipped. */
static void arm_next(scrape_target *t)
{
    uint64_t interval_ms = (uint64_t)t->job->cfg->scrape_interval / 1000000u, now = uv_now(t->s->loop);
    while (t->next_due_ms <= now) t->next_due_ms += interval_ms;
    uv_timer_start(&t->timer, on_tick, t->next_due_ms - now, 0);
}

static void on_tick(uv_timer_t *timer)
{
    scrape_target *t = timer->data;
    scrape_manager *s = t->s;
    t->scheduled_ms = t->next_due_ms;
    arm_next(t);
    if (t->in_flight || t->queued) {
        pf_metric_add(t->series->m[PPROF_M_SKIPPED], 1);
        pf_log_limited(&t->skipped_log, 60, PF_LOG_WARN, s->id,
                       "scrape of %s skipped: the previous one is still running", t->url);
        return;
    }
    if (!pf_memory_admit(t->last_body_bytes, s->id, NULL)) {
        /* Deferred to the next interval: a scrape now (expected to be as large as the last one) would
         * add memory proflow must not take; the delta of a cumulative profile then simply covers a
         * longer window. */
        pf_metric_add(s->deferred, 1);
        pf_log_limited(&s->deferred_log, 60, PF_LOG_WARN, s->id,
                       "scrapes deferred: proflow is at its memory limit (for example %s; memory_limiter sets the "
                       "limit)",
                       t->url);
        return;
    }
    if (s->in_flight >= (size_t)s->cfg->max_concurrent_scrapes)
        queue_push(s, t);
    else
        start_scrape(t);
}

/* Spreads targets over the interval so they do not all fire at once; stable per URL. */
static uint64_t first_delay_ms(const char *url, uint64_t interval_ms)
{
    /* FNV-1a without the finalizer, from the seed it always had: targets keep their scrape phase */
    return pf_hash_fnv1a(1469598103934665603ull, url, strlen(url)) % interval_ms;
}

void scrape_target_schedule(scrape_target *t)
{
    uint64_t interval_ms = (uint64_t)t->job->cfg->scrape_interval / 1000000u;
    uv_timer_init(t->s->loop, &t->timer);
    t->timer.data = t;
    t->timer_started = true;
    t->next_due_ms = uv_now(t->s->loop) + first_delay_ms(t->url, interval_ms);
    uv_timer_start(&t->timer, on_tick, t->next_due_ms - uv_now(t->s->loop), 0);
}

/* Labels of bucket b (PPROF_LATENESS_BUCKETS: +Inf), or of _sum and _count for b > PPROF_LATENESS_BUCKETS. */
static void lateness_labels(const scrape_manager *s, size_t b, char *out, size_t len)
{
    if (b < PPROF_LATENESS_BUCKETS)
        snprintf(out, len, "receiver=\"%s\",le=\"%g\"", s->id, lateness_bounds[b]);
    else if (b == PPROF_LATENESS_BUCKETS)
        snprintf(out, len, "receiver=\"%s\",le=\"+Inf\"", s->id);
    else
        snprintf(out, len, "receiver=\"%s\"", s->id);
}

#define LATENESS_BUCKET "proflow_receiver_pprof_scrape_lateness_seconds_bucket"
#define LATENESS_SUM    "proflow_receiver_pprof_scrape_lateness_seconds_sum"
#define LATENESS_COUNT  "proflow_receiver_pprof_scrape_lateness_seconds_count"

void scrape_lateness_metrics(scrape_manager *s)
{
    char labels[256];
    for (size_t b = 0; b <= PPROF_LATENESS_BUCKETS; b++) {
        lateness_labels(s, b, labels, sizeof(labels));
        s->lateness_buckets[b] = pf_counter(LATENESS_BUCKET,
                                            "Scrape starts by delay behind their schedule (queueing and loop delay), "
                                            "cumulative histogram buckets.",
                                            labels);
    }
    lateness_labels(s, PPROF_LATENESS_BUCKETS + 1, labels, sizeof(labels));
    s->lateness_sum = pf_counter(LATENESS_SUM, "Sum of scrape-start delays behind schedule.", labels);
    s->lateness_count = pf_counter(LATENESS_COUNT, "Scrape starts.", labels);
}

void scrape_lateness_metrics_remove(scrape_manager *s)
{
    char labels[256];
    for (size_t b = 0; b <= PPROF_LATENESS_BUCKETS; b++) {
        lateness_labels(s, b, labels, sizeof(labels));
        pf_metric_remove(LATENESS_BUCKET, labels);
    }
    lateness_labels(s, PPROF_LATENESS_BUCKETS + 1, labels, sizeof(labels));
    pf_metric_remove(LATENESS_SUM, labels);
    pf_metric_remove(LATENESS_COUNT, labels);
}
