/* pprof_receiver.c — the pprof receiver's lifecycle: the component around one scraper (scraper.h),
 * started with the component and stopped by its shutdown. */
#include <stdlib.h>

#include "receivers/pprof/pprof_receiver.h"
#include "receivers/pprof/scraper.h"

typedef struct pprof_receiver {
    pf_component base;
    pprof_scraper *scraper;
} pprof_receiver;

static bool pprof_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)host;
    return pprof_scraper_start(((pprof_receiver *)c)->scraper, err);
}

static void pprof_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    pprof_receiver *r = (pprof_receiver *)c;
    pf_component_shutdown_begin(c, done, data);
    pprof_scraper_stop(r->scraper, pf_component_shutdown_end, r);
}

static void pprof_destroy(pf_component *c)
{
    pprof_receiver *r = (pprof_receiver *)c;
    pprof_scraper_free(r->scraper);
    free(r);
}

static const pf_component_ops pprof_ops = {
    .start = pprof_start,
    .shutdown = pprof_shutdown,
    .destroy = pprof_destroy,
};

pf_component *pprof_receiver_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    pprof_receiver *r = pf_xcalloc(1, sizeof(*r));
    pf_component_init(&r->base, &pprof_ops, args);
    r->scraper = pprof_scraper_new(args->loop, args->id, args->config, args->next);
    return &r->base;
}
