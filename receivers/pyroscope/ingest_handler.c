/* ingest_handler.c — Pyroscope's legacy `POST /ingest` (and `/pyroscope/ingest`): query and body
 * decoded by ingest.h into pprofs with series labels, then delivered. Answers, as plain text:
 *   success                                    200, empty body
 *   bad query (name, from, until, sampleRate…) 400 "invalid query: <param>: <problem>"
 *   malformed body                             400 "invalid <format> body: <problem>"
 *   unknown format, trie/tree/speedscope       415
 *   too big after decompression                413 (too big on the wire: the server's own 413)
 *   pipeline PF_RETRYABLE / PF_PERMANENT       503 + Retry-After / 400 */
#include <stdio.h>
#include <string.h>

#include "net/grpc_frame.h"
#include "receivers/pyroscope/pyroscope_receiver.h"

static const char *format_name(pf_pyro_format f)
{
    static const char *const names[] = {"folded", "lines", "pprof", "jfr", "trie", "tree", "speedscope"};
    return (size_t)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

static int grpc_status_for(int http_status)
{
    return http_status == 413   ? PF_GRPC_RESOURCE_EXHAUSTED
           : http_status == 415 ? PF_GRPC_UNIMPLEMENTED
                                : PF_GRPC_INVALID_ARGUMENT;
}

/* The decoders hand back unpacked Profiles, validated in place (no second encode and decode). */
static bool add_profile(pyro_receiver *r, pf_batch *b, pf_arena *a, const pf_pyro_query *q, pf_pyro_profile *p,
                        char *err, size_t errlen)
{
    if (p->pprof->duration_nanos == 0 && p->pprof->time_nanos == q->from_ns && q->until_ns > q->from_ns)
        p->pprof->duration_nanos = q->until_ns - q->from_ns;
    return pyro_batch_add_profile(b, a, &p->labels, p->pprof, r->max_body, err, errlen);
}

static void ingest(pyro_api *api, const pf_http_request *req, pf_arena *a, pf_receiver_answer *res)
{
    pyro_receiver *r = api->receiver;
    if (!pf_receiver_admit(&api->rt, r->next, res)) return;
    char err[512] = "";
    pf_pyro_query q;
    pf_pyro_status st = pf_pyro_parse_query_status(req->query, &q, a, err, sizeof(err));
    if (st != PF_PYRO_OK) {
        int http = pf_pyro_http_status(st);
        pf_receiver_answer_set(res, http, grpc_status_for(http), "invalid query: %s", err);
        return;
    }
    pf_pyro_profile *profiles;
    size_t n;
    st = pf_pyro_decode_body(&q, pf_http_header_get(req, "content-type"), req->body, req->body_len, r->max_body, a,
                             &profiles, &n, err, sizeof(err));
    if (st != PF_PYRO_OK) {
        int http = pf_pyro_http_status(st);
        pf_receiver_answer_set(res, http, grpc_status_for(http), "invalid %s body: %s", format_name(q.format), err);
        return;
    }
    pf_batch *b = pf_batch_new();
    for (size_t i = 0; i < n; i++) {
        if (!add_profile(r, b, a, &q, &profiles[i], err, sizeof(err))) {
            pf_batch_unref(b);
            pf_receiver_answer_set(res, 400, PF_GRPC_INVALID_ARGUMENT, "invalid %s body: profile %zu: %s",
                                   format_name(q.format), i, err);
            return;
        }
    }
    b->wire_bytes = req->body_len;
    pyro_deliver(api, req, b, res);
}

void pyro_handle_ingest(pf_http_request *req, void *data)
{
    pyro_api *api = data;
    pf_metric_add(api->rt.bytes, (double)req->body_len);
    pf_arena *a = pf_arena_create(64 * 1024);
    pf_receiver_answer res = {0};
    ingest(api, req, a, &res);
    pf_arena_destroy(a);

    char status[8];
    snprintf(status, sizeof(status), "%d", res.http_status);
    pf_receiver_count_request(&api->rt, req, status, &res);
    if (res.http_status == 200) {
        pf_http_respond(req, 200, NULL, 0, NULL, 0);
        return;
    }
    pf_http_header hs[2] = {{"content-type", "text/plain; charset=utf-8"}};
    size_t nh = 1;
    char retry[16];
    if (res.retry_after_s) {
        snprintf(retry, sizeof(retry), "%u", res.retry_after_s);
        hs[nh++] = (pf_http_header){"retry-after", retry};
    }
    pf_buf body = {0};
    pf_buf_printf(&body, "%s\n", res.message);
    pf_http_respond(req, res.http_status, hs, nh, body.data, body.len);
    pf_buf_free(&body);
}
