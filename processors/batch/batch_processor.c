/* batch_processor.c — the Collector's batch processor for profiles: requests are merged (dictionaries
 * re-interned, equal resources/scopes merged) until send_batch_size samples or `timeout`, then sent,
 * split to send_batch_max_size. Deliberately unlike the Collector, a request of at least half of
 * send_batch_size samples (and within send_batch_max_size) is not merged but passed on at once, as
 * it came: profile requests are often that large, merging two of them saves at most half the exports
 * but re-encodes them, and sent alone they keep their received bytes for verbatim forwarding. One pending batch ("shard") per tenant + metadata_keys values, so a
 * batch never mixes tenants; at most metadata_cardinality_limit shards exist at once. */
#include "processors/batch/batch_processor.h"

#include <string.h>

#include "pipeline/model/ack.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/model/wire.h"
#include "processors/batch/merge.h"

typedef struct batch_processor batch_processor;

typedef struct shard {
    batch_processor *owner;
    char *key;        /* tenant + metadata values, NUL-separated text */
    pf_merge *merge;  /* NULL when empty or holding one batch */
    pf_batch *single; /* the shard's only batch, kept as it came: sent alone it needs no merge and keeps
                         its received bytes for verbatim forwarding (pipeline/model/wire.h) */
    pf_ack_set acks;  /* acknowledgements of the pending requests, held until the batch is handed on */
    uv_timer_t timer;
    struct shard *next;
} shard;

struct batch_processor {
    pf_component base;
    const batch_processor_config *cfg;
    pf_consumer *next;
    uv_loop_t *loop;
    shard *shards;
    size_t n_shards;
    bool stopping;
    size_t closing;
    pf_metric *sent_size, *sent_timeout, *sent_shutdown, *refused_cardinality, *downstream_failed;
    pf_log_limiter failure_log;
};

static char *shard_key(const batch_processor *bp, const pf_batch *b)
{
    pf_buf k = {0};
    const char *tenant = b->meta.tenant;
    pf_buf_printf(&k, "tenant=%s", tenant ? tenant : "");
    for (size_t i = 0; i < bp->cfg->metadata_keys.n; i++) {
        const char *v = pf_batch_meta_get(b, bp->cfg->metadata_keys.items[i]);
        pf_buf_printf(&k, "\n%s=%s", bp->cfg->metadata_keys.items[i], v ? v : "");
    }
    pf_buf_append(&k, "", 0);
    return k.data;
}

typedef struct send_ctx {
    batch_processor *bp;
    pf_ack_set *acks;
    pf_status worst;
    pf_error err;
} send_ctx;

static void send_piece(pf_batch *piece, void *data)
{
    send_ctx *ctx = data;
    batch_processor *bp = ctx->bp;
    size_t samples = pf_batch_sample_count(piece);
    pf_error err = {.retry_after_s = 0};
    pf_ack_set_attach(ctx->acks, piece);
    pf_status st = pf_consumer_consume(bp->next, piece, &err);
    if (st != PF_OK) {
        if (ctx->worst == PF_OK) ctx->err = err;
        if (ctx->worst != PF_PERMANENT) ctx->worst = st;
        if (ctx->acks->n) {
            pf_log_limited(&bp->failure_log, 10, PF_LOG_WARN, bp->base.id,
                           "the next component refused a batch of %zu samples; its requests are refused: %s", samples,
                           err.msg);
            return;
        }
        pf_metric_add(bp->downstream_failed, (double)samples);
        pf_log_limited(&bp->failure_log, 10, PF_LOG_WARN, bp->base.id, "sending a batch of %zu samples failed: %s",
                       samples, err.msg);
    }
}

static void flush(shard *s, pf_metric *trigger)
{
    batch_processor *bp = s->owner;
    uv_timer_stop(&s->timer);
    pf_merge *m = s->merge;
    pf_batch *b = s->single;
    s->merge = NULL;
    s->single = NULL;
    pf_ack_set acks = s->acks;
    s->acks = (pf_ack_set){0};
    if (m) {
        b = pf_merge_take(m);
        pf_merge_free(m);
    } else if (b && pf_batch_profile_count(b) == 0) {
        pf_batch_unref(b); /* like a merge of nothing: no empty request goes on */
        b = NULL;
    }
    if (!b) {
        pf_ack_set_release(&acks, PF_OK, NULL);
        return;
    }
    pf_metric_add(trigger, 1);
    send_ctx ctx = {.bp = bp, .acks = &acks, .worst = PF_OK};
    size_t max = (size_t)bp->cfg->send_batch_max_size;
    if (max > 0 && pf_batch_sample_count(b) > max) {
        pf_batch_split(b, max, send_piece, &ctx);
        pf_batch_unref(b);
    } else {
        send_piece(b, &ctx);
    }
    /* Downstream holds the acks it needs (a persistent queue until written); ours go now. */
    pf_ack_set_release(&acks, ctx.worst, ctx.err.msg);
}

static void on_timeout(uv_timer_t *t)
{
    shard *s = t->data;
    flush(s, s->owner->sent_timeout);
}

static shard *find_shard(batch_processor *bp, const pf_batch *b, pf_error *err)
{
    char *key = shard_key(bp, b);
    for (shard *s = bp->shards; s; s = s->next) {
        if (strcmp(s->key, key) == 0) {
            free(key);
            return s;
        }
    }
    if (bp->cfg->metadata_cardinality_limit > 0 && bp->n_shards >= (size_t)bp->cfg->metadata_cardinality_limit) {
        pf_error_set(err, "too many batcher metadata-value combinations (metadata_cardinality_limit %lld)",
                     (long long)bp->cfg->metadata_cardinality_limit);
        free(key);
        return NULL;
    }
    shard *s = pf_xcalloc(1, sizeof(*s));
    s->owner = bp;
    s->key = key;
    uv_timer_init(bp->loop, &s->timer);
    s->timer.data = s;
    s->next = bp->shards;
    bp->shards = s;
    bp->n_shards++;
    return s;
}

static pf_status batch_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    batch_processor *bp = self->data;
    if (bp->stopping) {
        pf_batch_unref(b);
        pf_error_set(err, "batch processor %s is shutting down", bp->base.id);
        return PF_RETRYABLE;
    }
    shard *s = find_shard(bp, b, err);
    if (!s) {
        pf_metric_add(bp->refused_cardinality, (double)pf_batch_sample_count(b));
        pf_batch_unref(b);
        return PF_PERMANENT;
    }
    size_t samples = pf_batch_sample_count(b), size = (size_t)bp->cfg->send_batch_size;
    size_t max = (size_t)bp->cfg->send_batch_max_size;
    if (size > 0 && samples * 2 >= size && (max == 0 || samples <= max)) {
        /* Big enough on its own: merging it would at most halve the number of exports, at the price of
         * re-encoding it (and of the verbatim fast path, pipeline/model/wire.h) and of the copy a merge
         * makes (half the memory a large request costs on its way through). It goes on at once, with
         * its acknowledgements (downstream holds them if it must), and the receiver gets the next
         * component's answer. */
        pf_metric_add(bp->sent_size, 1);
        pf_error derr = {{0}, 0};
        pf_status st = pf_consumer_consume(bp->next, b, &derr);
        if (st != PF_OK) {
            pf_metric_add(bp->downstream_failed, (double)samples);
            pf_log_limited(&bp->failure_log, 10, PF_LOG_WARN, bp->base.id, "sending a batch of %zu samples failed: %s",
                           samples, derr.msg);
            if (err) *err = derr;
        }
        return st;
    }
    size_t pending;
    if (!pf_batch_materialize(b)) { /* merging reads the tree (a lazy batch is decoded here) */
        pf_batch_unref(b);
        pf_error_set(err, "the request could not be decoded");
        return PF_PERMANENT;
    }
    /* Acknowledgement waits for the flush when a persistent queue is downstream (pipeline/model/ack.h). */
    if (pf_batch_has_acks(b) && pf_consumer_durable(bp->next)) pf_batch_hold_acks(b, &s->acks);
    if (!s->merge && !s->single) {
        s->single = b;
        pending = pf_batch_sample_count(b);
    } else {
        if (!s->merge) {
            s->merge = pf_merge_new(s->single);
            pf_merge_add_batch(s->merge, s->single);
            pf_batch_unref(s->single);
            s->single = NULL;
        }
        pf_merge_add_batch(s->merge, b);
        pf_batch_unref(b);
        pending = pf_merge_samples(s->merge);
    }
    if (bp->cfg->send_batch_size > 0 && pending >= (size_t)bp->cfg->send_batch_size)
        flush(s, bp->sent_size);
    else if (!uv_is_active((uv_handle_t *)&s->timer))
        uv_timer_start(&s->timer, on_timeout, (uint64_t)(bp->cfg->timeout / 1000000), 0);
    return PF_OK;
}

static void on_shard_closed(uv_handle_t *h)
{
    shard *s = h->data;
    batch_processor *bp = s->owner;
    free(s->key);
    free(s);
    if (--bp->closing == 0) pf_component_shutdown_end(bp);
}

static void batch_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    batch_processor *bp = (batch_processor *)c;
    bp->stopping = true;
    pf_component_shutdown_begin(c, done, data);
    shard *list = bp->shards;
    bp->shards = NULL;
    bp->closing = bp->n_shards;
    bp->n_shards = 0;
    if (!list) {
        pf_component_shutdown_end(c);
        return;
    }
    while (list) {
        shard *s = list;
        list = s->next;
        flush(s, bp->sent_shutdown);
        uv_close((uv_handle_t *)&s->timer, on_shard_closed);
    }
}

static void batch_destroy(pf_component *c) { free(c); }

static const pf_component_ops batch_ops = {
    .shutdown = batch_shutdown, .destroy = batch_destroy, .consume = batch_consume};

pf_component *batch_processor_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    batch_processor *bp = pf_xcalloc(1, sizeof(*bp));
    pf_component_init(&bp->base, &batch_ops, args);
    bp->base.consumer.wire_ok = true; /* passes big batches on as they came; decodes the ones it merges */
    bp->cfg = args->config;
    bp->next = args->next;
    bp->loop = args->loop;
    char *labels = pf_xasprintf("processor=\"%s\",trigger=\"size\"", args->id);
    static const char sent_help[] = "Batches sent, by what triggered the send";
    bp->sent_size = pf_counter("proflow_processor_batch_batches_sent_total", sent_help, labels);
    free(labels);
    labels = pf_xasprintf("processor=\"%s\",trigger=\"timeout\"", args->id);
    bp->sent_timeout = pf_counter("proflow_processor_batch_batches_sent_total", sent_help, labels);
    free(labels);
    labels = pf_xasprintf("processor=\"%s\",trigger=\"shutdown\"", args->id);
    bp->sent_shutdown = pf_counter("proflow_processor_batch_batches_sent_total", sent_help, labels);
    free(labels);
    bp->refused_cardinality =
        pf_counter1("proflow_processor_batch_refused_samples_total",
                    "Samples refused because metadata_cardinality_limit was reached", "processor", args->id);
    bp->downstream_failed =
        pf_counter1("proflow_processor_batch_send_failed_samples_total",
                    "Samples of batches the next component refused (dropped)", "processor", args->id);
    return &bp->base;
}
