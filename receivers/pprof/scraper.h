/* scraper.h — the pprof scrape loop: one uv_timer per target, scrapes spread over the interval by a
 * hash of the target and kept on a fixed schedule, at most max_concurrent_scrapes HTTP requests in
 * flight (the rest wait in a FIFO), per-target timeout and size limit (enforced while downloading),
 * delta for cumulative types, pprof → OTLP, targets from static_configs and file_sd_configs (added and
 * removed as the files change), per-target metrics (up, duration, bytes, scrapes, errors, last error
 * reason; removed with their target) with one log line per up/down change, and a scrape-start
 * lateness histogram.
 *
 * Ownership: scrape_manager_new() copies nothing from cfg (it must outlive the scraper, as component
 * configs do); scrape_manager_stop() closes everything asynchronously and calls done once, after which
 * scrape_manager_free() releases the memory. */
#ifndef PF_RECEIVER_PPROF_SCRAPER_H
#define PF_RECEIVER_PPROF_SCRAPER_H

#include <uv.h>

#include "pipeline/component/component.h"
#include "receivers/pprof/config.h"

typedef struct scrape_manager scrape_manager;

scrape_manager *scrape_manager_new(uv_loop_t *loop, const char *id, const scrape_receiver_cfg *cfg, pf_consumer *next);
/* Creates the HTTP clients, registers the jobs' on_alert rules with the service's frequency registry
 * (host may be NULL: a private one) and starts the timers. False with err set when a job's client
 * can't be made. */
bool scrape_manager_start(scrape_manager *s, pf_host *host, pf_error *err);
void scrape_manager_stop(scrape_manager *s, void (*done)(void *data), void *data);
void scrape_manager_free(scrape_manager *s);

#endif
