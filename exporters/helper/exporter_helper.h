/* exporter_helper.h — the Collector's exporterhelper for profiles: a bounded sending queue, up to
 * num_consumers concurrent sends, retries with exponential backoff + jitter (honouring Retry-After),
 * per-attempt timeout, drain on shutdown, and the otelcol_exporter_* metrics.
 *
 * The queue holds what is sent, not what was decoded: consume(b) has the exporter encode b into its
 * wire form (pipeline/model/payload.h: bytes, compressed where configured, + content metadata + counts),
 * then drops the batch, so the decoded tree is freed as soon as every exporter it fans out to has
 * encoded it. Retries resend the same bytes. An exporter whose wire form depends only on the batch
 * names it (ops.encode_key); exporters sharing a key share one encoding of a batch.
 *
 *   consume(b)  -> queued: PF_OK; queue full: PF_RETRYABLE (so receivers answer 503) and the
 *                  samples are counted in otelcol_exporter_enqueue_failed_profile_samples; a batch
 *                  the exporter cannot encode: PF_PERMANENT.
 *   send(ctx, payload, timeout, attempt) -> the exporter calls pf_export_done(attempt, ...) exactly
 *                  once, now or later on the loop, with PF_OK, PF_RETRYABLE (+ err.retry_after_s) or
 *                  PF_PERMANENT (+ err.msg, e.g. the backend's response body).
 *
 * Persistent queue (sending_queue.storage: file_storage[/name]): every payload is appended to the
 * exporter's queue files (pipeline/storage/persistent_queue.h) before it counts as accepted: the acks of the
 * batch (pipeline/model/ack.h) are held until the record is written (and fsync'ed with fsync: true), so
 * the receiver answers only then; a failed write (disk full, max_size, unwritable directory) answers
 * 503 / UNAVAILABLE. Once written the bytes leave memory and are read back when a consumer is free.
 * A record is acknowledged on disk when it was delivered or dropped for good; what is left at
 * shutdown stays on disk and is sent after the next start (at-least-once: a record whose send was in
 * progress at a crash is sent again, counted in proflow_exporter_queue_redelivered_profile_samples).
 *
 * Retryable failures are retried until max_elapsed_time after the first attempt (0 = forever) and
 * then dropped; permanent failures are never retried. Every drop is counted in
 * otelcol_exporter_send_failed_profile_samples and logged (rate-limited) with its reason.
 *
 * Since consume() cannot block the loop, sending_queue.enabled=false means "no buffering": a batch is
 * accepted only while fewer than num_consumers sends are in progress. block_on_overflow=true likewise
 * cannot block; a full queue then answers PF_RETRYABLE with a Retry-After hint of 1 s.
 *
 * Ownership: the helper takes the batch reference consume() was given and drops it after encoding;
 * it holds each payload until it is delivered or dropped; send() borrows it (valid until
 * pf_export_done). The config is copied. The owner calls pf_exporter_helper_start() from its start,
 * pf_exporter_helper_shutdown() and, once its callback ran, pf_exporter_helper_free(). */
#ifndef PF_EXPORTER_HELPER_H
#define PF_EXPORTER_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config/config_map.h"
#include "pipeline/model/batch.h"
#include "pipeline/component/component.h"
#include "pipeline/model/payload.h"
#include "exporters/helper/otlp_body.h"

typedef struct pf_retry_config {
    bool enabled;
    int64_t initial_interval; /* ns */
    int64_t max_interval;     /* ns */
    int64_t max_elapsed_time; /* ns; 0 = retry forever */
    double multiplier;
    double randomization_factor;
} pf_retry_config;

typedef struct pf_queue_config {
    bool enabled;
    int64_t num_consumers;
    int64_t queue_size; /* in units of sizer */
    char *sizer;        /* "requests" | "bytes" | "items" (profile samples) */
    bool block_on_overflow;
    char *storage; /* file_storage extension id; NULL/"" = in memory */
} pf_queue_config;

typedef struct pf_exporter_helper_config {
    int64_t timeout; /* ns per attempt */
    pf_retry_config retry_on_failure;
    pf_queue_config sending_queue;
} pf_exporter_helper_config;

extern const pf_cfg_entry pf_retry_cfg_map[];
extern const pf_cfg_entry pf_queue_cfg_map[];

/* Entries `timeout`, `retry_on_failure`, `sending_queue`, spliced into a component table whose config
 * struct holds a pf_exporter_helper_config at byte offset `base`. */
#define PF_EXPORTER_HELPER_CFG_ENTRIES(base)                                                                           \
    {.type = PF_CFG_DURATION,                                                                                          \
     .name = "timeout",                                                                                                \
     .def = "5s",                                                                                                      \
     .offset = (base) + offsetof(pf_exporter_helper_config, timeout),                                                  \
     .min = 1,                                                                                                         \
     .max = 86400e9,                                                                                                   \
     .desc = "Time limit of one send attempt."},                                                                       \
        {.type = PF_CFG_SECTION,                                                                                       \
         .name = "retry_on_failure",                                                                                   \
         .offset = (base) + offsetof(pf_exporter_helper_config, retry_on_failure),                                     \
         .sub = pf_retry_cfg_map,                                                                                      \
         .desc = "Retries of retryable failures with exponential backoff."},                                           \
    {                                                                                                                  \
        .type = PF_CFG_SECTION, .name = "sending_queue",                                                               \
        .offset = (base) + offsetof(pf_exporter_helper_config, sending_queue), .sub = pf_queue_cfg_map,                \
        .desc = "Queue in front of the sends: in memory, or on disk with storage."                                     \
    }

typedef struct pf_export_attempt pf_export_attempt;

/* Encodes b (borrowed) into the exporter's wire form: PF_OK with *out (one reference), or
 * PF_PERMANENT with err set when b cannot be sent by this exporter. */
typedef pf_status (*pf_export_encode_fn)(void *ctx, pf_batch *b, pf_payload **out, pf_error *err);
/* Sends `p` (borrowed) within timeout_ns; finishes with pf_export_done(attempt, ...). */
typedef void (*pf_export_send_fn)(void *ctx, const pf_payload *p, int64_t timeout_ns, pf_export_attempt *attempt);
/* Optional: makes every send in progress finish promptly (with any status); used when the shutdown
 * deadline passes. */
typedef void (*pf_export_abort_fn)(void *ctx);

typedef struct pf_exporter_ops {
    pf_export_encode_fn encode;
    /* Names the wire form when it depends only on the batch (e.g. "otlp-proto/gzip"), so exporters
     * with the same form share one encoding of a batch; NULL when it depends on the exporter's config. */
    const char *encode_key;
    pf_export_send_fn send;
    pf_export_abort_fn abort_sends; /* may be NULL */
} pf_exporter_ops;

/* State an exporter keeps with one batch across its attempts, e.g. which parts of it the backend
 * already accepted, so that a retry resends only the rest (a batch may be shared by several
 * exporters, so such state cannot live in the batch). Once set, the helper owns it and calls
 * free_state(state) when the batch is finally delivered or dropped (permanent error,
 * max_elapsed_time, shutdown); setting it again frees the previous state first. Call only from a
 * send, before its pf_export_done. */
void pf_export_attempt_set_state(pf_export_attempt *attempt, void *state, void (*free_state)(void *state));
/* The state an earlier attempt of the same batch set; NULL on the first attempt. */
void *pf_export_attempt_state(const pf_export_attempt *attempt);

/* Result of one attempt. err may be NULL for PF_OK. bytes_sent: wire bytes of a successful attempt,
 * for proflow_exporter_sent_bytes_total. */
void pf_export_done(pf_export_attempt *attempt, pf_status status, const pf_error *err, size_t bytes_sent);

typedef struct pf_exporter_helper pf_exporter_helper;

pf_exporter_helper *pf_exporter_helper_new(uv_loop_t *loop, const char *exporter_id,
                                           const pf_exporter_helper_config *cfg, const pf_exporter_ops *ops, void *ctx);

/* Opens the persistent queue when sending_queue.storage is set (the extension is looked up through
 * host; recovered records are queued). Without storage it does nothing. False with err set when the
 * storage is not a started file_storage extension. A directory that cannot be used is not an error:
 * the helper then refuses data (PF_RETRYABLE, naming the reason) and tries again every few seconds. */
bool pf_exporter_helper_start(pf_exporter_helper *h, pf_host *host, pf_error *err);

/* The default encoding: OTLP ExportProfilesServiceRequest protobuf, compressed with `compression`
 * (NULL/"none" = not) at `level`, content type application/x-protobuf. The body comes from pf_otlp_body
 * (otlp_body.h): the received bytes when nothing changed the batch (verbatim forwarding, lazy batches
 * included), else the packed tree; the payload's origin says which. */
pf_payload *pf_export_encode_otlp_proto(pf_batch *b, const char *compression, int level);

/* The consumer to install as the exporter component's input. Valid until pf_exporter_helper_free. */
pf_consumer *pf_exporter_helper_consumer(pf_exporter_helper *h);

/* Stops intake (consume answers PF_RETRYABLE), keeps sending what is queued until everything is
 * delivered or deadline_ms passed; then drops (and counts) what is left — with storage it stays on
 * disk instead — waits for the sends in progress (calling abort_sends) and calls done once. */
void pf_exporter_helper_shutdown(pf_exporter_helper *h, uint64_t deadline_ms, void (*done)(void *data), void *data);
/* Frees the helper; only after the shutdown callback ran. */
void pf_exporter_helper_free(pf_exporter_helper *h);

/* Current queue occupancy in sizer units, and sends in progress (including those waiting to retry). */
size_t pf_exporter_helper_queue_size(const pf_exporter_helper *h);
size_t pf_exporter_helper_in_flight(const pf_exporter_helper *h);

/* The backoff delay before retry number `retry` (1-based) given a random draw `random01` in [0,1):
 * initial_interval * multiplier^(retry-1), capped at max_interval, randomized by
 * ±randomization_factor, and raised to retry_after_s when the server asked for more. */
int64_t pf_backoff_delay_ns(const pf_retry_config *cfg, unsigned retry, double random01, uint32_t retry_after_s);

#endif
