/* fanout.c — fan-out and counting consumers (see fanout.h). */
#include "pipeline/component/fanout.h"

#include <string.h>

static pf_status worse(pf_status a, pf_status b)
{
    if (a == PF_PERMANENT || b == PF_PERMANENT) return PF_PERMANENT;
    if (a == PF_RETRYABLE || b == PF_RETRYABLE) return PF_RETRYABLE;
    return PF_OK;
}

static pf_status fanout_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    pf_fanout *f = self->data;
    if (f->n_targets == 0) {
        pf_batch_unref(b);
        return PF_OK;
    }
    pf_status result = PF_OK;
    pf_error first = {{0}, 0};
    for (size_t i = 0; i < f->n_targets; i++) {
        pf_batch *mine = i + 1 < f->n_targets ? pf_batch_ref(b) : b;
        pf_error e = {{0}, 0};
        pf_status st = pf_consumer_consume(f->targets[i], mine, &e);
        if (st != PF_OK && result == PF_OK) first = e;
        result = worse(result, st);
    }
    if (result != PF_OK && err) *err = first;
    return result;
}

static bool fanout_ready(pf_consumer *self)
{
    pf_fanout *f = self->data;
    for (size_t i = 0; i < f->n_targets; i++)
        if (!pf_consumer_ready(f->targets[i])) return false;
    return true;
}

static bool fanout_durable(pf_consumer *self)
{
    pf_fanout *f = self->data;
    for (size_t i = 0; i < f->n_targets; i++)
        if (pf_consumer_durable(f->targets[i])) return true;
    return false;
}

pf_fanout *pf_fanout_new(void)
{
    pf_fanout *f = pf_xcalloc(1, sizeof(*f));
    f->consumer.consume = fanout_consume;
    f->consumer.wire_ok = true; /* hands out references; each target decodes if it must */
    f->consumer.ready = fanout_ready;
    f->consumer.durable = fanout_durable;
    f->consumer.data = f;
    return f;
}

void pf_fanout_add(pf_fanout *f, pf_consumer *target)
{
    for (size_t i = 0; i < f->n_targets; i++)
        if (f->targets[i] == target) return;
    f->targets = pf_xrealloc(f->targets, (f->n_targets + 1) * sizeof(*f->targets));
    f->targets[f->n_targets++] = target;
}

void pf_fanout_free(pf_fanout *f)
{
    if (!f) return;
    free(f->targets);
    free(f);
}

static pf_status counting_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    pf_counting_consumer *c = self->data;
    size_t samples = pf_batch_sample_count(b);
    pf_metric_add(c->items, (double)samples);
    pf_status st = pf_consumer_consume(c->next, b, err);
    if (st != PF_OK) pf_metric_add(c->refused, (double)samples);
    return st;
}

pf_counting_consumer *pf_counting_consumer_new(pf_consumer *next, const char *metric, const char *refused_metric,
                                               const char *labels)
{
    pf_counting_consumer *c = pf_xcalloc(1, sizeof(*c));
    c->consumer.consume = counting_consume;
    c->consumer.wire_ok = true; /* counts only; next decodes if it must */
    c->consumer.data = c;
    c->consumer.ready_via = next;
    c->next = next;
    c->items = pf_counter(metric, "Profile samples passed between pipeline stages.", labels);
    c->refused = pf_counter(refused_metric, "Profile samples refused downstream of a pipeline stage.", labels);
    return c;
}

void pf_counting_consumer_free(pf_counting_consumer *c) { free(c); }
