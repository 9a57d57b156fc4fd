/* parca exporter — sends profiles to Parca with unary gRPC
 * parca.profilestore.v1alpha1.ProfileStoreService/WriteRaw (write_raw.h): one series per label set
 * (__name__ required and always present), gzipped pprofs with ids 1..n.
 *
 * `endpoint` is host:port (default localhost:7070, Parca's port); plain-text h2c with `insecure: true`
 * (or tls.insecure), TLS otherwise. Queueing and retries come from the exporter helper: the gRPC
 * statuses UNAVAILABLE, RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED (also what a refused connection and
 * a timeout map to) are retried, every other status (INVALID_ARGUMENT, UNAUTHENTICATED, ...) is a
 * permanent failure.
 * This file is the registration; the table is in config.c, the behaviour in parca_exporter.c. */
#include "exporters/parca/parca_exporter.h"

const pf_factory pf_exporter_parca_factory = {
    .type = "parca",
    .kind = PF_KIND_EXPORTER,
    .stability = "alpha",
    .description = "Sends profiles to Parca (ProfileStoreService/WriteRaw over gRPC). A pprof the pprof receiver "
                   "scraped and nothing changed is sent as scraped (proflow_exporter_pprofs_total{pprof}).",
    .config_map = parca_exporter_cfg_map,
    .config_size = sizeof(parca_config),
    .validate = parca_exporter_validate,
    .create = parca_exporter_create,
};
