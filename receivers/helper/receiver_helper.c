/* receiver_helper.c — delivery, counting and answers shared by the receivers (see receiver_helper.h). */
#include "receivers/helper/receiver_helper.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "net/grpc_frame.h"
#include "pipeline/model/ack.h"
#include "pipeline/base/memory_budget.h"

void pf_receiver_transport_init(pf_receiver_transport *t, const char *receiver_id, const char *name,
                                bool include_metadata, pf_log_limiter *log_limit)
{
    t->receiver_id = receiver_id;
    t->name = name;
    t->include_metadata = include_metadata;
    t->log_limit = log_limit;
    char labels[256];
    snprintf(labels, sizeof(labels), "receiver=\"%s\",transport=\"%s\"", receiver_id, name);
    pf_receiver_metrics m = pf_receiver_metrics_new(receiver_id, name);
    t->accepted = m.accepted;
    t->refused = m.refused;
    t->bytes = pf_counter("proflow_receiver_bytes_total", "Request bytes received, as sent on the wire.", labels);
}

void pf_receiver_answer_set(pf_receiver_answer *a, int http_status, int grpc_status, const char *fmt, ...)
{
    a->http_status = http_status;
    a->grpc_status = grpc_status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof(a->message), fmt, ap);
    va_end(ap);
}

static void attach_metadata(const pf_receiver_transport *t, const pf_http_request *req, pf_batch *b)
{
    pf_batch_set_receiver(b, t->receiver_id);
    pf_batch_set_client(b, req->peer_addr);
    const char *tenant = pf_http_header_get(req, "x-scope-orgid");
    if (tenant && *tenant) pf_batch_set_tenant(b, tenant);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    b->meta.received_unix_nano = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    if (!t->include_metadata) return;
    for (size_t i = 0; i < req->n_headers; i++) pf_batch_add_header(b, req->headers[i].name, req->headers[i].value);
}

static void count_early_refusal(const pf_receiver_transport *t, const char *reason)
{
    char labels[300];
    snprintf(labels, sizeof(labels), "receiver=\"%s\",transport=\"%s\",reason=\"%s\"", t->receiver_id, t->name, reason);
    pf_metric_add(pf_counter("proflow_receiver_early_refusals_total",
                             "Requests refused before their body was read or decoded (memory limit, pipeline busy).",
                             labels),
                  1);
}

static bool http_admit(const pf_http_request *req, size_t content_length, void *data, char *why, size_t why_len,
                       uint32_t *retry_after_s)
{
    (void)req;
    pf_receiver_transport *t = data;
    if (!pf_memory_admit(content_length, t->receiver_id, retry_after_s)) {
        count_early_refusal(t, "memory_limit");
        snprintf(why, why_len, "proflow is at its memory limit (%zu of %zu MiB accounted), retry later",
                 pf_memory_accounted() >> 20, pf_memory_soft_limit() >> 20);
        return false;
    }
    if (t->gate_next && !pf_consumer_ready(t->gate_next)) {
        count_early_refusal(t, "pipeline_busy");
        snprintf(why, why_len, "pipeline is busy (exporter queues full), retry later");
        *retry_after_s = 1;
        return false;
    }
    return true;
}

void pf_receiver_install_admission(pf_http_server *s, pf_receiver_transport *t, pf_consumer *next)
{
    t->gate_next = next;
    pf_http_server_set_admission(s, http_admit, t);
}

bool pf_receiver_admit(const pf_receiver_transport *t, pf_consumer *next, pf_receiver_answer *a)
{
    if (pf_consumer_ready(next)) return true;
    count_early_refusal(t, "pipeline_busy");
    pf_receiver_answer_set(a, 503, PF_GRPC_UNAVAILABLE, "pipeline is busy (exporter queues full), retry later");
    a->retry_after_s = 1;
    return false;
}

/* A request whose answer waits for storage (pf_http_hold_answer). */
typedef struct held_request {
    const pf_receiver_transport *t;
    pf_http_request *req;
    size_t samples;
} held_request;

static void on_stored(void *data, pf_status st, const char *why)
{
    held_request *h = data;
    pf_metric_add(st == PF_OK ? h->t->accepted : h->t->refused, (double)h->samples);
    pf_http_release_answer(h->req, st == PF_OK, why);
    free(h);
}

pf_status pf_receiver_deliver(const pf_receiver_transport *t, pf_consumer *next, const pf_http_request *req,
                              pf_batch *b, pf_receiver_answer *a)
{
    attach_metadata(t, req, b);
    size_t samples = pf_batch_sample_count(b); /* before consume: the pipeline may change or free b */
    pf_error perr = {{0}, 0};
    held_request *held = NULL;
    pf_ack *ack = NULL;
    if (pf_consumer_durable(next)) {
        held = pf_xmalloc(sizeof(*held));
        *held = (held_request){t, (pf_http_request *)req, samples};
        ack = pf_ack_new(on_stored, held);
        pf_batch_add_ack(b, ack);
    }
    pf_status st = pf_consumer_consume(next, b, &perr);
    if (st == PF_OK && ack) {
        pf_status final;
        const char *why;
        if (pf_ack_arm(ack, &final, &why)) {
            free(held);
            if (final != PF_OK) {
                st = final;
                snprintf(perr.msg, sizeof(perr.msg), "%s", why);
                perr.retry_after_s = 1;
            }
        } else {
            pf_http_hold_answer((pf_http_request *)req); /* on_stored answers */
            pf_ack_unref(ack);
            return PF_OK;
        }
        pf_ack_unref(ack);
    } else if (ack) {
        pf_ack_unref(ack); /* never armed: its callback will not run */
        free(held);
    }
    if (st == PF_OK) {
        pf_metric_add(t->accepted, (double)samples);
        return st;
    }
    pf_metric_add(t->refused, (double)samples);
    const char *why = perr.msg[0] ? perr.msg : "refused by the pipeline";
    if (st == PF_RETRYABLE) {
        pf_receiver_answer_set(a, 503, PF_GRPC_UNAVAILABLE, "%s", why);
        a->retry_after_s = perr.retry_after_s ? perr.retry_after_s : 1;
    } else {
        pf_receiver_answer_set(a, 400, PF_GRPC_INVALID_ARGUMENT, "%s", why);
    }
    return st;
}

void pf_receiver_count_request(const pf_receiver_transport *t, const pf_http_request *req, const char *status,
                               const pf_receiver_answer *a)
{
    char labels[300];
    snprintf(labels, sizeof(labels), "receiver=\"%s\",transport=\"%s\",status=\"%s\"", t->receiver_id, t->name, status);
    pf_metric_add(pf_counter("proflow_receiver_requests_total", "Requests received, by answer.", labels), 1);
    if (a && a->http_status != 200)
        pf_log_limited(t->log_limit, 10, PF_LOG_WARN, t->receiver_id, "%s request from %s refused (%s): %s", t->name,
                       req->peer_addr, status, a->message);
}

void pf_receiver_media_type(const char *value, char *out, size_t out_len)
{
    size_t n = 0;
    const char *p = value ? value : "";
    while (*p == ' ') p++;
    for (; *p && *p != ';' && *p != ' ' && n + 1 < out_len; p++) out[n++] = (char)tolower((unsigned char)*p);
    out[n] = '\0';
}
