/* series_exporter.h — the component lifecycle the pyroscope and parca exporters share: an exporter
 * helper (queue, retries, timeout; pipeline/exporter_helper.h) in front of an HTTP/gRPC client
 * (net/http_client.h), the client created at start and closed once the helper drained.
 *
 * Each exporter embeds pf_series_exporter as the first member of its own struct, calls
 * pf_series_exporter_init() from its create(), and supplies a send function whose ctx is that
 * struct. Its free_self() releases whatever the exporter added and the struct itself.
 *
 * Ownership: the client config is borrowed (it must outlive the component: the service's config,
 * or a copy inside the exporter's struct); the helper config is copied by the helper. */
#ifndef PF_SERIES_EXPORTER_H
#define PF_SERIES_EXPORTER_H

#include "net/http_client.h"
#include "pipeline/component.h"
#include "pipeline/exporter_helper.h"
#include "pipeline/log.h"

typedef struct pf_series_exporter pf_series_exporter;

struct pf_series_exporter {
    pf_component base;
    uv_loop_t *loop;
    const pf_http_client_config *client_cfg;
    pf_http_client *client; /* created by start, closed by shutdown */
    pf_exporter_helper *helper;
    void (*free_self)(pf_series_exporter *e);
    pf_log_limiter error_log;
    pf_done_cb shutdown_done;
    void *shutdown_data;
};

/* One send in progress: what a send function hands its reply callback (malloc'd; the callback
 * frees it). */
typedef struct pf_series_send {
    pf_series_exporter *exporter;
    pf_export_attempt *attempt;
} pf_series_send;

void pf_series_exporter_init(pf_series_exporter *e, const pf_create_args *args,
                             const pf_http_client_config *client_cfg, const pf_exporter_helper_config *helper_cfg,
                             pf_export_send_fn send, void (*free_self)(pf_series_exporter *e));

/* Finishes `attempt` as retryable when the exporter is not started; returns whether it did. */
bool pf_series_exporter_not_started(pf_series_exporter *e, pf_export_attempt *attempt);

pf_series_send *pf_series_send_new(pf_series_exporter *e, pf_export_attempt *attempt);

#endif
