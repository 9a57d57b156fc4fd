/* scraper.c — the pprof scraper's lifecycle (see scraper.h): jobs and their HTTP clients, static
 * targets, file_sd sources, start, and an orderly asynchronous stop. Targets live in target_set.c,
 * the scrape itself in scrape.c. */
#include <stdlib.h>
#include <string.h>

#include "receivers/helper/receiver_metrics.h"
#include "receivers/pprof/scraper_internal.h"

static void build_headers(const scrape_job_cfg *cfg, pf_strmap *out)
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
        out->keys[out->n] = pf_xstrdup("authorization");
        out->values[out->n++] = pf_http_basic_authorization(cfg->basic_auth.username, cfg->basic_auth.password);
    }
}

typedef struct static_ctx {
    scrape_manager *s;
    scrape_job *job;
} static_ctx;

static void add_static(const scrape_target_spec *spec, void *data)
{
    static_ctx *c = data;
    char *key = scrape_target_key(spec);
    scrape_target_add(c->s, c->job, spec, key);
    free(key);
}

scrape_manager *scrape_manager_new(uv_loop_t *loop, const char *id, const scrape_receiver_cfg *cfg, pf_consumer *next)
{
    scrape_manager *s = pf_xcalloc(1, sizeof(*s));
    s->loop = loop;
    s->id = id;
    s->cfg = cfg;
    s->next = next;
    s->n_jobs = cfg->scrape_configs.n;
    s->jobs = pf_xcalloc(s->n_jobs ? s->n_jobs : 1, sizeof(*s->jobs));
    pf_receiver_metrics m = pf_receiver_metrics_new(id, "http");
    s->accepted = m.accepted;
    s->refused = m.refused;
    s->deferred = pf_counter1("proflow_pprof_scrapes_deferred_total",
                              "Scrapes not started because proflow was at its memory limit (tried again at the "
                              "next interval).",
                              "receiver", id);
    scrape_lateness_metrics(s);
    const scrape_job_cfg *jobs = cfg->scrape_configs.items;
    for (size_t i = 0; i < s->n_jobs; i++) {
        scrape_job *j = &s->jobs[i];
        j->cfg = &jobs[i];
        j->client_cfg.tls = jobs[i].tls_config;
        j->client_cfg.timeout = jobs[i].scrape_timeout;
        j->client_cfg.compression = "none";
        build_headers(&jobs[i], &j->client_cfg.headers);
        static_ctx c = {s, j};
        scrape_targets_discover(&jobs[i], add_static, &c);
        j->n_sources = jobs[i].file_sd_configs.n;
        j->sources = pf_xcalloc(j->n_sources ? j->n_sources : 1, sizeof(*j->sources));
        const scrape_file_sd_cfg *sds = jobs[i].file_sd_configs.items;
        for (size_t k = 0; k < j->n_sources; k++) {
            scrape_sd_source *src = &j->sources[k];
            src->s = s;
            src->job = j;
            src->sd = scrape_file_sd_new(loop, id, jobs[i].job_name, &sds[k], scrape_sd_source_update, src);
        }
    }
    return s;
}

bool scrape_manager_start(scrape_manager *s, pf_host *host, pf_error *err)
{
    s->freq = pf_freq_registry_acquire(host);
    for (size_t i = 0; i < s->n_jobs; i++) {
        const scrape_on_alert_cfg *rules = s->jobs[i].cfg->on_alert.items;
        for (size_t k = 0; k < s->jobs[i].cfg->on_alert.n; k++) {
            pf_freq_rule rule = {rules[k].trigger, rules[k].match_labels, rules[k].frequency, rules[k].duration};
            pf_freq_rule_add(s->freq, s, s->jobs[i].cfg->job_name, &rule);
        }
    }
    for (size_t i = 0; i < s->n_jobs; i++) {
        char why[256] = "";
        s->jobs[i].client = pf_http_client_new(s->loop, &s->jobs[i].client_cfg, why, sizeof(why));
        if (!s->jobs[i].client) {
            pf_error_set(err, "scrape job %s: %s", s->jobs[i].cfg->job_name, why);
            return false;
        }
    }
    s->started = true;
    for (size_t i = 0; i < s->n_targets; i++) scrape_target_schedule(s->targets[i]);
    size_t n_sources = 0;
    for (size_t i = 0; i < s->n_jobs; i++)
        for (size_t k = 0; k < s->jobs[i].n_sources; k++, n_sources++) scrape_file_sd_start(s->jobs[i].sources[k].sd);
    pf_log(PF_LOG_INFO, s->id, "scraping %zu static targets in %zu jobs, %zu file_sd sources", s->n_targets, s->n_jobs,
           n_sources);
    return true;
}

/* ---- shutdown: timers, file_sd watchers and clients close; in-flight calls complete first ---- */

void scrape_manager_check_done(scrape_manager *s)
{
    if (s->stopping && s->pending_closes == 0 && s->retiring == 0 && s->in_flight == 0 && s->done) {
        void (*done)(void *data) = s->done;
        s->done = NULL;
        done(s->done_data);
    }
}

static void one_closed(scrape_manager *s)
{
    s->pending_closes--;
    scrape_manager_check_done(s);
}

static void on_timer_closed(uv_handle_t *h)
{
    scrape_target *t = h->data;
    one_closed(t->s);
}

static void on_closed(void *data) { one_closed(data); }

void scrape_manager_stop(scrape_manager *s, void (*done)(void *data), void *data)
{
    s->stopping = true;
    s->done = done;
    s->done_data = data;
    s->pending_closes = 1; /* held until every close below was started */
    for (size_t i = 0; i < s->n_targets; i++) {
        scrape_target *t = s->targets[i];
        if (!t->timer_started) continue;
        s->pending_closes++;
        uv_close((uv_handle_t *)&t->timer, on_timer_closed);
    }
    for (size_t i = 0; i < s->n_jobs; i++) {
        for (size_t k = 0; k < s->jobs[i].n_sources; k++) {
            s->pending_closes++;
            scrape_file_sd_close(s->jobs[i].sources[k].sd, on_closed, s);
        }
        if (!s->jobs[i].client) continue;
        s->pending_closes++;
        pf_http_client_close(s->jobs[i].client, on_closed, s);
    }
    one_closed(s);
}

void scrape_manager_free(scrape_manager *s)
{
    if (!s) return;
    /* Every series of the receiver goes: after a config reload the new one makes its own. */
    scrape_series_set_free(&s->series);
    scrape_lateness_metrics_remove(s);
    if (s->freq) {
        pf_freq_rules_remove(s->freq, s);
        pf_freq_registry_release(s->freq);
    }
    for (size_t i = 0; i < s->n_targets; i++) scrape_target_free(s->targets[i]);
    for (size_t i = 0; i < s->n_jobs; i++) {
        pf_strmap_free(&s->jobs[i].client_cfg.headers);
        for (size_t k = 0; k < s->jobs[i].n_sources; k++) {
            scrape_file_sd_free(s->jobs[i].sources[k].sd);
            free(s->jobs[i].sources[k].targets);
        }
        free(s->jobs[i].sources);
    }
    free(s->targets);
    free(s->jobs);
    free(s);
}
