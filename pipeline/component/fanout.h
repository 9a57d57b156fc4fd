/* fanout.h — consumers that connect components: a fan-out to several consumers, and a counting
 * pass-through the service puts around processors for the otelcol_processor_* metrics.
 *
 * Fan-out hands each target its own reference to the same batch (targets that modify it call
 * pf_batch_make_writable, which clones only then) and answers with the worst status of all:
 * PF_PERMANENT over PF_RETRYABLE over PF_OK. Ownership: the service creates and frees both kinds. */
#ifndef PF_FANOUT_H
#define PF_FANOUT_H

#include "pipeline/component/component.h"
#include "pipeline/base/telemetry.h"

typedef struct pf_fanout {
    pf_consumer consumer; /* what upstream calls */
    pf_consumer **targets;
    size_t n_targets;
} pf_fanout;

pf_fanout *pf_fanout_new(void);
void pf_fanout_add(pf_fanout *f, pf_consumer *target);
void pf_fanout_free(pf_fanout *f);

typedef struct pf_counting_consumer {
    pf_consumer consumer;
    pf_consumer *next;
    pf_metric *items;   /* samples passed */
    pf_metric *refused; /* samples refused by next */
} pf_counting_consumer;

/* metric names e.g. "otelcol_processor_incoming_items"; labels e.g. `processor="batch",otel_signal="profiles"`. */
pf_counting_consumer *pf_counting_consumer_new(pf_consumer *next, const char *metric, const char *refused_metric,
                                               const char *labels);
void pf_counting_consumer_free(pf_counting_consumer *c);

#endif
