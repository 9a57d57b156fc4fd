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
#include <strings.h>

#include <errno.h>
#include <sys/stat.h>

#include "net/compress.h"
#include "pipeline/model/ack.h"
#include "pipeline/storage/file_storage.h"
#include "pipeline/base/log.h"
#include "pipeline/storage/persistent_queue.h"
#include "pipeline/base/telemetry.h"
#include "exporters/helper/exporter_metrics.h"

#define NS_PER_MS 1000000

typedef enum item_state { ITEM_PERSISTING, ITEM_QUEUED, ITEM_LOADING, ITEM_SENDING, ITEM_WAITING } item_state;

/* What queue_size counts (sending_queue.sizer). */
typedef enum queue_sizer { SIZER_REQUESTS, SIZER_BYTES, SIZER_ITEMS } queue_sizer;

#define STORAGE_RETRY_MS 5000

struct pf_export_attempt {
    pf_exporter_helper *helper;
    pf_payload *payload; /* NULL while it is only on disk */
    size_t size;         /* in sizer units */
    size_t samples;
    item_state state;
    bool on_disk;   /* a record in the persistent queue (loc) */
    bool recovered; /* found on disk at start */
    pf_pq_loc loc;
    pf_ack_set acks; /* ITEM_PERSISTING: the acks waiting for the write */
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
    pf_exporter_ops ops;
    void *ctx;

    int64_t timeout_ns;
    pf_retry_config retry;
    bool queue_enabled, block_on_overflow;
    queue_sizer sizer;
    size_t num_consumers, capacity;

    item_list queue;
    size_t queued_size; /* queued and persisting items, in sizer units */
    item_list active;
    item_list persisting;
    bool pumping;

    /* persistent queue (sending_queue.storage) */
    char *storage_id;
    char *storage_dir; /* <file_storage directory>/exporter_<id> */
    pf_pq_options pq_opt;
    pf_pq *pq; /* NULL: no storage, or not usable now (storage_error says why) */
    char storage_error[300];
    uint64_t storage_retry_ms; /* next time a broken storage is tried again */
    bool closing_pq;

    uv_timer_t retry_timer;
    uv_timer_t shutdown_timer;
    int open_handles;
    bool shutting_down, deadline_passed, shutdown_reported;
    void (*shutdown_done)(void *data);
    void *shutdown_data;
    uint64_t rng;
    size_t kept_on_disk, kept_samples; /* shutdown: left in the persistent queue */

    pf_metric *sent_samples, *failed_samples, *enqueue_failed_samples, *queue_size_gauge, *queue_capacity_gauge;
    pf_metric *retries_total, *sent_bytes, *held_bytes_gauge, *disk_bytes_gauge, *recovered_samples, *corrupt_records;
    size_t held_bytes;
    pf_log_limiter drop_log, enqueue_log, corrupt_log;
};

/* ---- lists ---- */

static void list_push(item_list *l, item *it)
{
    it->next = NULL;
    it->prev = l->tail;
    if (l->tail)
        l->tail->next = it;
    else
        l->head = it;
    l->tail = it;
    l->n++;
}

static void list_remove(item_list *l, item *it)
{
    if (it->prev)
        it->prev->next = it->next;
    else
        l->head = it->next;
    if (it->next)
        it->next->prev = it->prev;
    else
        l->tail = it->prev;
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
    pf_metric_set(h->held_bytes_gauge, (double)h->held_bytes);
    if (h->pq) pf_metric_set(h->disk_bytes_gauge, (double)pf_pq_disk_bytes(h->pq));
}

/* The payload an item holds in memory (held_bytes follows it). */
static void item_set_payload(pf_exporter_helper *h, item *it, pf_payload *p)
{
    if (it->payload) h->held_bytes -= it->payload->len;
    pf_payload_unref(it->payload);
    it->payload = p;
    if (p) h->held_bytes += p->len;
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

void *pf_export_attempt_state(const pf_export_attempt *it) { return it->exporter_state; }

/* Frees an item. `settled`: delivered or dropped for good, so its record leaves the persistent queue;
 * otherwise a record stays on disk for the next start. */
static void free_item(pf_exporter_helper *h, item *it, bool settled)
{
    if (it->free_exporter_state) it->free_exporter_state(it->exporter_state);
    if (it->on_disk && settled && h->pq) pf_pq_ack(h->pq, it->loc);
    if (it->acks.n) pf_ack_set_release(&it->acks, PF_RETRYABLE, "exporter stopped before the data was stored");
    item_set_payload(h, it, NULL);
    free(it);
}

/* ---- sending ---- */

static void maybe_finish_shutdown(pf_exporter_helper *h);
static void arm_retry_timer(pf_exporter_helper *h);

static void start_attempt(pf_exporter_helper *h, item *it)
{
    it->state = ITEM_SENDING;
    h->ops.send(h->ctx, it->payload, h->timeout_ns, it);
}

static void finish_item(pf_exporter_helper *h, item *it);

/* A record read back from the persistent queue. */
static void on_loaded(void *ctx, bool ok, const uint8_t *data, size_t len, const char *why)
{
    item *it = ctx;
    pf_exporter_helper *h = it->helper;
    char err[300];
    pf_payload *p = ok ? pf_payload_deserialize(data, len, err, sizeof(err)) : NULL;
    if (!p) {
        pf_metric_add(h->corrupt_records, 1);
        char reason[400];
        snprintf(reason, sizeof(reason), "persistent queue record unreadable: %s", ok ? err : why);
        pf_log_limited(&h->corrupt_log, 60, PF_LOG_WARN, h->id, "skipping a queued record: %s", reason);
        drop(h, it, reason);
        finish_item(h, it);
        return;
    }
    item_set_payload(h, it, p);
    if (h->deadline_passed || (h->shutting_down && h->pq)) {
        /* Stopping: the record stays on disk for the next start. */
        list_remove(&h->active, it);
        h->kept_on_disk++;
        h->kept_samples += it->samples;
        free_item(h, it, false);
        maybe_finish_shutdown(h);
        return;
    }
    start_attempt(h, it);
}

/* With storage, shutdown sends nothing new: what is queued stays on disk. */
static bool may_start_new(const pf_exporter_helper *h) { return !h->deadline_passed && !(h->shutting_down && h->pq); }

/* Moves queued items into free consumer slots. Re-entrant calls (a send that completes
 * synchronously) return at once; the outer loop picks up the freed slot. */
static void pump(pf_exporter_helper *h)
{
    if (h->pumping) return;
    h->pumping = true;
    while (may_start_new(h) && h->queue.head && h->active.n < h->num_consumers) {
        item *it = h->queue.head;
        list_remove(&h->queue, it);
        h->queued_size -= it->size;
        update_queue_gauge(h);
        list_push(&h->active, it);
        it->first_attempt_ms = uv_now(h->loop);
        if (it->payload) {
            start_attempt(h, it);
        } else {
            it->state = ITEM_LOADING;
            pf_pq_read(h->pq, it->loc, on_loaded, it);
        }
    }
    h->pumping = false;
}

/* Delivered or dropped for good. */
static void finish_item(pf_exporter_helper *h, item *it)
{
    list_remove(&h->active, it);
    free_item(h, it, true);
    update_queue_gauge(h);
    pump(h);
    maybe_finish_shutdown(h);
}

/* Stopping with storage: the item's record stays on disk. */
static void keep_on_disk(pf_exporter_helper *h, item *it)
{
    list_remove(&h->active, it);
    h->kept_on_disk++;
    h->kept_samples += it->samples;
    free_item(h, it, false);
    update_queue_gauge(h);
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
    if (it->on_disk && (h->deadline_passed || h->shutting_down)) {
        keep_on_disk(h, it);
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
    case PF_RETRYABLE: schedule_retry(h, it, err); return;
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

/* ---- persistent queue ---- */

static void on_recovered(void *ctx, pf_pq_loc loc, const uint8_t *data, size_t len)
{
    pf_exporter_helper *h = ctx;
    /* The counts are at the start of the record (payload.c: u8 version, u64 samples, ...); a record
     * that does not parse is found out when it is read back, and skipped then. */
    uint64_t samples = 0;
    if (len >= 9)
        for (int i = 7; i >= 0; i--) samples = samples << 8 | data[1 + i];
    item *it = pf_xcalloc(1, sizeof(*it));
    it->helper = h;
    it->samples = (size_t)samples;
    it->size = h->sizer == SIZER_BYTES ? len : h->sizer == SIZER_ITEMS ? (samples ? (size_t)samples : 1) : 1;
    it->on_disk = true;
    it->recovered = true;
    it->loc = loc;
    it->state = ITEM_QUEUED;
    list_push(&h->queue, it);
    h->queued_size += it->size;
}

/* Opens the exporter's queue directory; false with storage_error set. */
static bool open_storage(pf_exporter_helper *h)
{
    if (mkdir(h->storage_dir, 0750) != 0 && errno != EEXIST) {
        snprintf(h->storage_error, sizeof(h->storage_error), "persistent queue unavailable: cannot create %s: %s",
                 h->storage_dir, strerror(errno));
        return false;
    }
    pf_pq_stats st;
    char err[256];
    size_t before = h->queue.n;
    h->pq = pf_pq_open(h->loop, h->storage_dir, &h->pq_opt, on_recovered, h, &st, err, sizeof(err));
    if (!h->pq) {
        snprintf(h->storage_error, sizeof(h->storage_error), "persistent queue unavailable: %s", err);
        return false;
    }
    h->storage_error[0] = '\0';
    size_t samples = 0;
    for (item *it = h->queue.head; it; it = it->next)
        if (it->recovered) samples += it->samples;
    pf_metric_add(h->recovered_samples, (double)samples);
    pf_metric_add(h->corrupt_records, (double)st.corrupt);
    if (st.records || st.corrupt || st.unsupported_files)
        pf_log(PF_LOG_INFO, h->id,
               "persistent queue %s: resuming %zu batch(es) (%zu profile samples) left by an earlier run; %zu corrupt "
               "record(s) skipped, %zu file(s) of another format set aside",
               h->storage_dir, h->queue.n - before, samples, st.corrupt, st.unsupported_files);
    update_queue_gauge(h);
    return true;
}

/* Storage that could not be opened is tried again at most every STORAGE_RETRY_MS. */
static bool storage_usable(pf_exporter_helper *h)
{
    if (h->pq) return true;
    uint64_t now = uv_now(h->loop);
    if (now < h->storage_retry_ms) return false;
    h->storage_retry_ms = now + STORAGE_RETRY_MS;
    if (!open_storage(h)) return false;
    pf_log(PF_LOG_INFO, h->id, "persistent queue %s is usable again", h->storage_dir);
    pump(h);
    return true;
}

bool pf_exporter_helper_start(pf_exporter_helper *h, pf_host *host, pf_error *err)
{
    if (!h->storage_id) return true;
    const pf_file_storage_config *fs = pf_host_capability(host, h->storage_id, PF_FILE_STORAGE_CAPABILITY);
    if (!fs) {
        pf_error_set(err, "sending_queue.storage: \"%s\" is not a file_storage extension listed in service.extensions",
                     h->storage_id);
        return false;
    }
    char *name = pf_xasprintf("exporter_%s", h->id);
    for (char *p = name; *p; p++)
        if (*p == '/') *p = '_';
    h->storage_dir = pf_xasprintf("%s/%s", fs->directory, name);
    free(name);
    h->pq_opt = (pf_pq_options){.fsync = fs->fsync, .max_size = (uint64_t)fs->max_size, .owner = h->id};
    h->storage_retry_ms = uv_now(h->loop) + STORAGE_RETRY_MS;
    if (!open_storage(h))
        pf_log(PF_LOG_ERROR, h->id, "%s; data is refused (503 / UNAVAILABLE) until it can be used", h->storage_error);
    pump(h);
    return true;
}

static void on_persisted(void *ctx, bool ok, pf_pq_loc loc, const char *why)
{
    item *it = ctx;
    pf_exporter_helper *h = it->helper;
    list_remove(&h->persisting, it);
    if (!ok) {
        h->queued_size -= it->size;
        pf_metric_add(h->enqueue_failed_samples, (double)it->samples);
        char msg[400];
        snprintf(msg, sizeof(msg), "%s: persistent queue write failed: %s", h->id, why ? why : "unknown error");
        if (!it->acks.n)
            pf_log_limited(&h->enqueue_log, 10, PF_LOG_ERROR, h->id,
                           "dropping %zu profile samples (their source does not wait for storage): %s", it->samples,
                           msg);
        pf_ack_set_release(&it->acks, PF_RETRYABLE, msg);
        free_item(h, it, false);
        update_queue_gauge(h);
        maybe_finish_shutdown(h);
        return;
    }
    it->on_disk = true;
    it->loc = loc;
    pf_ack_set_release(&it->acks, PF_OK, NULL);
    /* On disk now. A payload that a free consumer takes at once is sent from memory; one that has to
     * wait leaves memory and is read back when its turn comes. */
    if (h->queue.head || h->active.n >= h->num_consumers || !may_start_new(h)) item_set_payload(h, it, NULL);
    it->state = ITEM_QUEUED;
    list_push(&h->queue, it);
    update_queue_gauge(h);
    pump(h);
    maybe_finish_shutdown(h);
}

/* ---- consumer ---- */

static pf_status refuse(pf_exporter_helper *h, size_t samples, pf_status st, pf_error *err, uint32_t retry_after_s,
                        const char *why)
{
    pf_metric_add(h->enqueue_failed_samples, (double)samples);
    pf_log_limited(&h->enqueue_log, 10, PF_LOG_WARN, h->id, "refusing %zu profile samples: %s", samples, why);
    pf_error_set(err, "%s: %s", h->id, why);
    if (err) err->retry_after_s = retry_after_s;
    return st;
}

/* A payload's share of queue_size. Counted in items, a batch without samples still takes one, so
 * that the queue stays bounded. */
static size_t payload_size(const pf_exporter_helper *h, const pf_payload *p, size_t samples)
{
    switch (h->sizer) {
    case SIZER_BYTES: return p->len;
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

pf_payload *pf_export_encode_otlp_proto(pf_batch *b, const char *compression, int level)
{
    pf_buf body = {0};
    pf_otlp_body_source src = pf_otlp_body(b, compression, level, &body);
    bool plain =
        !compression || !*compression || strcasecmp(compression, "none") == 0 || pf_encoding_is_identity(compression);
    const char *enc = plain ? NULL : compression;
    pf_payload *p =
        pf_payload_new(&body, "application/x-protobuf", enc, NULL, pf_batch_sample_count(b), pf_batch_profile_count(b));
    p->origin = (int)src + 1;
    return p;
}

/* b's payload in this exporter's wire form: shared with other exporters of the same form. */
static pf_status encode(pf_exporter_helper *h, pf_batch *b, pf_payload **out, pf_error *err)
{
    pf_payload *p = pf_batch_encoded_get(b, h->ops.encode_key);
    if (p) {
        *out = pf_payload_ref(p);
        return PF_OK;
    }
    pf_status st = h->ops.encode(h->ctx, b, out, err);
    if (st != PF_OK) return st;
    if (h->ops.encode_key && b->refs > 1) pf_batch_encoded_put(b, h->ops.encode_key, *out);
    return PF_OK;
}

static pf_status helper_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    pf_exporter_helper *h = self->data;
    size_t samples = pf_batch_sample_count(b);
    pf_status st = PF_OK;
    if (h->shutting_down) {
        st = refuse(h, samples, PF_RETRYABLE, err, 0, "exporter is shutting down");
    } else if (!h->queue_enabled && h->active.n >= h->num_consumers) {
        st = refuse(h, samples, PF_RETRYABLE, err, 0, "all consumers are busy (sending_queue disabled)");
    } else if (h->storage_id && !storage_usable(h)) {
        st = refuse(h, samples, PF_RETRYABLE, err, 5, h->storage_error);
    } else if (h->queue_enabled && h->sizer != SIZER_BYTES) {
        /* Refused before encoding when the size is known without it. */
        size_t size = payload_size(h, &(pf_payload){0}, samples);
        char why[160];
        if (size > h->capacity) {
            snprintf(why, sizeof(why), "batch of %zu samples is larger than the queue capacity %zu", size, h->capacity);
            st = refuse(h, samples, PF_PERMANENT, err, 0, why);
        } else if (h->queued_size + size > h->capacity) {
            st = refuse(h, samples, PF_RETRYABLE, err, h->block_on_overflow ? 1 : 0, "sending queue is full");
        }
    }
    if (st != PF_OK) {
        pf_batch_unref(b);
        return st;
    }
    pf_payload *p = NULL;
    pf_error enc_err = {{0}, 0};
    if (encode(h, b, &p, &enc_err) != PF_OK) {
        pf_batch_unref(b);
        return refuse(h, samples, PF_PERMANENT, err, 0, enc_err.msg[0] ? enc_err.msg : "cannot encode the batch");
    }
    size_t size = payload_size(h, p, samples);
    if (h->queue_enabled && size > h->capacity) {
        char why[160];
        snprintf(why, sizeof(why), "batch of %zu %s is larger than the queue capacity %zu", size,
                 h->sizer == SIZER_BYTES ? "bytes" : "samples", h->capacity);
        pf_payload_unref(p);
        pf_batch_unref(b);
        return refuse(h, samples, PF_PERMANENT, err, 0, why);
    }
    if (h->queue_enabled && h->queued_size + size > h->capacity) {
        pf_payload_unref(p);
        pf_batch_unref(b);
        return refuse(h, samples, PF_RETRYABLE, err, h->block_on_overflow ? 1 : 0, "sending queue is full");
    }

    item *it = pf_xcalloc(1, sizeof(*it));
    it->helper = h;
    it->size = size;
    it->samples = samples;
    item_set_payload(h, it, p);
    if (h->pq) {
        pf_buf rec = {0};
        pf_payload_serialize(p, &rec);
        char why[300];
        bool started = pf_pq_append(h->pq, (const uint8_t *)rec.data, rec.len, on_persisted, it, why, sizeof(why));
        pf_buf_free(&rec);
        if (!started) {
            free_item(h, it, false);
            pf_batch_unref(b);
            return refuse(h, samples, PF_RETRYABLE, err, 5, why);
        }
        pf_batch_hold_acks(b, &it->acks);
        pf_batch_unref(b);
        it->state = ITEM_PERSISTING;
        list_push(&h->persisting, it);
        h->queued_size += size;
        update_queue_gauge(h);
        return PF_OK;
    }
    pf_batch_unref(b);
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
    if (h->storage_id && !h->pq && uv_now(h->loop) < h->storage_retry_ms) return false;
    if (h->pq && !pf_pq_has_room(h->pq, 1)) return false;
    if (!h->queue_enabled) return h->active.n < h->num_consumers;
    return h->queued_size < h->capacity;
}

static bool helper_durable(pf_consumer *self)
{
    pf_exporter_helper *h = self->data;
    return h->storage_id != NULL;
}

/* ---- lifecycle ---- */

pf_exporter_helper *pf_exporter_helper_new(uv_loop_t *loop, const char *exporter_id,
                                           const pf_exporter_helper_config *cfg, const pf_exporter_ops *ops, void *ctx)
{
    pf_exporter_helper *h = pf_xcalloc(1, sizeof(*h));
    h->consumer.consume = helper_consume;
    h->consumer.wire_ok =
        true; /* encodes at consume time; encode functions that read the tree decode first (pf_client_decoded) */
    h->consumer.ready = helper_ready;
    h->consumer.durable = helper_durable;
    h->consumer.data = h;
    h->loop = loop;
    h->id = pf_xstrdup(exporter_id);
    h->ops = *ops;
    h->ctx = ctx;
    h->timeout_ns = cfg->timeout;
    h->retry = cfg->retry_on_failure;
    h->queue_enabled = cfg->sending_queue.enabled;
    h->sizer = sizer_named(cfg->sending_queue.sizer);
    h->block_on_overflow = cfg->sending_queue.block_on_overflow;
    h->num_consumers = cfg->sending_queue.num_consumers > 0 ? (size_t)cfg->sending_queue.num_consumers : 1;
    h->capacity = cfg->sending_queue.queue_size > 0 ? (size_t)cfg->sending_queue.queue_size : 1;
    if (cfg->sending_queue.storage && *cfg->sending_queue.storage) {
        h->storage_id = pf_xstrdup(cfg->sending_queue.storage);
        h->queue_enabled = true; /* a persistent queue is a queue */
    }
    h->rng = uv_hrtime() | 1;

    uv_timer_init(loop, &h->retry_timer);
    uv_timer_init(loop, &h->shutdown_timer);
    h->retry_timer.data = h->shutdown_timer.data = h;
    h->open_handles = 2;

    char *labels = pf_xasprintf("exporter=\"%s\"", exporter_id);
    pf_exporter_metrics m =
        pf_exporter_metrics_new(exporter_id, PF_EXPORTER_SENT | PF_EXPORTER_SEND_FAILED | PF_EXPORTER_ENQUEUE_FAILED);
    h->sent_samples = m.sent_samples;
    h->failed_samples = m.failed_samples;
    h->enqueue_failed_samples = m.enqueue_failed_samples;
    h->queue_size_gauge = pf_gauge("otelcol_exporter_queue_size", "Current size of the sending queue.", labels);
    h->queue_capacity_gauge = pf_gauge("otelcol_exporter_queue_capacity", "Capacity of the sending queue.", labels);
    h->retries_total = pf_counter("proflow_exporter_retries_total", "Send attempts that were retries.", labels);
    h->sent_bytes = pf_exporter_metrics_new(exporter_id, PF_EXPORTER_SENT_BYTES).sent_bytes;
    h->held_bytes_gauge =
        pf_gauge("proflow_exporter_queue_memory_bytes",
                 "Encoded bytes the sending queue holds in memory (queued, being written or sent).", labels);
    h->disk_bytes_gauge =
        pf_gauge("proflow_exporter_queue_disk_bytes", "Bytes of the persistent queue's files.", labels);
    h->recovered_samples = pf_counter("proflow_exporter_queue_recovered_profile_samples",
                                      "Profile samples found in the persistent queue at start (sent again; those whose "
                                      "send was in progress at a crash arrive twice).",
                                      labels);
    h->corrupt_records = pf_counter("proflow_exporter_queue_corrupt_records_total",
                                    "Persistent queue records skipped because they were truncated or corrupt.", labels);
    free(labels);
    pf_metric_set(h->queue_capacity_gauge, (double)h->capacity);
    update_queue_gauge(h);
    return h;
}

pf_consumer *pf_exporter_helper_consumer(pf_exporter_helper *h) { return &h->consumer; }

size_t pf_exporter_helper_queue_size(const pf_exporter_helper *h) { return h->queued_size; }

size_t pf_exporter_helper_in_flight(const pf_exporter_helper *h) { return h->active.n; }

static void on_shutdown_reported(uv_timer_t *t)
{
    pf_exporter_helper *h = t->data;
    h->shutdown_done(h->shutdown_data);
}

static void report_shutdown(pf_exporter_helper *h)
{
    /* Reported from the loop, so the owner may free the helper in its callback. */
    uv_timer_start(&h->shutdown_timer, on_shutdown_reported, 0, 0);
}

static void on_pq_closed(void *data) { report_shutdown(data); }

/* With storage, queued items are not sent during shutdown: they stay on disk. */
static void keep_queued_on_disk(pf_exporter_helper *h)
{
    while (h->queue.head) {
        item *it = h->queue.head;
        list_remove(&h->queue, it);
        h->queued_size -= it->size;
        h->kept_on_disk++;
        h->kept_samples += it->samples;
        free_item(h, it, false);
    }
    for (item *it = h->active.head, *next; it; it = next) {
        next = it->next;
        if (it->state != ITEM_WAITING) continue;
        list_remove(&h->active, it);
        h->kept_on_disk++;
        h->kept_samples += it->samples;
        free_item(h, it, false);
    }
    update_queue_gauge(h);
}

static void maybe_finish_shutdown(pf_exporter_helper *h)
{
    if (!h->shutting_down || h->shutdown_reported || h->persisting.n) return;
    if (h->pq) keep_queued_on_disk(h);
    if (h->queue.n || h->active.n) return;
    h->shutdown_reported = true;
    uv_timer_stop(&h->retry_timer);
    uv_timer_stop(&h->shutdown_timer);
    if (h->kept_on_disk)
        pf_log(PF_LOG_INFO, h->id,
               "%zu batch(es) (%zu profile samples) stay in the persistent queue %s for the next start",
               h->kept_on_disk, h->kept_samples, h->storage_dir);
    if (h->pq) {
        pf_pq *pq = h->pq;
        h->pq = NULL;
        pf_pq_close(pq, on_pq_closed, h);
        return;
    }
    report_shutdown(h);
}

static void on_deadline(uv_timer_t *t)
{
    pf_exporter_helper *h = t->data;
    h->deadline_passed = true;
    if (h->pq) {
        keep_queued_on_disk(h);
    } else {
        while (h->queue.head) {
            item *it = h->queue.head;
            list_remove(&h->queue, it);
            h->queued_size -= it->size;
            drop(h, it, "shutdown deadline passed before it could be sent");
            free_item(h, it, false);
        }
        for (item *it = h->active.head, *next; it; it = next) {
            next = it->next;
            if (it->state != ITEM_WAITING) continue;
            list_remove(&h->active, it);
            drop(h, it, "shutdown deadline passed while waiting to retry");
            free_item(h, it, false);
        }
    }
    update_queue_gauge(h);
    uv_timer_stop(&h->retry_timer);
    if (h->active.n && h->ops.abort_sends) h->ops.abort_sends(h->ctx);
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
    free(h->storage_id);
    free(h->storage_dir);
    free(h);
}

void pf_exporter_helper_free(pf_exporter_helper *h)
{
    /* Only queued items can be left here (after a failed start, say): active ones keep shutdown from
     * completing. With storage they stay on disk. */
    while (h->queue.head) {
        item *it = h->queue.head;
        list_remove(&h->queue, it);
        if (!it->on_disk) drop(h, it, "exporter destroyed before it could be sent");
        free_item(h, it, false);
    }
    if (h->pq) {
        pf_pq_close(h->pq, NULL, NULL);
        h->pq = NULL;
    }
    uv_close((uv_handle_t *)&h->retry_timer, on_timer_closed);
    uv_close((uv_handle_t *)&h->shutdown_timer, on_timer_closed);
}
