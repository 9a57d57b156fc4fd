/* otlp_exporter.h — what the OTLP exporters (otlp = gRPC, otlphttp = HTTP) share: the component
 * lifecycle around an exporter helper (pipeline/exporter_helper.h) and an HTTP client
 * (net/http_client.h), partial-success accounting and error-message formatting. Each exporter only
 * supplies its URL and a send function that turns one reply into a pf_export_done() result.
 *
 * Ownership: pf_otlp_exporter_create() takes ownership of `url` (malloc'd) and allocates the
 * exporter; the component's destroy frees both. The config structs belong to the service. */
#ifndef PF_OTLP_EXPORTER_H
#define PF_OTLP_EXPORTER_H

#include "net/http_client.h"
#include "pipeline/component.h"
#include "pipeline/exporter_helper.h"
#include "pipeline/log.h"
#include "pipeline/telemetry.h"

typedef struct pf_otlp_exporter {
    pf_component base;
    uv_loop_t *loop;
    const pf_http_client_config *client_cfg;
    pf_http_client *client;       /* created by start, closed by shutdown */
    pf_exporter_helper *helper;
    char *url;
    const char *compression;      /* NULL when the body is sent uncompressed */
    bool json;                    /* otlphttp encoding: json */
    pf_metric *rejected_profiles; /* partial_success.rejected_profiles reported by the backend */
    pf_log_limiter partial_log, error_log;
    pf_done_cb shutdown_done;
    void *shutdown_data;
} pf_otlp_exporter;

/* One send in progress: what a send function hands its reply callback. */
typedef struct pf_otlp_send {
    pf_otlp_exporter *exporter;
    pf_export_attempt *attempt;
} pf_otlp_send;

pf_component *pf_otlp_exporter_create(const pf_create_args *args, const pf_http_client_config *client_cfg,
                                      const pf_exporter_helper_config *helper_cfg, char *url,
                                      pf_export_send_fn send);

/* Counts and logs (rate-limited) profiles the backend rejected in a partial success. */
void pf_otlp_exporter_partial_success(pf_otlp_exporter *e, int64_t rejected_profiles, const char *message);

/* Reads partial_success from an ExportProfilesServiceResponse, protobuf or (json) OTLP/JSON; an empty
 * reply is a full success. False when the bytes do not decode. */
bool pf_otlp_exporter_read_reply(pf_otlp_exporter *e, const uint8_t *body, size_t len, bool json);

/* Writes at most out_len-1 printable characters of a reply body (others become '.'), for error
 * messages and logs. */
void pf_otlp_body_excerpt(const uint8_t *body, size_t len, char *out, size_t out_len);

#endif
