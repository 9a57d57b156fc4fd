/* receiver_helper.h — what every receiver serving requests on the HTTP server (net/http_server.h)
 * does once a request is decoded into a batch (otlp, pyroscope): attach the request's metadata, hand
 * the batch to the pipeline, count the samples accepted or refused, turn the pipeline's status into
 * the answer in HTTP and gRPC terms, and count (and, when refused, log rate-limited) every request.
 *
 *   pipeline PF_OK         → the answer is left as the receiver set it (normally 200 / OK)
 *   pipeline PF_RETRYABLE  → 503 + Retry-After (the pipeline's hint, else 1 s) / UNAVAILABLE
 *   pipeline PF_PERMANENT  → 400 / INVALID_ARGUMENT
 *
 * Metrics, per receiver and transport (the transport label is the receiver's name for the protocol or
 * API a request came through: "grpc", "http", "ingest", "push"):
 *   otelcol_receiver_accepted_profile_samples, otelcol_receiver_refused_profile_samples,
 *   proflow_receiver_bytes_total (added by the receiver), proflow_receiver_requests_total{status}.
 *
 * Ownership: a pf_receiver_transport is a plain value inside the receiver's struct; it borrows the
 * receiver id and the log limiter (both must outlive it); its metrics belong to the telemetry
 * registry. A pf_receiver_answer is a plain value filled by the callee. */
#ifndef PF_RECEIVER_HELPER_H
#define PF_RECEIVER_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http_server.h"
#include "pipeline/model/batch.h"
#include "pipeline/component/component.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "receivers/helper/receiver_metrics.h"

typedef struct pf_receiver_transport {
    const char *receiver_id;   /* the component's id */
    const char *name;          /* the metrics' transport label */
    bool include_metadata;     /* copy the request headers into the batch's metadata */
    pf_log_limiter *log_limit; /* the receiver's, shared by its transports */
    pf_metric *accepted;       /* otelcol_receiver_accepted_profile_samples */
    pf_metric *refused;        /* otelcol_receiver_refused_profile_samples */
    pf_metric *bytes;          /* proflow_receiver_bytes_total */
    pf_consumer *gate_next;    /* pf_receiver_install_admission: the pipeline asked before a body is read */
} pf_receiver_transport;

void pf_receiver_transport_init(pf_receiver_transport *t, const char *receiver_id, const char *name,
                                bool include_metadata, pf_log_limiter *log_limit);

/* A header value's media type (or encoding), lowercased, without parameters or spaces:
 * "Application/JSON; charset=utf-8" → "application/json". NULL gives "". */
void pf_receiver_media_type(const char *value, char *out, size_t out_len);

/* The answer a request gets, in the terms of each protocol. */
typedef struct pf_receiver_answer {
    int http_status;        /* 200, 400, 413, 415, 503 */
    int grpc_status;        /* PF_GRPC_* */
    uint32_t retry_after_s; /* 503: seconds for Retry-After */
    char message[600];
} pf_receiver_answer;

void pf_receiver_answer_set(pf_receiver_answer *a, int http_status, int grpc_status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Before decoding: false (with `a` set to 503 / UNAVAILABLE, Retry-After 1) when the pipeline says it
 * cannot take a batch now (pf_consumer_ready), so an overloaded proflow refuses without spending
 * the decode. Counted in proflow_receiver_early_refusals_total. */
bool pf_receiver_admit(const pf_receiver_transport *t, pf_consumer *next, pf_receiver_answer *a);

/* Installs admission on a receiver's server (pf_http_server_set_admission): before a request's body
 * is read, the process-wide memory budget (pipeline/base/memory_budget.h) and the readiness of `next` are
 * asked; a refusal is answered 503 + Retry-After / UNAVAILABLE without reading the body, counted in
 * otelcol_receiver_refused_requests... (proflow_receiver_early_refusals_total{reason}). */
void pf_receiver_install_admission(pf_http_server *s, pf_receiver_transport *t, pf_consumer *next);

/* Attaches the request's metadata (receiver, client address, X-Scope-OrgID as tenant, receive time,
 * and the headers when include_metadata) and hands b to next, taking over the caller's reference.
 * Counts b's samples as accepted or refused. When refused, sets `a` as the table above says, its
 * message being the pipeline's reason. Returns the pipeline's status.
 *
 * When a persistent queue is downstream (pf_consumer_durable), the request's answer is held
 * (pf_http_hold_answer) until the data is stored: it goes out as the handler wrote it, or as
 * 503 / UNAVAILABLE when storing failed; the samples are counted as accepted or refused then. */
pf_status pf_receiver_deliver(const pf_receiver_transport *t, pf_consumer *next, const pf_http_request *req,
                              pf_batch *b, pf_receiver_answer *a);

/* Counts a request under proflow_receiver_requests_total{status} (`status`: the HTTP status, or the
 * gRPC status name) and, when `a` is given and is not a 200, logs the refusal rate-limited. */
void pf_receiver_count_request(const pf_receiver_transport *t, const pf_http_request *req, const char *status,
                               const pf_receiver_answer *a);

#endif
