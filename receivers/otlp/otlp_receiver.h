/* otlp_receiver.h — private to receivers/otlp: the config (config.c), the component struct shared by
 * the lifecycle (otlp_receiver.c) and the request handlers (export.c), and what factory.c registers.
 *
 * Ownership: the component owns its two servers (closed in shutdown, or in destroy after a failed
 * start); the config belongs to the service. Metrics belong to the telemetry registry. */
#ifndef PF_OTLP_RECEIVER_H
#define PF_OTLP_RECEIVER_H

#include "net/http_server.h"
#include "pipeline/component/component.h"
#include "pipeline/base/log.h"
#include "receivers/helper/receiver_helper.h"

#define OTLP_GRPC_EXPORT_PATH "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"
#define OTLP_HTTP_EXPORT_PATH "/v1development/profiles"

typedef struct otlp_protocols {
    pf_http_server_config grpc;
    bool grpc_present;
    pf_http_server_config http;
    bool http_present;
} otlp_protocols;

typedef struct otlp_receiver_config {
    otlp_protocols protocols;
} otlp_receiver_config;

/* One per transport ("grpc", "http"). */
typedef struct otlp_transport {
    struct otlp_receiver *receiver;
    pf_receiver_transport rt; /* name, metadata, metrics */
    pf_http_server *server;
    size_t max_body; /* decompressed HTTP body limit */
} otlp_transport;

typedef struct otlp_receiver {
    pf_component base;
    const otlp_receiver_config *cfg;
    pf_consumer *next;
    uv_loop_t *loop;
    otlp_transport grpc, http;
    int servers_closing;
    pf_log_limiter log_limit;
} otlp_receiver;

/* config.c */
extern const pf_cfg_entry otlp_receiver_cfg_map[];
bool otlp_receiver_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err);

/* otlp_receiver.c */
pf_component *otlp_receiver_create(const pf_create_args *args, pf_error *err);

/* Route handlers (export.c); data is the otlp_transport. */
void otlp_grpc_export(pf_http_request *req, void *data);
void otlp_http_export(pf_http_request *req, void *data);

/* layout.c: true when serialized ExportProfilesServiceRequest bytes use the proto v1.9 Sample layout
 * (values in field 2) rather than v1.10+ (values in field 4). */
bool otlp_request_is_v1_9_layout(const uint8_t *buf, size_t len);

#endif
