/* scraper.h — the pprof scrape loop: one uv_timer per target, scrapes spread over the interval by a
 * hash of the target and kept on a fixed schedule, at most max_concurrent_scrapes HTTP requests in
 * flight (the rest wait in a FIFO), per-target timeout and size limit (enforced while downloading),
 * delta for cumulative types, pprof → OTLP, targets from static_configs and file_sd_configs (added and
 * removed as the files change), per-target metrics (up, duration, bytes, scrapes, errors, last error
 * reason; removed with their target) with one log line per up/down change, and a scrape-start
 * lateness histogram.
 *
 * Ownership: pprof_scraper_new() copies nothing from cfg (it must outlive the scraper, as component
 * configs do); pprof_scraper_stop() closes everything asynchronously and calls done once, after which
 * pprof_scraper_free() releases the memory. */
#ifndef PF_RECEIVER_PPROF_SCRAPER_H
#define PF_RECEIVER_PPROF_SCRAPER_H

#include <uv.h>

#include "pipeline/component/component.h"
#include "receivers/pprof/config.h"

typedef struct pprof_scraper pprof_scraper;

pprof_scraper *pprof_scraper_new(uv_loop_t *loop, const char *id, const pprof_receiver_cfg *cfg, pf_consumer *next);
/* Creates the HTTP clients, registers the jobs' on_alert rules with the service's frequency registry
 * (host may be NULL: a private one) and starts the timers. False with err set when a job's client
 * can't be made. */
bool pprof_scraper_start(pprof_scraper *s, pf_host *host, pf_error *err);
void pprof_scraper_stop(pprof_scraper *s, void (*done)(void *data), void *data);
void pprof_scraper_free(pprof_scraper *s);

#endif
