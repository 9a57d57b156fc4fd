/* pyroscope exporter — sends profiles to Grafana Pyroscope, like Alloy's pyroscope.write:
 * `protocol: push` (default) POSTs push.v1.PusherService/Push (Connect unary, application/proto,
 * HTTP/2 when the server offers it) with one RawProfileSeries per series; `protocol: ingest` POSTs
 * one legacy /ingest multipart request per pprof. Series labels are described in series_pprof.h,
 * the __delta__ rule in pyroscope_exporter.h.
 *
 * Queueing and retries come from the exporter helper: transport errors, 429 and 5xx are retried
 * (Retry-After honoured); any other non-2xx status is a permanent failure whose message carries the
 * response body. In ingest mode, where a batch is several requests, the batch remembers across its
 * attempts which pprofs the backend already accepted (or refused for good), so a retry resends only
 * the others and each pprof arrives once.
 * This file is the registration; the table is in config.c, the behaviour in pyroscope_exporter.c. */
#include "exporters/pyroscope/pyroscope_exporter.h"

const pf_factory pf_exporter_pyroscope_factory = {
    .type = "pyroscope",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to Grafana Pyroscope (push.v1 Push, or the legacy /ingest API). A pprof the pprof "
                   "receiver scraped and nothing changed is sent as scraped (proflow_exporter_pprofs_total{pprof}).",
    .config_map = pyroscope_exporter_cfg_map,
    .config_size = sizeof(pyroscope_config),
    .validate = pyroscope_exporter_validate,
    .create = pyroscope_exporter_create,
};
