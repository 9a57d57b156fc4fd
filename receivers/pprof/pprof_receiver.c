/* pprof_receiver.c — the pprof receiver's lifecycle: the component around one scraper (scraper.h),
 * started with the component and stopped by its shutdown. */
#include <stdlib.h>

#include "receivers/pprof/pprof_receiver.h"
#include "receivers/pprof/scraper.h"

typedef struct scrape_receiver {
    pf_component base;
    scrape_manager *scraper;
} scrape_receiver;

static bool scrape_start(pf_component *c, pf_host *host, pf_error *err)
{
    return scrape_manager_start(((scrape_receiver *)c)->scraper, host, err);
}

static void scrape_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    scrape_receiver *r = (scrape_receiver *)c;
    pf_component_shutdown_begin(c, done, data);
    scrape_manager_stop(r->scraper, pf_component_shutdown_end, r);
}

static void scrape_destroy(pf_component *c)
{
    scrape_receiver *r = (scrape_receiver *)c;
    scrape_manager_free(r->scraper);
    free(r);
}

static const pf_component_ops scrape_ops = {
    .start = scrape_start,
    .shutdown = scrape_shutdown,
    .destroy = scrape_destroy,
};

pf_component *scrape_receiver_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    scrape_receiver *r = pf_xcalloc(1, sizeof(*r));
    pf_component_init(&r->base, &scrape_ops, args);
    r->scraper = scrape_manager_new(args->loop, args->id, args->config, args->next);
    return &r->base;
}
