/* exporter_helper.c — sending queue, concurrent sends, retries and shutdown drain for exporters
 * (see exporter_helper.h).
 *
 * An item is queued (FIFO, counted against queue_size) until a consumer slot is free, then active
 * for the rest of its life: sending, or waiting for its retry time. Like the Collector's consumers,
 * a batch waiting to be retried keeps its slot, so at most num_consumers batches are active. One
 * timer serves every retry (the earliest due one); a second one is the shutdown deadline and also
 * delivers the shutdown callback from the loop. */
#include "exporters/helper/exporter_helper.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

#define NS_PER_MS 1000000

typedef enum item_state { ITEM_QUEUED, ITEM_SENDING, ITEM_WAITING } item_state;

/* What queue_size counts (sending_queue.sizer). */
typedef enum queue_sizer { SIZER_REQUESTS, SIZER_BYTES, SIZER_ITEMS } queue_sizer;

struct pf_export_attempt {
    pf_exporter_helper *helper;
    pf_batch *batch;
    size_t size;    /* in sizer units */
    size_t samples;
    item_state state;
    uint64_t first_attempt_ms;
    uint64_t due_ms; /* ITEM_WAITING: when to try again */
    unsigned retries;
    void *exporter_state; /* pf_export_attempt_set_state */
    void (*free_exporter_state)(void *state);
    struct pf_export_attempt *prev, *next;
};
typedef struct pf_export_attempt item;

typedef struct item_list {
    item *head, *tail;
    size_t n;
} item_list;

struct pf_exporter_helper {
    pf_consumer consumer;
    uv_loop_t *loop;
    char *id;
    pf_export_send_fn send;
    pf_export_abort_fn abort_sends;
    void *ctx;

    int64_t timeout_ns;
    pf_retry_config retry;
    bool queue_enabled, block_on_overflow;
    queue_sizer sizer;
    size_t num_consumers, capacity;

    item_list queue;
    size_t queued_size;
    item_list active;
    bool pumping;

    uv_timer_t retry_timer;
    uv_timer_t shutdown_timer;
    int open_handles;
    bool shutting_down, deadline_passed, shutdown_reported;
    void (*shutdown_done)(void *data);
    void *shutdown_data;
    uint64_t rng;

    pf_metric *sent_samples, *failed_samples, *enqueue_failed_samples, *queue_size_gauge, *queue_capacity_gauge;
    pf_metric *retries_total, *sent_bytes;
    pf_log_limiter drop_log, enqueue_log;
};

/* ---- lists ---- */

static void list_push(item_list *l, item *it)
{
    it->next = NULL;
    it->prev = l->tail;
    if (l->tail) l->tail->next = it;
    else l->head = it;
    l->tail = it;
    l->n++;
}

static void list_remove(item_list *l, item *it)
{
    if (it->prev) it->prev->next = it->next;
    else l->head = it->next;
    if (it->next) it->next->prev = it->prev;
    else l->tail = it->prev;
    it->prev = it->next = NULL;
    l->n--;
}

/* ---- backoff ---- */

int64_t pf_backoff_delay_ns(const pf_retry_config *cfg, unsigned retry, double random01, uint32_t retry_after_s)
{
    double interval = (double)cfg->initial_interval;
    for (unsigned i = 1; i < retry && interval < (double)cfg->max_interval; i++) interval *= cfg->multiplier;
    if (interval > (double)cfg->max_interval) interval = (double)cfg->max_interval;
    double spread = interval * cfg->randomization_factor;
    double delay = interval - spread + random01 * 2 * spread;
    double asked = (double)retry_after_s * 1e9;
    if (asked > delay) delay = asked;
    return delay < 1 ? 1 : (int64_t)delay;
}

static double next_random(pf_exporter_helper *h)
{
    /* xorshift64*: jitter only needs to de-synchronise retries, not be unpredictable. */
    h->rng ^= h->rng >> 12;
    h->rng ^= h->rng << 25;
    h->rng ^= h->rng >> 27;
    return (double)((h->rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* ---- metrics and drops ---- */

static void update_queue_gauge(pf_exporter_helper *h)
{
    pf_metric_set(h->queue_size_gauge, (double)h->queued_size);
}

static void drop(pf_exporter_helper *h, item *it, const char *reason)
{
    pf_metric_add(h->failed_samples, (double)it->samples);
    pf_log_limited(&h->drop_log, 10, PF_LOG_ERROR, h->id, "dropping %zu profile samples: %s", it->samples, reason);
}

void pf_export_attempt_set_state(pf_export_attempt *it, void *state, void (*free_state)(void *state))
{
    if (it->free_exporter_state) it->free_exporter_state(it->exporter_state);
    it->exporter_state = state;
    it->free_exporter_state = free_state;
}

void *pf_export_attempt_state(const pf_export_attempt *it)
{
    return it->exporter_state;
}

static void free_item(item *it)
{
    if (it->free_exporter_state) it->free_exporter_state(it->exporter_state);
    pf_batch_unref(it->batch);
    free(it);
}

/* ---- sending ---- */

static void maybe_finish_shutdown(pf_exporter_helper *h);
static void arm_retry_timer(pf_exporter_helper *h);

static void start_attempt(pf_exporter_helper *h, item *it)
{
    it->state = ITEM_SENDING;
    h->send(h->ctx, it->batch, h->timeout_ns, it);
}

/* Moves queued items into free consumer slots. Re-entrant calls (a send that completes
 * synchronously) return at once; the outer loop picks up the freed slot. */
static void pump(pf_exporter_helper *h)
{
    if (h->pumping) return;
    h->pumping = true;
    while (!h->deadline_passed && h->queue.head && h->active.n < h->num_consumers) {
        item *it = h->queue.head;
        list_remove(&h->queue, it);
        h->queued_size -= it->size;
        update_queue_gauge(h);
        list_push(&h->active, it);
        it->first_attempt_ms = uv_now(h->loop);
        start_attempt(h, it);
    }
    h->pumping = false;
}

static void finish_item(pf_exporter_helper *h, item *it)
{
    list_remove(&h->active, it);
    free_item(it);
    pump(h);
    maybe_finish_shutdown(h);
}

static void schedule_retry(pf_exporter_helper *h, item *it, const pf_error *err)
{
    const char *why = err && err->msg[0] ? err->msg : "retryable error";
    char reason[700];
    if (!h->retry.enabled) {
        snprintf(reason, sizeof(reason), "retry_on_failure disabled: %s", why);
        drop(h, it, reason);
        finish_item(h, it);
        return;
    }
    uint64_t now = uv_now(h->loop);
    int64_t delay_ns = pf_backoff_delay_ns(&h->retry, it->retries + 1, next_random(h), err ? err->retry_after_s : 0);
    uint64_t delay_ms = (uint64_t)((delay_ns + NS_PER_MS - 1) / NS_PER_MS);
    uint64_t elapsed_ms = now - it->first_attempt_ms;
    if (h->retry.max_elapsed_time > 0 && (int64_t)(elapsed_ms + delay_ms) * NS_PER_MS > h->retry.max_elapsed_time) {
        snprintf(reason, sizeof(reason), "no more retries left after %u retries over %.3fs (max_elapsed_time): %s",
                 it->retries, (double)elapsed_ms / 1000, why);
        drop(h, it, reason);
        finish_item(h, it);
        return;
    }
    if (h->deadline_passed) {
        snprintf(reason, sizeof(reason), "shutdown deadline passed while retrying: %s", why);
        drop(h, it, reason);
        finish_item(h, it);
        return;
    }
    it->retries++;
    it->state = ITEM_WAITING;
    it->due_ms = now + delay_ms;
    pf_metric_add(h->retries_total, 1);
    pf_log(PF_LOG_DEBUG, h->id, "retrying %zu profile samples in %llu ms: %s", it->samples,
           (unsigned long long)delay_ms, why);
    arm_retry_timer(h);
}

void pf_export_done(pf_export_attempt *it, pf_status status, const pf_error *err, size_t bytes_sent)
{
    pf_exporter_helper *h = it->helper;
    char reason[700];
    switch (status) {
    case PF_OK:
        pf_metric_add(h->sent_samples, (double)it->samples);
        pf_metric_add(h->sent_bytes, (double)bytes_sent);
        finish_item(h, it);
        return;
    case PF_PERMANENT:
        snprintf(reason, sizeof(reason), "permanent error: %s", err && err->msg[0] ? err->msg : "(no details)");
        drop(h, it, reason);
        finish_item(h, it);
        return;
    case PF_RETRYABLE:
        schedule_retry(h, it, err);
        return;
    }
}

static void on_retry_timer(uv_timer_t *t)
{
    pf_exporter_helper *h = t->data;
    uint64_t now = uv_now(h->loop);
    /* A synchronous send may finish or re-schedule items while we walk, so restart the walk after
     * every attempt; items just re-scheduled are due in the future and are skipped. */
    for (;;) {
        item *due = NULL;
        for (item *it = h->active.head; it; it = it->next)
            if (it->state == ITEM_WAITING && it->due_ms <= now) {
                due = it;
                break;
            }
        if (!due) break;
        start_attempt(h, due);
    }
    arm_retry_timer(h);
}

static void arm_retry_timer(pf_exporter_helper *h)
{
    uint64_t earliest = UINT64_MAX;
    for (item *it = h->active.head; it; it = it->next)
        if (it->state == ITEM_WAITING && it->due_ms < earliest) earliest = it->due_ms;
    if (earliest == UINT64_MAX) {
        uv_timer_stop(&h->retry_timer);
        return;
    }
    uint64_t now = uv_now(h->loop);
    uv_timer_start(&h->retry_timer, on_retry_timer, earliest > now ? earliest - now : 0, 0);
}

/* ---- consumer ---- */

static pf_status refuse(pf_exporter_helper *h, pf_batch *b, size_t samples, pf_status st, pf_error *err,
                        uint32_t retry_after_s, const char *why)
{
    pf_metric_add(h->enqueue_failed_samples, (double)samples);
    pf_log_limited(&h->enqueue_log, 10, PF_LOG_WARN, h->id, "refusing %zu profile samples: %s", samples, why);
    pf_error_set(err, "%s: %s", h->id, why);
    if (err) err->retry_after_s = retry_after_s;
    pf_batch_unref(b);
    return st;
}

/* A batch's share of queue_size. Counted in items, a batch without samples still takes one, so that
 * the queue stays bounded. */
static size_t batch_size(const pf_exporter_helper *h, pf_batch *b, size_t samples)
{
    switch (h->sizer) {
    case SIZER_BYTES: return pf_batch_packed_size(b);
    case SIZER_ITEMS: return samples > 0 ? samples : 1;
    case SIZER_REQUESTS: break;
    }
    return 1;
}

static queue_sizer sizer_named(const char *name)
{
    if (name && strcmp(name, "bytes") == 0) return SIZER_BYTES;
    if (name && strcmp(name, "items") == 0) return SIZER_ITEMS;
    return SIZER_REQUESTS;
}

static pf_status helper_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    pf_exporter_helper *h = self->data;
    size_t samples = pf_batch_sample_count(b);
    if (h->shutting_down) return refuse(h, b, samples, PF_RETRYABLE, err, 0, "exporter is shutting down");
    if (!h->queue_enabled && h->active.n >= h->num_consumers)
        return refuse(h, b, samples, PF_RETRYABLE, err, 0, "all consumers are busy (sending_queue disabled)");
    size_t size = batch_size(h, b, samples);
    if (h->queue_enabled && size > h->capacity) {
        char why[160];
        snprintf(why, sizeof(why), "batch of %zu %s is larger than the queue capacity %zu", size,
                 h->sizer == SIZER_BYTES ? "bytes" : "samples", h->capacity);
        return refuse(h, b, samples, PF_PERMANENT, err, 0, why);
    }
    if (h->queue_enabled && h->queued_size + size > h->capacity)
        return refuse(h, b, samples, PF_RETRYABLE, err, h->block_on_overflow ? 1 : 0, "sending queue is full");

    item *it = pf_xcalloc(1, sizeof(*it));
    it->helper = h;
    it->batch = b;
    it->size = size;
    it->samples = samples;
    it->state = ITEM_QUEUED;
    list_push(&h->queue, it);
    h->queued_size += size;
    update_queue_gauge(h);
    pump(h);
    return PF_OK;
}

/* Readiness: would helper_consume take a typical batch now? (Size-based queues check for any room.) */
static bool helper_ready(pf_consumer *self)
{
    pf_exporter_helper *h = self->data;
    if (h->shutting_down) return false;
    if (!h->queue_enabled) return h->active.n < h->num_consumers;
    return h->queued_size < h->capacity;
}

/* ---- lifecycle ---- */

pf_exporter_helper *pf_exporter_helper_new(uv_loop_t *loop, const char *exporter_id,
                                           const pf_exporter_helper_config *cfg, pf_export_send_fn send,
                                           pf_export_abort_fn abort_sends, void *ctx)
{
    pf_exporter_helper *h = pf_xcalloc(1, sizeof(*h));
    h->consumer.consume = helper_consume;
    h->consumer.wire_ok = true; /* queues; sends that read the tree decode (pf_client_decoded) */
    h->consumer.ready = helper_ready;
    h->consumer.data = h;
    h->loop = loop;
    h->id = pf_xstrdup(exporter_id);
    h->send = send;
    h->abort_sends = abort_sends;
    h->ctx = ctx;
    h->timeout_ns = cfg->timeout;
    h->retry = cfg->retry_on_failure;
    h->queue_enabled = cfg->sending_queue.enabled;
    h->sizer = sizer_named(cfg->sending_queue.sizer);
    h->block_on_overflow = cfg->sending_queue.block_on_overflow;
    h->num_consumers = cfg->sending_queue.num_consumers > 0 ? (size_t)cfg->sending_queue.num_consumers : 1;
    h->capacity = cfg->sending_queue.queue_size > 0 ? (size_t)cfg->sending_queue.queue_size : 1;
    h->rng = uv_hrtime() | 1;

    uv_timer_init(loop, &h->retry_timer);
    uv_timer_init(loop, &h->shutdown_timer);
    h->retry_timer.data = h->shutdown_timer.data = h;
    h->open_handles = 2;

    char *labels = pf_xasprintf("exporter=\"%s\"", exporter_id);
    h->sent_samples = pf_counter("otelcol_exporter_sent_profile_samples",
                                 "Profile samples successfully sent to the destination.", labels);
    h->failed_samples = pf_counter("otelcol_exporter_send_failed_profile_samples",
                                   "Profile samples that failed to be sent (dropped).", labels);
    h->enqueue_failed_samples = pf_counter("otelcol_exporter_enqueue_failed_profile_samples",
                                           "Profile samples refused by the sending queue.", labels);
    h->queue_size_gauge = pf_gauge("otelcol_exporter_queue_size", "Current size of the sending queue.", labels);
    h->queue_capacity_gauge = pf_gauge("otelcol_exporter_queue_capacity", "Capacity of the sending queue.", labels);
    h->retries_total = pf_counter("proflow_exporter_retries_total", "Send attempts that were retries.", labels);
    h->sent_bytes = pf_counter("proflow_exporter_sent_bytes_total", "Bytes of successfully sent requests.", labels);
    free(labels);
    pf_metric_set(h->queue_capacity_gauge, (double)h->capacity);
    update_queue_gauge(h);
    return h;
}

pf_consumer *pf_exporter_helper_consumer(pf_exporter_helper *h)
{
    return &h->consumer;
}

size_t pf_exporter_helper_queue_size(const pf_exporter_helper *h)
{
    return h->queued_size;
}

size_t pf_exporter_helper_in_flight(const pf_exporter_helper *h)
{
    return h->active.n;
}

static void on_shutdown_reported(uv_timer_t *t)
{
    pf_exporter_helper *h = t->data;
    h->shutdown_done(h->shutdown_data);
}

static void maybe_finish_shutdown(pf_exporter_helper *h)
{
    if (!h->shutting_down || h->shutdown_reported || h->queue.n || h->active.n) return;
    h->shutdown_reported = true;
    uv_timer_stop(&h->retry_timer);
    /* Reported from the loop, so the owner may free the helper in its callback. */
    uv_timer_start(&h->shutdown_timer, on_shutdown_reported, 0, 0);
}

static void on_deadline(uv_timer_t *t)
{
    pf_exporter_helper *h = t->data;
    h->deadline_passed = true;
    while (h->queue.head) {
        item *it = h->queue.head;
        list_remove(&h->queue, it);
        h->queued_size -= it->size;
        drop(h, it, "shutdown deadline passed before it could be sent");
        free_item(it);
    }
    update_queue_gauge(h);
    for (item *it = h->active.head, *next; it; it = next) {
        next = it->next;
        if (it->state != ITEM_WAITING) continue;
        list_remove(&h->active, it);
        drop(h, it, "shutdown deadline passed while waiting to retry");
        free_item(it);
    }
    uv_timer_stop(&h->retry_timer);
    if (h->active.n && h->abort_sends) h->abort_sends(h->ctx);
    maybe_finish_shutdown(h);
}

void pf_exporter_helper_shutdown(pf_exporter_helper *h, uint64_t deadline_ms, void (*done)(void *data), void *data)
{
    h->shutting_down = true;
    h->shutdown_done = done;
    h->shutdown_data = data;
    uv_timer_start(&h->shutdown_timer, on_deadline, deadline_ms, 0);
    pump(h);
    maybe_finish_shutdown(h);
}

static void on_timer_closed(uv_handle_t *handle)
{
    pf_exporter_helper *h = handle->data;
    if (--h->open_handles > 0) return;
    free(h->id);
    free(h);
}

void pf_exporter_helper_free(pf_exporter_helper *h)
{
    /* Only queued items can be left here (after a failed start, say): active ones keep shutdown from
     * completing. */
    while (h->queue.head) {
        item *it = h->queue.head;
        list_remove(&h->queue, it);
        drop(h, it, "exporter destroyed before it could be sent");
        free_item(it);
    }
    uv_close((uv_handle_t *)&h->retry_timer, on_timer_closed);
    uv_close((uv_handle_t *)&h->shutdown_timer, on_timer_closed);
}
