/* deliver.c — the half of the pyroscope receiver both APIs share: decoded pprofs with their series
 * labels → one OTLP batch → the pipeline, with the counting and logging every request gets. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/grpc_frame.h"
#include "pipeline/pprof/pprof.h"
#include "receivers/pyroscope/name.h"
#include "receivers/pyroscope/pyroscope_receiver.h"

void pyro_result_set(pyro_result *res, int http_status, int grpc_status, const char *fmt, ...)
{
    res->http_status = http_status;
    res->grpc_status = grpc_status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof(res->message), fmt, ap);
    va_end(ap);
}

/* Pyroscope's service_name label is OTel's service.name resource attribute; every other label
 * (including __name__, which the exporters read back as the profile type) keeps its name. */
static const char *attribute_key(const char *label)
{
    return strcmp(label, "service_name") == 0 ? "service.name" : label;
}

bool pyro_batch_add_pprof(pf_batch *b, pf_arena *scratch, const pf_pyro_labels *labels, const uint8_t *bytes,
                          size_t len, size_t max_bytes, char *err, size_t errlen)
{
    pf_pprof pp;
    if (!pf_pprof_parse(scratch, bytes, len, max_bytes, &pp, err, errlen)) return false;
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    for (size_t i = 0; i < labels->n; i++)
        pf_resource_set_string(b, rp->resource, attribute_key(labels->items[i].name), labels->items[i].value);
    pf_pprof_to_otlp(b, rp, &pp, pf_pyro_label_get(labels, "__name__"));
    return true;
}

static void attach_metadata(const pyro_receiver *r, const pf_http_request *req, pf_batch *b)
{
    pf_batch_set_receiver(b, r->base.id);
    pf_batch_set_client(b, req->peer_addr);
    const char *tenant = pf_http_header_get(req, "x-scope-orgid");
    if (tenant && *tenant) pf_batch_set_tenant(b, tenant);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    b->meta.received_unix_nano = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    if (!r->cfg->include_metadata) return;
    for (size_t i = 0; i < req->n_headers; i++) pf_batch_add_header(b, req->headers[i].name, req->headers[i].value);
}

void pyro_deliver(pyro_api *api, const pf_http_request *req, pf_batch *b, pyro_result *res)
{
    pyro_result_set(res, 200, 0, "%s", "");
    if (pf_batch_profile_count(b) == 0) {
        pf_batch_unref(b);
        return;
    }
    pyro_receiver *r = api->receiver;
    attach_metadata(r, req, b);
    size_t samples = pf_batch_sample_count(b);
    pf_error perr = {{0}, 0};
    pf_status st = pf_consumer_consume(r->next, b, &perr);
    if (st == PF_OK) {
        pf_metric_add(api->accepted, (double)samples);
        return;
    }
    pf_metric_add(api->refused, (double)samples);
    const char *why = perr.msg[0] ? perr.msg : "refused by the pipeline";
    if (st == PF_RETRYABLE) {
        pyro_result_set(res, 503, PF_GRPC_UNAVAILABLE, "pipeline busy, retry later: %s", why);
        res->retry_after_s = perr.retry_after_s ? perr.retry_after_s : 1;
    } else {
        pyro_result_set(res, 400, PF_GRPC_INVALID_ARGUMENT, "rejected by the pipeline: %s", why);
    }
}

void pyro_count_request(pyro_api *api, const pf_http_request *req, const char *status, const pyro_result *res)
{
    pyro_receiver *r = api->receiver;
    char labels[300];
    snprintf(labels, sizeof(labels), "receiver=\"%s\",transport=\"%s\",status=\"%s\"", r->base.id, api->name, status);
    pf_metric_add(pf_counter("proflow_receiver_requests_total", "Requests received, by answer.", labels), 1);
    if (res && res->http_status != 200)
        pf_log_limited(&r->log_limit, 10, PF_LOG_WARN, r->base.id, "%s request from %s refused (%s): %s", api->name,
                       req->peer_addr, status, res->message);
}
