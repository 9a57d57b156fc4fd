/* pyroscope receiver — accepts what Pyroscope's own ingest accepts, like Alloy's
 * pyroscope.receive_http: the legacy `POST /ingest` (alias `/pyroscope/ingest`: pprof, JFR,
 * folded/lines) and the Push API `POST /push.v1.PusherService/Push` (Connect over HTTP/1.1 and
 * HTTP/2, and gRPC), on one listener (default localhost:4040). Its config is the HTTP server's
 * (endpoint, max_request_body_size, tls, auth, include_metadata, ...) at the component's top level.
 * This file is the registration (the table is the server's, net/http_server.h); the lifecycle is in
 * pyroscope_receiver.c, the handlers in ingest_handler.c and push_handler.c. */
#include "receivers/pyroscope/pyroscope_receiver.h"

const pf_factory pf_receiver_pyroscope_factory = {
    .type = "pyroscope",
    .kind = PF_KIND_RECEIVER,
    .stability = "development",
    .description = "Receives Pyroscope pushes: POST /ingest (pprof, JFR, folded, lines) and "
                   "push.v1.PusherService/Push (Connect and gRPC); default endpoint localhost:4040.",
    .config_map = pf_http_server_cfg_map,
    .config_size = sizeof(pf_http_server_config),
    .create = pyro_receiver_create,
};
