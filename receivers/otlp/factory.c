/* otlp receiver — OTLP profiles over gRPC (default localhost:4317) and HTTP (default
 * localhost:4318), like the Collector's otlpreceiver: a protocol is enabled only when its key is
 * present under `protocols`. This file is the registration; the table is in config.c, the lifecycle
 * in otlp_receiver.c and the Export handling in export.c. */
#include "receivers/otlp/otlp_receiver.h"

const pf_factory pf_receiver_otlp_factory = {
    .type = "otlp",
    .kind = PF_KIND_RECEIVER,
    .stability = "development",
    .description = "Receives OTLP profiles (v1development) over gRPC and HTTP (protobuf or JSON; gzip, zstd, deflate).",
    .config_map = otlp_receiver_cfg_map,
    .config_size = sizeof(otlp_receiver_config),
    .validate = otlp_receiver_validate,
    .create = otlp_receiver_create,
};
