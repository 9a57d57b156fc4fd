/* pprof receiver — scrapes Go net/http/pprof-style endpoints on an interval (Prometheus
 * scrape_configs + Alloy/Parca profiling_config) and emits each scrape as OTLP profiles, one Profile
 * per sample type, with service.name, job, instance and the target labels as resource attributes and
 * the profile type (process_cpu, memory, …) as the scope attribute profile.name. */
#include <stdlib.h>

#include "pipeline/component/component.h"
#include "receivers/pprof/config.h"
#include "receivers/pprof/scraper.h"

typedef struct pprof_receiver {
    pf_component base;
    pprof_scraper *scraper;
    pf_done_cb done;
    void *done_data;
} pprof_receiver;

static bool pprof_start(pf_component *c, pf_host *host, pf_error *err)
{
    return pprof_scraper_start(((pprof_receiver *)c)->scraper, host, err);
}

static void on_stopped(void *data)
{
    pprof_receiver *r = data;
    r->done(&r->base, r->done_data);
}

static void pprof_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    pprof_receiver *r = (pprof_receiver *)c;
    r->done = done;
    r->done_data = data;
    pprof_scraper_stop(r->scraper, on_stopped, r);
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

static pf_component *pprof_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    pprof_receiver *r = pf_xcalloc(1, sizeof(*r));
    r->base.ops = &pprof_ops;
    r->base.id = args->id;
    r->scraper = pprof_scraper_new(args->loop, args->id, args->config, args->next);
    return &r->base;
}

const pf_factory pf_receiver_pprof_factory = {
    .type = "pprof",
    .kind = PF_KIND_RECEIVER,
    .stability = "alpha",
    .description = "Scrapes pprof HTTP endpoints (Go net/http/pprof, godeltaprof, fgprof, custom) on an interval.",
    .config_map = pprof_receiver_cfg_map,
    .config_size = sizeof(pprof_receiver_cfg),
    .create = pprof_create,
};
