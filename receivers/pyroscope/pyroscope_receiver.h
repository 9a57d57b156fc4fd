/* pyroscope_receiver.h — private to receivers/pyroscope: the component struct shared by the lifecycle
 * (factory.c), the two request handlers (ingest_handler.c, push_handler.c) and the step they share,
 * turning decoded profiles into a batch and handing it to the pipeline (deliver.c).
 *
 * Ownership: the component owns its server (closed in shutdown, or in destroy after a failed start);
 * the config belongs to the service; metrics belong to the telemetry registry. A pyro_result is a
 * plain value filled by the callee. Batches built here are handed to the pipeline (which takes the
 * reference) or unref'd on failure; every scratch arena is created and destroyed by its handler. */
#ifndef PF_PYRO_RECEIVER_H
#define PF_PYRO_RECEIVER_H

#include "net/http_server.h"
#include "pipeline/component.h"
#include "pipeline/log.h"
#include "pipeline/telemetry.h"
#include "receivers/pyroscope/ingest.h"

#define PYRO_DEFAULT_ENDPOINT "localhost:4040"
#define PYRO_PUSH_PATH "/push.v1.PusherService/Push"

/* One per API ("ingest", "push"): the metrics carry it as the transport label. */
typedef struct pyro_api {
    struct pyro_receiver *receiver;
    const char *name;
    pf_metric *accepted; /* otelcol_receiver_accepted_profile_samples */
    pf_metric *refused;  /* otelcol_receiver_refused_profile_samples */
    pf_metric *bytes;    /* proflow_receiver_bytes_total */
} pyro_api;

typedef struct pyro_receiver {
    pf_component base;
    const pf_http_server_config *cfg;
    pf_consumer *next;
    uv_loop_t *loop;
    pf_http_server *server;
    size_t max_body; /* decompressed-size limit: max_request_body_size */
    pyro_api ingest, push;
    pf_done_cb shutdown_done;
    void *shutdown_data;
    pf_log_limiter log_limit;
} pyro_receiver;

/* The answer a request gets, in the terms of each protocol. */
typedef struct pyro_result {
    int http_status;        /* 200, 400, 413, 415, 503 */
    int grpc_status;        /* PF_GRPC_* (also gives the Connect error code) */
    uint32_t retry_after_s; /* 503: seconds for Retry-After */
    char message[600];
} pyro_result;

void pyro_result_set(pyro_result *res, int http_status, int grpc_status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends one resource (service.name and the other labels as attributes, __name__ kept as an
 * attribute and as the scope's profile.name) holding the pprof `bytes` (gzipped or not), translated
 * with pf_pprof_to_otlp. The pprof is parsed in `scratch`. False with a message naming the problem. */
bool pyro_batch_add_pprof(pf_batch *b, pf_arena *scratch, const pf_pyro_labels *labels, const uint8_t *bytes,
                          size_t len, size_t max_bytes, char *err, size_t errlen);

/* Attaches the request's metadata (receiver, client, X-Scope-OrgID tenant, time, headers when
 * include_metadata) and hands the batch to the pipeline, counting the samples accepted or refused.
 * Takes over the caller's reference. An empty batch is dropped and answered 200 (Pyroscope does so).
 * Fills res: 200, or 503 + Retry-After for PF_RETRYABLE, 400 for PF_PERMANENT. */
void pyro_deliver(pyro_api *api, const pf_http_request *req, pf_batch *b, pyro_result *res);

/* Counts a request under proflow_receiver_requests_total{status} and, when refused, logs it
 * rate-limited. `status` is the HTTP status or the gRPC status name. */
void pyro_count_request(pyro_api *api, const pf_http_request *req, const char *status, const pyro_result *res);

/* Route handlers; data is the pyro_api. */
void pyro_handle_ingest(pf_http_request *req, void *data);
void pyro_handle_push(pf_http_request *req, void *data);

#endif
