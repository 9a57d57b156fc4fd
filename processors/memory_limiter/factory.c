/* memory_limiter processor — the Collector's memory_limiter names (check_interval, limit_mib,
 * spike_limit_mib, limit_percentage, spike_limit_percentage), setting proflow's process-wide memory
 * budget (pipeline/memory_budget.h). Unlike the Collector's, the limit is not only enforced here:
 * receivers are admitted against the budget (from the soft limit on) before they read a request
 * body, which is where the memory goes. A batch that reaches this processor was admitted and already
 * decoded, so it passes unless the process is over the hard limit (accounted bytes or RSS), when it
 * is refused (PF_RETRYABLE → 503 / UNAVAILABLE). Its readiness (asked after a body was read, before
 * it is decoded) is false from the soft limit on, as the Collector's processor refuses there.
 *
 * The budget is one per process: the service applies the first memory_limiter used by a pipeline
 * (and warns about any other). Without one the default budget applies (README "Memory"). */
#include <stddef.h>
#include <stdlib.h>

#include "pipeline/component.h"
#include "pipeline/log.h"
#include "pipeline/memory_budget.h"
#include "pipeline/telemetry.h"

typedef struct memory_limiter {
    pf_component base;
    pf_consumer *next;
    pf_metric *refused;
    pf_log_limiter log;
} memory_limiter;

static pf_status ml_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    memory_limiter *m = self->data;
    if (pf_memory_over_hard()) {
        pf_metric_add(m->refused, (double)pf_batch_sample_count(b));
        pf_batch_unref(b);
        pf_error_set(err, "%s: memory limit reached (%zu MiB accounted, limit %zu MiB), retry later", m->base.id,
                     pf_memory_accounted() >> 20, pf_memory_hard_limit() >> 20);
        err->retry_after_s = 1;
        return PF_RETRYABLE;
    }
    return pf_consumer_consume(m->next, b, err);
}

static bool ml_ready(pf_consumer *self)
{
    memory_limiter *m = self->data;
    return !pf_memory_limited() && pf_consumer_ready(m->next);
}

static bool ml_durable(pf_consumer *self)
{
    memory_limiter *m = self->data;
    return pf_consumer_durable(m->next);
}

static bool ml_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)c, (void)host, (void)err;
    return true;
}

static void ml_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    done(c, data);
}

static void ml_destroy(pf_component *c) { free(c); }

static const pf_component_ops ml_ops = {ml_start, ml_shutdown, ml_destroy};

static pf_component *ml_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    memory_limiter *m = pf_xcalloc(1, sizeof(*m));
    m->base.ops = &ml_ops;
    m->base.id = args->id;
    m->next = args->next;
    m->base.consumer =
        (pf_consumer){.consume = ml_consume, .data = m, .ready = ml_ready, .durable = ml_durable, .ready_via = args->next};
    m->refused = pf_counter1("proflow_processor_memory_limiter_refused_samples_total",
                             "Samples refused because the memory limit was reached", "processor", args->id);
    return &m->base;
}

const pf_factory pf_processor_memory_limiter_factory = {
    .type = "memory_limiter",
    .kind = PF_KIND_PROCESSOR,
    .stability = "beta",
    .description = "Sets proflow's process-wide memory budget (receivers refuse requests before reading them once it "
                   "is reached) and refuses data while the process is over it",
    .config_map = pf_memory_limiter_cfg_map,
    .config_size = sizeof(pf_memory_limiter_config),
    .validate = pf_memory_limiter_validate,
    .create = ml_create,
};
