/* component.c — small helpers of the component model (see component.h). */
#include "pipeline/component/component.h"
#include "pipeline/model/wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pf_error_set(pf_error *err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

const char *pf_kind_name(pf_kind kind)
{
    switch (kind) {
    case PF_KIND_RECEIVER: return "receiver";
    case PF_KIND_PROCESSOR: return "processor";
    case PF_KIND_EXPORTER: return "exporter";
    case PF_KIND_EXTENSION: return "extension";
    }
    return "unknown";
}

pf_status pf_consumer_consume_decoded(pf_consumer *c, pf_batch *b, pf_error *err)
{
    if (!pf_batch_materialize(b)) {
        pf_batch_unref(b);
        pf_error_set(err, "the request could not be decoded");
        return PF_PERMANENT;
    }
    return c->consume(c, b, err);
}

bool pf_component_start_nothing(pf_component *c, pf_host *host, pf_error *err)
{
    (void)c;
    (void)host;
    (void)err;
    return true;
}

void pf_component_shutdown_now(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    done(c, data);
}

void pf_component_free(pf_component *c) { free(c); }

void pf_component_init(pf_component *c, const pf_component_ops *ops, const pf_create_args *args)
{
    static const pf_component_ops none = {0};
    if (!ops) ops = &none;
    c->own_ops = *ops;
    if (!c->own_ops.start) c->own_ops.start = pf_component_start_nothing;
    if (!c->own_ops.shutdown) c->own_ops.shutdown = pf_component_shutdown_now;
    if (!c->own_ops.destroy) c->own_ops.destroy = pf_component_free;
    c->ops = &c->own_ops;
    c->id = args->id;
    c->factory = args->factory;
    if (ops->consume)
        c->consumer = (pf_consumer){.consume = ops->consume,
                                    .ready = ops->ready,
                                    .durable = ops->durable,
                                    .data = c,
                                    .ready_via = ops->ready && ops->durable ? NULL : args->next};
}

void pf_component_shutdown_begin(pf_component *c, pf_done_cb done, void *data)
{
    c->shutdown_done = done;
    c->shutdown_data = data;
}

void pf_component_shutdown_end(void *component)
{
    pf_component *c = component;
    pf_done_cb done = c->shutdown_done;
    c->shutdown_done = NULL;
    if (done) done(c, c->shutdown_data);
}
