/* http2.c — HTTP/2 on a server connection with an nghttp2 server session: requests are collected per
 * stream and dispatched at END_STREAM; answers go out as HEADERS+DATA, and gRPC answers add
 * grpc-status trailers (or a single trailers-only HEADERS frame for errors). nghttp2 enforces
 * max_concurrent_streams (REFUSED_STREAM beyond it), flow control, RST_STREAM and GOAWAY. */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/grpc_frame.h"
#include "net/http_internal.h"
#include "pipeline/base/base64.h"

enum { MAX_HEADERS = 256, STREAM_WINDOW = 1 << 20, CONN_WINDOW = 16 << 20 };

struct pf_h2 {
    pf_http_conn *conn;
    nghttp2_session *session;
    bool in_recv;              /* inside nghttp2_session_mem_recv: frames are sent after it returns */
    size_t open_streams;       /* requests begun and not closed */
    size_t streams_in_headers; /* of those, still receiving their header block */
    bool header_timer;         /* the connection timer is the header timer of the oldest such stream */
    /* Rapid-reset guard: a token bucket of client RST_STREAMs (refill resets_per_s, burst 10x). */
    double reset_tokens;
    uint64_t reset_refill_ms;
    bool calmed; /* GOAWAY ENHANCE_YOUR_CALM sent */
};

#define NV(n, v)                                                                                                       \
    {                                                                                                                  \
        (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE                                     \
    }

static void flush(pf_http_conn *c)
{
    pf_h2 *h = c->h2;
    if (h->in_recv || c->closing) return;
    pf_buf out = {0};
    for (;;) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(h->session, &data);
        if (n < 0) {
            pf_buf_free(&out);
            pf_conn_close(c);
            return;
        }
        if (n == 0) break;
        pf_buf_append(&out, data, (size_t)n);
    }
    pf_conn_write(c, out.data, out.len);
    pf_buf_free(&out);
    if (!nghttp2_session_want_read(h->session) && !nghttp2_session_want_write(h->session)) pf_conn_close_after_write(c);
}

static pf_req *stream_req(nghttp2_session *s, int32_t stream_id)
{
    return nghttp2_session_get_stream_user_data(s, stream_id);
}

/* Header timer while some stream is still receiving its headers (armed when the first such stream
 * begins, not extended by later bytes: slowloris); otherwise the idle timer, armed when the last open
 * stream closes (frames without a request, such as PING, do not keep a connection open). */
static void update_timer(pf_h2 *h, bool stream_closed)
{
    pf_http_conn *c = h->conn;
    if (c->closing || c->goaway_sent) return;
    if (h->streams_in_headers > 0) {
        if (!h->header_timer) pf_conn_arm_timer(c, true);
        h->header_timer = true;
        return;
    }
    if (h->header_timer || (stream_closed && h->open_streams == 0))
        pf_conn_arm_timer(c, false);
    else if (h->open_streams > 0)
        pf_conn_arm_timer(c, false); /* request activity */
    h->header_timer = false;
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    pf_h2 *h = ud;
    if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST || h->conn->closing) return 0;
    pf_req *r = pf_req_new(h->conn, 2);
    r->stream_id = f->hd.stream_id;
    r->keep_alive = true;
    r->in_headers = true;
    h->open_streams++;
    h->streams_in_headers++;
    nghttp2_session_set_stream_user_data(s, f->hd.stream_id, r);
    update_timer(h, false);
    return 0;
}

static void headers_done(pf_h2 *h, pf_req *r)
{
    if (!r->in_headers) return;
    r->in_headers = false;
    h->streams_in_headers--;
    update_timer(h, false);
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t name_len,
                     const uint8_t *value, size_t value_len, uint8_t flags, void *ud)
{
    (void)flags;
    (void)ud;
    pf_req *r = f->hd.type == NGHTTP2_HEADERS ? stream_req(s, f->hd.stream_id) : NULL;
    if (!r || r->dispatched) return 0;
    /* RFC 9113 6.5.2 counts 32 bytes of overhead per field. Beyond the limit nothing more is kept; the
     * request is answered 431 once its header block is complete. */
    r->header_bytes += name_len + value_len + 32;
    if (r->header_bytes > r->conn->srv->max_header_bytes) {
        r->header_overflow = true;
        return 0;
    }
    const char *n = (const char *)name, *v = (const char *)value;
    if (name_len == 7 && memcmp(n, ":method", 7) == 0) {
        free(r->method);
        r->method = pf_xstrndup(v, value_len);
    } else if (name_len == 5 && memcmp(n, ":path", 5) == 0) {
        const char *q = memchr(v, '?', value_len);
        size_t path_len = q ? (size_t)(q - v) : value_len;
        free(r->path);
        free(r->query);
        r->path = pf_xstrndup(v, path_len);
        r->query = q ? pf_xstrndup(q + 1, value_len - path_len - 1) : NULL;
    } else if (name_len == 10 && memcmp(n, ":authority", 10) == 0) {
        pf_req_add_header(r, "host", 4, v, value_len);
    } else if (name_len > 0 && n[0] != ':') {
        if (r->n_headers >= MAX_HEADERS) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        pf_req_add_header(r, n, name_len, v, value_len);
    }
    return 0;
}

static size_t body_limit(const pf_req *r)
{
    const pf_http_server *srv = r->conn->srv;
    return r->pub.is_grpc ? srv->max_grpc_msg + 5 : srv->max_body;
}

static void reject_too_large(pf_req *r)
{
    pf_http_server *srv = r->conn->srv;
    char msg[200];
    if (r->pub.is_grpc)
        snprintf(msg, sizeof(msg), "grpc: received message larger than max_recv_msg_size_mib (%zu bytes)",
                 srv->max_grpc_msg);
    else
        snprintf(msg, sizeof(msg), "request body exceeds max_request_body_size (%zu)", srv->max_body);
    r->body_rejected = true;
    pf_http_limit_hit(srv, PF_LIMIT_BODY_SIZE, r->peer, msg);
    pf_req_reject(r, 413, PF_GRPC_RESOURCE_EXHAUSTED, msg);
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len,
                         void *ud)
{
    (void)flags;
    pf_req *r = stream_req(s, stream_id);
    if (!r || r->answered || r->dispatched || !r->conn) return 0;
    if (r->body.len + len > body_limit(r)) {
        reject_too_large(r);
        return 0;
    }
    pf_buf_append(&r->body, data, len);
    pf_req_account_body(r);
    if (!((pf_h2 *)ud)->header_timer) pf_conn_arm_timer(r->conn, false); /* an upload in progress is not idle */
    return 0;
}

static void on_request_headers(pf_req *r)
{
    pf_http_server *srv = r->conn->srv;
    if (r->header_overflow ||
        (r->path && strlen(r->path) + (r->query ? strlen(r->query) + 1 : 0) > srv->max_uri_bytes)) {
        char msg[160];
        bool uri = !r->header_overflow;
        snprintf(msg, sizeof(msg),
                 uri ? "request target longer than max_request_uri_size (%zu bytes)"
                     : "header list exceeds max_request_header_size (%zu bytes)",
                 uri ? srv->max_uri_bytes : srv->max_header_bytes);
        const char *ct =
            pf_http_header_get(&(pf_http_request){.headers = r->headers, .n_headers = r->n_headers}, "content-type");
        r->pub.is_grpc = ct && strncasecmp(ct, "application/grpc", 16) == 0;
        r->body_rejected = true;
        pf_http_limit_hit(srv, uri ? PF_LIMIT_URI_SIZE : PF_LIMIT_HEADER_SIZE, r->peer, msg);
        pf_req_reject(r, uri ? 414 : 431, PF_GRPC_RESOURCE_EXHAUSTED, msg);
        return;
    }
    const char *ct =
        pf_http_header_get(&(pf_http_request){.headers = r->headers, .n_headers = r->n_headers}, "content-type");
    r->pub.is_grpc = ct && strncasecmp(ct, "application/grpc", 16) == 0;
    const char *cl =
        pf_http_header_get(&(pf_http_request){.headers = r->headers, .n_headers = r->n_headers}, "content-length");
    unsigned long long n = cl ? strtoull(cl, NULL, 10) : 0;
    if (n > body_limit(r)) {
        reject_too_large(r);
        return;
    }
    /* Memory admission before the body is read (pf_http_server_set_admission). */
    if (!pf_req_admit(r, (size_t)n)) return;
    if (n) pf_buf_reserve(&r->body, (size_t)n);
    pf_req_account_body(r);
}

/* A client RST_STREAM spends a token; with none left the connection is told to calm down and closed.
 * Opening and resetting streams in a loop then costs the client a new TCP (and TLS) connection every
 * burst, while each reset stream costs us at most one dispatch. */
static void on_client_reset(pf_h2 *h)
{
    pf_http_conn *c = h->conn;
    pf_http_server *srv = c->srv;
    double burst = srv->resets_per_s * 10;
    uint64_t now = uv_now(srv->loop);
    if (h->reset_refill_ms == 0) {
        h->reset_tokens = burst;
    } else {
        h->reset_tokens += (double)(now - h->reset_refill_ms) * srv->resets_per_s / 1000.0;
        if (h->reset_tokens > burst) h->reset_tokens = burst;
    }
    h->reset_refill_ms = now;
    if (h->reset_tokens >= 1) {
        h->reset_tokens -= 1;
        return;
    }
    if (h->calmed) return;
    h->calmed = true;
    char msg[200];
    snprintf(msg, sizeof(msg),
             "client reset streams faster than max_stream_resets_per_second (%.0f/s, burst %.0f): "
             "GOAWAY ENHANCE_YOUR_CALM",
             srv->resets_per_s, burst);
    pf_http_limit_hit(srv, PF_LIMIT_RAPID_RESET, c->peer, msg);
    nghttp2_session_terminate_session(h->session, NGHTTP2_ENHANCE_YOUR_CALM);
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    pf_h2 *h = ud;
    if (f->hd.type == NGHTTP2_RST_STREAM) on_client_reset(h);
    if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) return 0;
    pf_req *r = stream_req(s, f->hd.stream_id);
    if (!r || !r->conn) return 0;
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
        headers_done(h, r);
        on_request_headers(r);
    }
    if ((f->hd.flags & NGHTTP2_FLAG_END_STREAM) && !r->answered && !r->dispatched) pf_req_dispatch(r);
    return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *ud)
{
    (void)error_code;
    pf_h2 *h = ud;
    pf_req *r = stream_req(s, stream_id);
    if (!r) return 0;
    nghttp2_session_set_stream_user_data(s, stream_id, NULL);
    headers_done(h, r);
    h->open_streams--;
    update_timer(h, true);
    pf_req_detach(r);
    return 0;
}

/* nghttp2 refuses streams beyond max_concurrent_streams itself: with RST_STREAM(REFUSED_STREAM) while
 * our SETTINGS is not acknowledged yet, with GOAWAY(PROTOCOL_ERROR) afterwards, whose debug data
 * names the reason. */
static int on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
    (void)s;
    pf_h2 *h = ud;
    if (f->hd.type == NGHTTP2_RST_STREAM && f->rst_stream.error_code == NGHTTP2_REFUSED_STREAM) {
        char msg[160];
        snprintf(msg, sizeof(msg), "stream refused: max_concurrent_streams (%u) open", h->conn->srv->max_streams);
        pf_http_limit_hit(h->conn->srv, PF_LIMIT_MAX_STREAMS, h->conn->peer, msg);
    }
    static const char exceeded[] = "max concurrent streams exceeded";
    if (f->hd.type == NGHTTP2_GOAWAY && f->goaway.opaque_data &&
        memmem(f->goaway.opaque_data, f->goaway.opaque_data_len, exceeded, sizeof(exceeded) - 1)) {
        char msg[160];
        snprintf(msg, sizeof(msg), "client opened more than max_concurrent_streams (%u) streams: GOAWAY",
                 h->conn->srv->max_streams);
        pf_http_limit_hit(h->conn->srv, PF_LIMIT_MAX_STREAMS, h->conn->peer, msg);
    }
    return 0;
}

pf_h2 *pf_h2_new(pf_http_conn *c)
{
    pf_h2 *h = pf_xcalloc(1, sizeof(*h));
    h->conn = c;
    nghttp2_session_callbacks *cbs;
    if (nghttp2_session_callbacks_new(&cbs) != 0) abort();
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
    if (nghttp2_session_server_new(&h->session, cbs, h) != 0) abort();
    nghttp2_session_callbacks_del(cbs);
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, c->srv->max_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)c->srv->max_header_bytes},
    };
    nghttp2_submit_settings(h->session, NGHTTP2_FLAG_NONE, settings, sizeof(settings) / sizeof(settings[0]));
    nghttp2_session_set_local_window_size(h->session, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW);
    pf_conn_arm_timer(c, false); /* idle until a request begins */
    return h;
}

void pf_h2_free(pf_h2 *h)
{
    nghttp2_session_del(h->session);
    free(h);
}

void pf_h2_feed(pf_http_conn *c, const uint8_t *data, size_t len)
{
    pf_h2 *h = c->h2;
    if (c->closing) return;
    h->in_recv = true;
    ssize_t n = nghttp2_session_mem_recv(h->session, data, len);
    h->in_recv = false;
    if (c->closing) return;
    if (n < 0) {
        pf_log_limited(&c->srv->log_limit, 10, PF_LOG_WARN, c->srv->owner_id, "HTTP/2 error from %s: %s", c->peer,
                       nghttp2_strerror((int)n));
        pf_http_count_reject(c->srv, "bad_request");
        nghttp2_session_terminate_session(h->session, NGHTTP2_PROTOCOL_ERROR);
    }
    flush(c);
}

void pf_h2_on_timeout(pf_http_conn *c)
{
    pf_h2 *h = c->h2;
    if (h->streams_in_headers > 0)
        pf_http_limit_hit(c->srv, PF_LIMIT_HEADER_TIMEOUT, c->peer,
                          "HTTP/2 request headers not received within read_header_timeout: GOAWAY");
    else
        pf_http_limit_hit(c->srv, PF_LIMIT_IDLE_TIMEOUT, c->peer, "idle HTTP/2 connection closed after idle_timeout");
    pf_h2_goaway(c);
}

static ssize_t read_response(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t len, uint32_t *flags,
                             nghttp2_data_source *src, void *ud)
{
    (void)ud;
    pf_req *r = src->ptr;
    size_t left = r->response.len - r->response_off;
    size_t n = left < len ? left : len;
    if (n) memcpy(buf, r->response.data + r->response_off, n);
    r->response_off += n;
    if (r->response_off == r->response.len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (r->response_trailers) {
            char status[16];
            snprintf(status, sizeof(status), "%d", r->grpc_status);
            nghttp2_nv trailers[] = {NV("grpc-status", status), NV("grpc-message", r->grpc_message)};
            size_t n_trailers = r->grpc_message[0] ? 2 : 1;
            if (nghttp2_submit_trailer(s, stream_id, trailers, n_trailers) == 0)
                *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        }
    }
    return (ssize_t)n;
}

static bool is_hop_by_hop(const char *name)
{
    return strcasecmp(name, "connection") == 0 || strcasecmp(name, "keep-alive") == 0 ||
           strcasecmp(name, "transfer-encoding") == 0 || strcasecmp(name, "upgrade") == 0 ||
           strcasecmp(name, "content-length") == 0;
}

void pf_h2_respond(pf_req *r, int status, const pf_http_header *headers, size_t n_headers, const void *body,
                   size_t body_len)
{
    pf_http_conn *c = r->conn;
    char status_s[8], length_s[24];
    snprintf(status_s, sizeof(status_s), "%d", status);
    snprintf(length_s, sizeof(length_s), "%zu", body_len);
    nghttp2_nv *nv = pf_xcalloc(n_headers + 2, sizeof(*nv));
    char **lower = pf_xcalloc(n_headers + 1, sizeof(*lower));
    size_t n = 0;
    nv[n++] = (nghttp2_nv)NV(":status", status_s);
    for (size_t i = 0; i < n_headers; i++) {
        if (is_hop_by_hop(headers[i].name)) continue;
        lower[i] = pf_xstrdup(headers[i].name);
        for (char *p = lower[i]; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        nv[n++] = (nghttp2_nv)NV(lower[i], headers[i].value);
    }
    nv[n++] = (nghttp2_nv)NV("content-length", length_s);
    bool send_body = body_len > 0 && !(r->method && strcmp(r->method, "HEAD") == 0);
    if (send_body) pf_buf_append(&r->response, body, body_len);
    nghttp2_data_provider prd = {.source.ptr = r, .read_callback = read_response};
    nghttp2_submit_response(c->h2->session, r->stream_id, nv, n, send_body ? &prd : NULL);
    for (size_t i = 0; i < n_headers; i++) free(lower[i]);
    free(lower);
    free(nv);
    flush(c);
}

void pf_h2_grpc_respond(pf_req *r, int grpc_status, const char *grpc_message, const void *msg, size_t msg_len)
{
    pf_http_conn *c = r->conn;
    pf_buf enc = {0};
    pf_grpc_percent_encode(grpc_message ? grpc_message : "", &enc);
    pf_buf_append(&enc, "", 0); /* allocates and NUL-terminates an empty message too */
    r->grpc_status = grpc_status;
    r->grpc_message = enc.data;
    char status[16];
    snprintf(status, sizeof(status), "%d", grpc_status);
    if (msg) {
        pf_grpc_frame(msg, msg_len, &r->response);
        r->response_trailers = true;
        nghttp2_nv nv[] = {NV(":status", "200"), NV("content-type", "application/grpc")};
        nghttp2_data_provider prd = {.source.ptr = r, .read_callback = read_response};
        nghttp2_submit_response(c->h2->session, r->stream_id, nv, 2, &prd);
    } else {
        /* Trailers-Only: status and trailers in a single HEADERS frame that ends the stream. An
         * UNAVAILABLE (overload, memory limit, storage) carries a google.rpc.RetryInfo asking for a
         * retry after 1 s, as Retry-After does over HTTP. */
        pf_buf details = {0};
        if (grpc_status == PF_GRPC_UNAVAILABLE) {
            static const char type_url[] = "type.googleapis.com/google.rpc.RetryInfo";
            uint8_t st[64];
            size_t n = 0;
            st[n++] = 0x08, st[n++] = PF_GRPC_UNAVAILABLE; /* Status.code */
            st[n++] = 0x1a, st[n++] = 2 + 40 + 6;          /* Status.details: Any */
            st[n++] = 0x0a, st[n++] = 40;                  /* Any.type_url */
            memcpy(st + n, type_url, 40);
            n += 40;
            st[n++] = 0x12, st[n++] = 4; /* Any.value: RetryInfo */
            st[n++] = 0x0a, st[n++] = 2; /* RetryInfo.retry_delay: Duration */
            st[n++] = 0x08, st[n++] = 1; /* Duration.seconds = 1 */
            pf_base64_append(&details, st, n);
        }
        nghttp2_nv nv[5] = {NV(":status", "200"), NV("content-type", "application/grpc"), NV("grpc-status", status)};
        size_t n_nv = 3;
        if (r->grpc_message[0]) nv[n_nv++] = (nghttp2_nv)NV("grpc-message", r->grpc_message);
        if (details.len) nv[n_nv++] = (nghttp2_nv)NV("grpc-status-details-bin", details.data);
        nghttp2_submit_response(c->h2->session, r->stream_id, nv, n_nv, NULL);
        pf_buf_free(&details);
    }
    flush(c);
}

void pf_h2_deadline_exceeded(pf_req *r)
{
    pf_http_conn *c = r->conn;
    nghttp2_session *s = c->h2->session;
    nghttp2_nv nv[] = {NV(":status", "200"), NV("content-type", "application/grpc"), NV("grpc-status", "4"),
                       NV("grpc-message", "deadline exceeded")};
    nghttp2_submit_response(s, r->stream_id, nv, 4, NULL);
    nghttp2_session_set_stream_user_data(s, r->stream_id, NULL);
    pf_req_detach(r);
    flush(c);
}

void pf_h2_goaway(pf_http_conn *c)
{
    pf_h2 *h = c->h2;
    if (c->closing || c->goaway_sent) return;
    c->goaway_sent = true;
    nghttp2_submit_goaway(h->session, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(h->session),
                          NGHTTP2_NO_ERROR, NULL, 0);
    flush(c);
    pf_conn_arm_close_grace(c);
}
