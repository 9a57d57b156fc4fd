/* scraper_internal.h — state shared by the files of the pprof scraper (scraper.c: lifecycle and
 * jobs; target_set.c: creating, retiring and file_sd syncing of targets; scrape.c: the scrape of one
 * target). Not for use outside receivers/pprof/.
 *
 * Ownership: the scraper owns its jobs and every target. A target removed by file_sd is "retired":
 * out of every list at once, its delta state freed and its metric series released (removed from the
 * registry unless another target shares them), and its memory released as soon as its timer closed
 * and no request of it is in flight (scrape_target_release_if_idle). */
#ifndef PF_RECEIVER_PPROF_SCRAPER_INTERNAL_H
#define PF_RECEIVER_PPROF_SCRAPER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net/http_client.h"
#include "pipeline/component/component.h"
#include "pipeline/component/freq_boost.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "receivers/pprof/delta.h"
#include "receivers/pprof/file_sd.h"
#include "receivers/pprof/scraper.h"
#include "receivers/pprof/target_series.h"
#include "receivers/pprof/targets.h"

typedef struct scrape_job scrape_job;

/* The targets one file_sd_configs entry currently yields, sorted by key. */
typedef struct scrape_sd_source {
    struct scrape_manager *s;
    scrape_job *job;
    scrape_file_sd *sd;
    struct scrape_target **targets;
    size_t n_targets;
} scrape_sd_source;

struct scrape_job {
    const scrape_job_cfg *cfg;
    pf_http_client *client;
    pf_http_client_config client_cfg; /* headers owned here; tls points into cfg */
    scrape_sd_source *sources;        /* one per file_sd_configs entry */
    size_t n_sources;
};

typedef struct scrape_target {
    struct scrape_manager *s;
    scrape_job *job;
    char *key; /* url + labels: the identity file_sd refreshes are matched by */
    char *url;
    char *instance;
    scrape_profile_def profile;
    pf_labels labels;
    uv_timer_t timer;
    size_t slot;           /* index in s->targets while live */
    uint64_t next_due_ms;  /* when the next scrape should start (uv_now clock, ms) */
    uint64_t scheduled_ms; /* when the current (maybe queued) scrape should have started */
    pf_scrape_delta *delta;
    bool timer_started, timer_closed, retired;
    bool in_flight, queued, up, reported;
    uint64_t started_ns;
    size_t last_body_bytes; /* body of the last scrape: what the next one is admitted against (memory budget) */
    struct scrape_target *prev_queued, *next_queued;
    pf_log_limiter skipped_log;
    uint64_t started_unix_nano; /* wall-clock start of the current scrape: ends the delta's window */
    scrape_outcome outcome;     /* of the last scrape */
    scrape_series *series;      /* shared with targets of the same labels; released on retirement */
    double hz;                  /* CPU-like: configured frequency (job or __profile_hz__), 0 = interval - 1s */
    size_t seconds_at;          /* CPU-like: offset of the `seconds=` value at the end of url, else 0 */
} scrape_target;

/* Upper bounds (seconds) of the scrape-start lateness histogram buckets; +Inf is implied. */
#define PPROF_LATENESS_BUCKETS 12

struct scrape_manager {
    uv_loop_t *loop;
    const char *id;
    const scrape_receiver_cfg *cfg;
    pf_consumer *next;
    pf_freq_registry *freq; /* frequency boosts (acquired in start) */
    scrape_job *jobs;
    size_t n_jobs;
    scrape_target **targets; /* live targets */
    size_t n_targets, cap_targets;
    scrape_target *queue_head, *queue_tail;
    size_t in_flight;
    size_t retiring; /* retired targets not yet released */
    bool started, stopping;
    size_t pending_closes;
    void (*done)(void *data);
    void *done_data;
    scrape_series_set series; /* of the live targets */
    pf_metric *accepted, *refused;
    pf_metric *deferred;         /* proflow_pprof_scrapes_deferred_total */
    pf_log_limiter deferred_log; /* one line a minute for all targets: a memory limit defers them all */
    pf_metric *lateness_buckets[PPROF_LATENESS_BUCKETS + 1], *lateness_sum, *lateness_count;
};

/* target_set.c */
scrape_target *scrape_target_add(struct scrape_manager *s, scrape_job *job, const scrape_target_spec *spec,
                                 const char *key);
void scrape_target_retire(scrape_target *t);
void scrape_target_release_if_idle(scrape_target *t);
void scrape_target_free(scrape_target *t);
char *scrape_target_key(const scrape_target_spec *spec);
void scrape_sd_source_update(const scrape_sd_file *files, size_t n_files, void *data); /* data: scrape_sd_source */

/* scrape.c */
void scrape_target_schedule(scrape_target *t); /* starts the timer of a new target */
void scrape_queue_remove(struct scrape_manager *s, scrape_target *t);
void scrape_lateness_metrics(struct scrape_manager *s);        /* creates the scraper's histogram series */
void scrape_lateness_metrics_remove(struct scrape_manager *s); /* and removes them */
/* Called when the scraper has nothing left to wait for; defined in scraper.c. */
void scrape_manager_check_done(struct scrape_manager *s);

#endif
