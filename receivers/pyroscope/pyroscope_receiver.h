/* pyroscope_receiver.h — private to receivers/pyroscope: the component struct shared by the lifecycle
 * (pyroscope_receiver.c, registered by factory.c), the two request handlers (ingest_handler.c, push_handler.c) and the step they share,
 * turning decoded profiles into a batch and handing it to the pipeline (deliver.c).
 *
 * Ownership: the component owns its server (closed in shutdown, or in destroy after a failed start);
 * the config belongs to the service; metrics belong to the telemetry registry. A pf_receiver_answer
 * is a plain value filled by the callee. Batches built here are handed to the pipeline (which takes the
 * reference) or unref'd on failure; every scratch arena is created and destroyed by its handler. */
#ifndef PF_PYRO_RECEIVER_H
#define PF_PYRO_RECEIVER_H

#include "net/http_server.h"
#include "pipeline/component/component.h"
#include "pipeline/base/log.h"
#include "receivers/helper/receiver_helper.h"
#include "receivers/pyroscope/ingest/ingest.h"

#define PYRO_DEFAULT_ENDPOINT "localhost:4040"
#define PYRO_PUSH_PATH        "/push.v1.PusherService/Push"

/* One per API ("ingest", "push"): the metrics carry it as the transport label. */
typedef struct pyro_api {
    struct pyro_receiver *receiver;
    pf_receiver_transport rt; /* name, metadata, metrics */
} pyro_api;

typedef struct pyro_receiver {
    pf_component base;
    const pf_http_server_config *cfg;
    pf_consumer *next;
    uv_loop_t *loop;
    pf_http_server *server;
    size_t max_body; /* decompressed-size limit: max_request_body_size */
    pyro_api ingest, push;
    pf_log_limiter log_limit;
} pyro_receiver;

/* Appends one resource (service.name and the other labels as attributes, __name__ kept as an
 * attribute and as the scope's profile.name) holding the pprof `bytes` (gzipped or not), translated
 * with pf_pprof_to_otlp. The pprof is parsed in `scratch`. False with a message naming the problem. */
bool pyro_batch_add_pprof(pf_batch *b, pf_arena *scratch, const pf_pyro_labels *labels, const uint8_t *bytes,
                          size_t len, size_t max_bytes, char *err, size_t errlen);
/* The same for a Profile the decoders already unpacked or built (validated in place with
 * pf_pprof_from_profile, not packed and parsed again); the Profile must outlive the call. */
bool pyro_batch_add_profile(pf_batch *b, pf_arena *scratch, const pf_pyro_labels *labels,
                            Perftools__Profiles__Profile *profile, size_t max_bytes, char *err, size_t errlen);

/* Hands the batch to the pipeline with pf_receiver_deliver (receivers/helper/receiver_helper.h), taking over
 * the caller's reference. An empty batch is dropped and answered 200 (Pyroscope does so). Fills res:
 * 200, or 503 + Retry-After for PF_RETRYABLE, 400 for PF_PERMANENT. Requests are counted with
 * pf_receiver_count_request(&api->rt, ...). */
void pyro_deliver(pyro_api *api, const pf_http_request *req, pf_batch *b, pf_receiver_answer *res);

pf_component *pyro_receiver_create(const pf_create_args *args, pf_error *err);

/* Route handlers; data is the pyro_api. */
void pyro_handle_ingest(pf_http_request *req, void *data);
void pyro_handle_push(pf_http_request *req, void *data);

#endif
