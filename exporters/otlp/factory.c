/* otlp exporter — sends profiles over OTLP/gRPC (ProfilesService/Export, gzip by default), like the
 * Collector's otlp exporter: `endpoint` is host:port (TLS unless tls.insecure or an http:// scheme).
 * Queueing and retries come from the exporter helper; the gRPC status (and a google.rpc.RetryInfo in
 * grpc-status-details-bin, whose delay is honoured like Retry-After) decides retryable or permanent
 * as the Collector does. A successful reply's partial_success is counted.
 * This file is the registration; the table is in config.c, the behaviour in otlp_exporter.c. */
#include "exporters/otlp/otlp_exporter.h"

const pf_factory pf_exporter_otlp_factory = {
    .type = "otlp",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to an OTLP/gRPC endpoint (ProfilesService/Export, gzip by default). Retries "
                   "CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS, and "
                   "RESOURCE_EXHAUSTED only when the reply carries a google.rpc.RetryInfo, whose retry_delay "
                   "is honoured like Retry-After. A batch nothing changed since an otlp receiver validated it is "
                   "sent as received (verbatim; the received compressed bytes when the compression matches).",
    .config_map = otlp_exporter_cfg_map,
    .config_size = sizeof(otlp_exporter_config),
    .validate = otlp_exporter_validate,
    .create = otlp_exporter_create,
};
