/* fuzz_http_common.h — the HTTP server (net/) fed raw bytes as a connection receives them, for
 * fuzz_http1.c and fuzz_http2.c.
 *
 * A real pf_http_server (not listening) gets one connection per input, made as on_connection makes
 * one, over a socketpair whose far end the harness drains, so responses, keep-alive, pipelining,
 * Expect: 100-continue, early 413/431 answers, gRPC unframing and HTTP/2 frames all run for real.
 * Input layout: byte 0 = flags (bit 0: server with bearer-token auth; bits 1-7: feed chunk size,
 * 0 = whole), the rest the bytes the client sends. Handlers answer at once or, on /defer and the
 * push gRPC method, from a zero-delay timer after the feed (so answers to requests whose connection
 * died, and reads paused while a handler works, run too). After the bytes the client half-closes;
 * then the connection is closed and the loop run until every handle is gone. */
#ifndef PF_FUZZ_HTTP_COMMON_H
#define PF_FUZZ_HTTP_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/grpc_frame.h"
#include "net/http_internal.h"
#include "tests/fuzz/fuzz_common.h"

static uv_loop_t fuzz_loop;
static pf_http_server *fuzz_servers[2];

typedef struct deferred {
    uv_timer_t timer;
    pf_http_request *req;
    bool grpc;
} deferred;

static inline void deferred_closed(uv_handle_t *h) { free(h->data); }

static inline void deferred_fire(uv_timer_t *t)
{
    deferred *d = t->data;
    if (d->grpc)
        pf_grpc_respond(d->req, PF_GRPC_OK, NULL, "", 0);
    else
        pf_http_respond(d->req, 202, NULL, 0, "later\n", 6);
    uv_close((uv_handle_t *)&d->timer, deferred_closed);
}

static inline void handle_later(pf_http_request *req, void *data)
{
    deferred *d = pf_xcalloc(1, sizeof(*d));
    d->req = req;
    d->grpc = data != NULL;
    uv_timer_init(&fuzz_loop, &d->timer);
    d->timer.data = d;
    uv_timer_start(&d->timer, deferred_fire, 0, 0);
}

static inline void handle_echo(pf_http_request *req, void *data)
{
    (void)data;
    FUZZ_CHECK(req->method && req->path && req->query && req->peer_addr, "request field NULL");
    for (size_t i = 0; i < req->n_headers; i++)
        FUZZ_CHECK(req->headers[i].name && req->headers[i].value, "header %zu NULL", i);
    const char *ct = pf_http_header_get(req, "content-type");
    pf_http_header h[2] = {{"content-type", "application/octet-stream"}, {"x-echo-query", req->query}};
    if (ct && strchr(ct, '\n')) ct = NULL;
    pf_http_respond(req, 200, h, 1, req->body, req->body_len);
}

static inline void handle_grpc(pf_http_request *req, void *data)
{
    (void)data;
    if (req->body_len % 3 == 0)
        pf_grpc_respond(req, PF_GRPC_OK, NULL, req->body, req->body_len);
    else
        pf_grpc_respond(req, PF_GRPC_INVALID_ARGUMENT, "bad \xff message\n", NULL, 0);
}

static inline pf_http_server *fuzz_server(bool auth)
{
    pf_http_server_config cfg = {0};
    pf_cfg_error err;
    pf_cfg_defaults(pf_http_server_cfg_map, &cfg, &err);
    free(cfg.endpoint);
    cfg.endpoint = pf_xstrdup("127.0.0.1:0");
    cfg.max_request_body_size = 1 << 16;
    cfg.max_recv_msg_size_mib = 1;
    cfg.max_concurrent_streams = 8;
    /* Small limits so fuzzer-sized inputs reach the 414/431 and rapid-reset paths. */
    cfg.max_request_header_size = 2048;
    cfg.max_request_uri_size = 256;
    cfg.max_stream_resets_per_second = 1;
    if (auth) cfg.bearer_token = pf_xstrdup("fuzz-token");
    pf_http_server *s = pf_http_server_new(&fuzz_loop, &cfg, auth ? "fuzz-auth" : "fuzz");
    pf_cfg_release(pf_http_server_cfg_map, &cfg);
    pf_http_server_route(s, "POST", "/v1development/profiles", false, handle_echo, NULL);
    pf_http_server_route(s, "GET", "/metrics", false, handle_echo, NULL);
    pf_http_server_route(s, "DELETE", "/api/v1/", true, handle_echo, NULL);
    pf_http_server_route(s, "POST", "/defer", false, handle_later, NULL);
    pf_http_server_route(s, "POST", "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export",
                         false, handle_grpc, NULL);
    pf_http_server_route(s, "POST", "/push.v1.PusherService/Push", false, handle_later, (void *)1);
    char msg[256];
    /* Tokens are loaded at start; the listener itself is never used. */
    FUZZ_CHECK(pf_http_server_start(s, msg, sizeof(msg)), "%s", msg);
    uv_unref((uv_handle_t *)&s->listener); /* never accepts: the loop must not wait for it */
    return s;
}

static inline void fuzz_http_init(void)
{
    fuzz_quiet();
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&fuzz_loop);
    fuzz_servers[0] = fuzz_server(false);
    fuzz_servers[1] = fuzz_server(true);
}

static inline bool conn_alive(pf_http_server *s, pf_http_conn *c)
{
    for (pf_http_conn *x = s->conns; x; x = x->next)
        if (x == c) return true;
    return false;
}

static inline void drain(int fd)
{
    char buf[65536];
    while (read(fd, buf, sizeof(buf)) > 0) {}
}

static inline void spin(int fd, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        uv_run(&fuzz_loop, UV_RUN_NOWAIT);
        drain(fd);
    }
}

/* Feeds `data` (prefixed by `prefix`, if any) to a fresh connection. */
static inline void fuzz_http_feed(const uint8_t *data, size_t size, const char *prefix, size_t prefix_len)
{
    if (size < 1) return;
    pf_http_server *s = fuzz_servers[data[0] & 1];
    size_t chunk = (size_t)(data[0] >> 1) * 7;
    data++;
    size--;
    int sv[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0, "socketpair: %s",
               strerror(errno));
    pf_http_conn *c = pf_xcalloc(1, sizeof(*c));
    c->srv = s;
    uv_tcp_init(&fuzz_loop, &c->tcp);
    FUZZ_CHECK(uv_tcp_open(&c->tcp, sv[0]) == 0, "uv_tcp_open");
    uv_timer_init(&fuzz_loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->open_handles = 2;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->n_conns++;
    snprintf(c->peer, sizeof(c->peer), "fuzz:1");
    pf_conn_arm_timer(c, true);
    pf_conn_read_start(c);

    pf_buf in = {0};
    pf_buf_append(&in, prefix, prefix_len);
    pf_buf_append(&in, data, size);
    size_t off = 0;
    while (off < in.len && conn_alive(s, c) && !c->closing) {
        /* A connection whose reads are paused (a handler is working) gets no bytes until it reads again. */
        for (int i = 0; i < 4 && !c->reading && !c->closing; i++) spin(sv[1], 1);
        if (!conn_alive(s, c) || c->closing || !c->reading) break;
        size_t n = chunk && chunk < in.len - off ? chunk : in.len - off;
        pf_conn_on_plaintext(c, (const uint8_t *)in.data + off, n);
        off += n;
        spin(sv[1], 1);
    }
    pf_buf_free(&in);
    shutdown(sv[1], SHUT_WR);
    spin(sv[1], 4);
    if (conn_alive(s, c) && !c->closing) pf_conn_close(c);
    for (int i = 0; i < 1000 && conn_alive(s, c); i++) spin(sv[1], 1);
    FUZZ_CHECK(!conn_alive(s, c), "connection not freed");
    uv_run(&fuzz_loop, UV_RUN_DEFAULT); /* deferred answers still pending */
    close(sv[1]);
}

#endif
