/* scraper_internal.h — state shared by the files of the pprof scraper (scraper.c: lifecycle and
 * jobs; target_set.c: creating, retiring and file_sd syncing of targets; scrape.c: the scrape of one
 * target). Not for use outside receivers/pprof/.
 *
 * Ownership: the scraper owns its jobs and every target. A target removed by file_sd is "retired":
 * out of every list at once, its delta state freed and its metric series released (removed from the
 * registry unless another target shares them), and its memory released as soon as its timer closed
 * and no request of it is in flight (pprof_target_release_if_idle). */
#ifndef PF_RECEIVER_PPROF_SCRAPER_INTERNAL_H
#define PF_RECEIVER_PPROF_SCRAPER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net/http_client.h"
#include "pipeline/component/component.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "receivers/pprof/delta.h"
#include "receivers/pprof/file_sd.h"
#include "receivers/pprof/scraper.h"
#include "receivers/pprof/target_series.h"
#include "receivers/pprof/targets.h"

typedef struct pprof_job pprof_job;

/* The targets one file_sd_configs entry currently yields, sorted by key. */
typedef struct pprof_sd_source {
    struct pprof_scraper *s;
    pprof_job *job;
    pprof_file_sd *sd;
    struct pprof_target **targets;
    size_t n_targets;
} pprof_sd_source;

struct pprof_job {
    const pprof_scrape_cfg *cfg;
    pf_http_client *client;
    pf_http_client_config client_cfg; /* headers owned here; tls points into cfg */
    pprof_sd_source *sources;         /* one per file_sd_configs entry */
    size_t n_sources;
};

typedef struct pprof_target {
    struct pprof_scraper *s;
    pprof_job *job;
    char *key; /* url + labels: the identity file_sd refreshes are matched by */
    char *url;
    char *instance;
    pprof_profile_def profile;
    pf_labels labels;
    uv_timer_t timer;
    size_t slot;          /* index in s->targets while live */
    uint64_t next_due_ms;  /* when the next scrape should start (uv_now clock, ms) */
    uint64_t scheduled_ms; /* when the current (maybe queued) scrape should have started */
    pf_pprof_delta *delta;
    bool timer_started, timer_closed, retired;
    bool in_flight, queued, up, reported;
    uint64_t started_ns;
    size_t last_body_bytes; /* body of the last scrape: what the next one is admitted against (memory budget) */
    struct pprof_target *prev_queued, *next_queued;
    pf_log_limiter skipped_log;
    uint64_t started_unix_nano; /* wall-clock start of the current scrape: ends the delta's window */
    pprof_outcome outcome;      /* of the last scrape */
    pprof_series *series;       /* shared with targets of the same labels; released on retirement */
} pprof_target;

/* Upper bounds (seconds) of the scrape-start lateness histogram buckets; +Inf is implied. */
#define PPROF_LATENESS_BUCKETS 12

struct pprof_scraper {
    uv_loop_t *loop;
    const char *id;
    const pprof_receiver_cfg *cfg;
    pf_consumer *next;
    pprof_job *jobs;
    size_t n_jobs;
    pprof_target **targets; /* live targets */
    size_t n_targets, cap_targets;
    pprof_target *queue_head, *queue_tail;
    size_t in_flight;
    size_t retiring; /* retired targets not yet released */
    bool started, stopping;
    size_t pending_closes;
    void (*done)(void *data);
    void *done_data;
    pprof_series_set series; /* of the live targets */
    pf_metric *accepted, *refused;
    pf_metric *lateness_buckets[PPROF_LATENESS_BUCKETS + 1], *lateness_sum, *lateness_count;
};

/* target_set.c */
pprof_target *pprof_target_add(struct pprof_scraper *s, pprof_job *job, const pprof_target_spec *spec, const char *key);
void pprof_target_retire(pprof_target *t);
void pprof_target_release_if_idle(pprof_target *t);
void pprof_target_free(pprof_target *t);
char *pprof_target_key(const pprof_target_spec *spec);
void pprof_sd_source_update(const pprof_sd_file *files, size_t n_files, void *data); /* data: pprof_sd_source */

/* scrape.c */
void pprof_target_schedule(pprof_target *t); /* starts the timer of a new target */
void pprof_queue_remove(struct pprof_scraper *s, pprof_target *t);
void pprof_lateness_metrics(struct pprof_scraper *s);        /* creates the scraper's histogram series */
void pprof_lateness_metrics_remove(struct pprof_scraper *s); /* and removes them */
/* Called when the scraper has nothing left to wait for; defined in scraper.c. */
void pprof_scraper_check_done(struct pprof_scraper *s);

#endif
