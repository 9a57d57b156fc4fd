/* sampling_processor.c — the sampling component: runs the sampler over each batch, passes on what is
 * kept, and attaches to the shared control API for dynamic overrides. */
#include "processors/sampling/sampling_processor.h"

#include <time.h>

#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/base/xalloc.h"
#include "processors/sampling/control.h"
#include "processors/sampling/sampler.h"

typedef struct sampling_processor {
    pf_component base;
    const sampling_config *cfg;
    pf_consumer *next;
    uv_loop_t *loop;
    sampler *sampler;
    sampling_target *target; /* set between start and destroy */
    pf_metric *dropped_samples;
    pf_log_limiter rate_log;
} sampling_processor;

static uint64_t wall_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static pf_status sampling_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    sampling_processor *sp = self->data;
    b = pf_batch_make_writable(b);
    sampling_clock now = {uv_hrtime(), wall_clock_ns(), uv_now(sp->loop)};
    override_store *dynamic = sp->target ? sampling_target_overrides(sp->target) : NULL;
    sampling_counts c = sampler_filter(sp->sampler, b, dynamic, &now);
    if (c.dropped_samples) pf_metric_add(sp->dropped_samples, (double)c.dropped_samples);
    if (c.dropped_by_series_rate || c.dropped_by_tenant_rate)
        pf_log_limited(
            &sp->rate_log, 60, PF_LOG_WARN, sp->base.id,
            "rate limits dropped %zu profiles (%zu over max_profiles_per_minute, %zu over max_bytes_per_second)",
            c.dropped_by_series_rate + c.dropped_by_tenant_rate, c.dropped_by_series_rate, c.dropped_by_tenant_rate);
    if (b->req->n_resource_profiles == 0) {
        pf_batch_unref(b);
        return PF_OK;
    }
    return pf_consumer_consume(sp->next, b, err);
}

static bool sampling_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)err;
    sampling_processor *sp = (sampling_processor *)c;
    sp->loop = host->loop;
    sp->target = sampling_control_attach(host, host->loop, c->id, sp->cfg);
    return true;
}

static void sampling_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    sampling_processor *sp = (sampling_processor *)c;
    pf_component_shutdown_begin(c, done, data);
    sampling_control_detach(sp->target, pf_component_shutdown_end, sp);
}

static void sampling_destroy(pf_component *c)
{
    sampling_processor *sp = (sampling_processor *)c;
    sampling_control_release(sp->target);
    sampler_free(sp->sampler);
    free(sp);
}

static const pf_component_ops sampling_ops = {
    .start = sampling_start,
    .shutdown = sampling_shutdown,
    .destroy = sampling_destroy,
    .consume = sampling_consume,
};

pf_component *sampling_processor_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    sampling_processor *sp = pf_xcalloc(1, sizeof(*sp));
    pf_component_init(&sp->base, &sampling_ops, args);
    sp->cfg = args->config;
    sp->next = args->next;
    sp->loop = args->loop;
    sp->sampler = sampler_new(sp->cfg, args->id);
    sp->dropped_samples = pf_counter1("proflow_processor_sampling_dropped_samples_total",
                                      "Samples of the profiles the sampling processor dropped", "processor", args->id);
    return &sp->base;
}
