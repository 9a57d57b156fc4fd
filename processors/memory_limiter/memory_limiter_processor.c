/* memory_limiter_processor.c — the memory_limiter processor: the Collector's memory_limiter names (check_interval, limit_mib,
 * spike_limit_mib, limit_percentage, spike_limit_percentage), setting proflow's process-wide memory
 * budget (pipeline/base/memory_budget.h). Unlike the Collector's, the limit is not only enforced here:
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

#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/base/xalloc.h"
#include "processors/memory_limiter/memory_limiter.h"

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

static const pf_component_ops ml_ops = {.consume = ml_consume, .ready = ml_ready, .durable = ml_durable};

pf_component *memory_limiter_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    memory_limiter *m = pf_xcalloc(1, sizeof(*m));
    pf_component_init(&m->base, &ml_ops, args);
    m->base.consumer.wire_ok = true; /* counts and passes on: lazy batches stay lazy (pipeline/model/wire.h) */
    m->next = args->next;
    m->refused = pf_counter1("proflow_processor_memory_limiter_refused_samples_total",
                             "Samples refused because the memory limit was reached", "processor", args->id);
    return &m->base;
}
