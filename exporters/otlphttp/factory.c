/* otlphttp exporter — sends profiles as OTLP/HTTP (POST <endpoint>/v1development/profiles, protobuf or
 * JSON, gzip by default), like the Collector's otlphttp exporter. Queueing and retries come from the
 * exporter helper: 429/502/503/504 and transport errors are retried (Retry-After honoured), any other
 * non-2xx status is a permanent failure. A 2xx reply's partial_success is counted.
 * This file is the registration; the table is in config.c, the behaviour in otlphttp_exporter.c. */
#include "exporters/otlphttp/otlphttp_exporter.h"

const pf_factory pf_exporter_otlphttp_factory = {
    .type = "otlphttp",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to an OTLP/HTTP endpoint (protobuf or JSON, gzip by default). With protobuf, a "
                   "batch nothing changed since an otlp receiver validated it is sent as received (verbatim; the "
                   "received compressed bytes when the compression matches).",
    .config_map = otlphttp_exporter_cfg_map,
    .config_size = sizeof(otlphttp_config),
    .validate = otlphttp_exporter_validate,
    .create = otlphttp_exporter_create,
};
