/* otlp_reply.h — what the OTLP exporters (otlp = gRPC, otlphttp = HTTP) do with a successful reply:
 * read its ExportProfilesServiceResponse and count and log the profiles the backend reported as
 * rejected in partial_success (proflow_exporter_partial_success_rejected_profiles_total).
 *
 * Ownership: pf_otlp_reply_init() fills a caller-owned struct; the metric belongs to the telemetry
 * registry and exporter_id must outlive the struct (it is the component's id). Nothing to free. */
#ifndef PF_OTLP_REPLY_H
#define PF_OTLP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

typedef struct pf_otlp_reply {
    const char *exporter_id;
    pf_metric *rejected_profiles; /* partial_success.rejected_profiles reported by the backend */
    pf_log_limiter partial_log;
} pf_otlp_reply;

void pf_otlp_reply_init(pf_otlp_reply *r, const char *exporter_id);

/* Reads partial_success from an ExportProfilesServiceResponse, protobuf or (json) OTLP/JSON; an empty
 * reply is a full success. False when the bytes do not decode. */
bool pf_otlp_reply_read(pf_otlp_reply *r, const uint8_t *body, size_t len, bool json);

/* The OTLP profiles development version this build encodes (opentelemetry-proto v1.10/v1.11 layout),
 * as the Collector's pdata names it, and the header that carries it. */
#define PF_OTLP_PROFILES_VERSION        "1"
#define PF_OTLP_PROFILES_VERSION_HEADER "otlp-profiles-development-version"

struct pf_http_client_config;
struct pf_http_header;
/* Writes the version header into h[0] and returns 1, or returns 0 when the configured headers
 * already set it (in any letter case). */
size_t pf_otlp_version_header(const struct pf_http_client_config *cfg, struct pf_http_header *h);

#endif
