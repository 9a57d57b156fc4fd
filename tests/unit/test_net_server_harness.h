/* test_net_server_harness.h — runs a pf_http_server on a libuv loop in the test's main thread while
 * a client scenario runs in a second thread (plain blocking sockets, or child processes such as curl),
 * then closes the server and checks that the loop drains. Shared by the test_net_* server tests.
 *
 * Handlers registered by harness_routes():
 *   GET  /hello          200 "hello"
 *   POST /echo           200, body echoed, x-query: the query string, x-peer-ok: 1 when peer_addr set
 *   POST /slow           answered 50 ms later from a timer: "slow:<body length>"
 *   GET  /header?        200, body = value of request header x-test
 *   POST /grpc.Echo/Say  gRPC: echoes the message; message "fail" → INVALID_ARGUMENT "bad: fail"
 *   POST /grpc.Echo/Slow gRPC: answers 300 ms later (for grpc-timeout)
 *
 * Header-only (static functions): each test is its own executable. Everything the server allocates
 * is freed by the time harness_run() returns (ASan checks it). */
#ifndef TEST_NET_SERVER_HARNESS_H
#define TEST_NET_SERVER_HARNESS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "net/grpc_frame.h"
#include "net/http_server.h"
#include "pipeline/base/telemetry.h"

typedef void (*harness_client_fn)(int port, void *arg);

typedef struct harness {
    uv_loop_t loop;
    uv_async_t done;
    pf_http_server *srv;
    harness_client_fn client;
    void *arg;
    int port;
    int slow_answers; /* delayed answers actually sent */
    bool server_closed;
} harness;

typedef struct delayed {
    uv_timer_t timer;
    pf_http_request *req;
    harness *h;
    bool grpc;
} delayed;

static void h_hello(pf_http_request *req, void *data)
{
    (void)data;
    pf_http_header ct = {"content-type", "text/plain"};
    pf_http_respond(req, 200, &ct, 1, "hello", 5);
}

static void h_echo(pf_http_request *req, void *data)
{
    (void)data;
    pf_http_header hs[] = {{"x-query", req->query},
                           {"x-peer-ok", req->peer_addr && strchr(req->peer_addr, ':') ? "1" : "0"}};
    pf_http_respond(req, 200, hs, 2, req->body, req->body_len);
}

static void h_header(pf_http_request *req, void *data)
{
    (void)data;
    const char *v = pf_http_header_get(req, "X-Test");
    pf_http_respond(req, 200, NULL, 0, v ? v : "", v ? strlen(v) : 0);
}

static void on_delayed_closed(uv_handle_t *t) { free(t->data); }

static void on_delayed(uv_timer_t *t)
{
    delayed *d = t->data;
    char body[64];
    int n = snprintf(body, sizeof(body), "slow:%zu", d->req->body_len);
    if (d->grpc)
        pf_grpc_respond(d->req, PF_GRPC_OK, NULL, body, (size_t)n);
    else
        pf_http_respond(d->req, 200, NULL, 0, body, (size_t)n);
    d->h->slow_answers++;
    uv_close((uv_handle_t *)t, on_delayed_closed);
}

static void answer_later(harness *h, pf_http_request *req, uint64_t ms, bool grpc)
{
    delayed *d = calloc(1, sizeof(*d));
    d->req = req;
    d->h = h;
    d->grpc = grpc;
    uv_timer_init(&h->loop, &d->timer);
    d->timer.data = d;
    uv_timer_start(&d->timer, on_delayed, ms, 0);
}

static void h_slow(pf_http_request *req, void *data) { answer_later(data, req, 50, false); }
static void h_grpc_slow(pf_http_request *req, void *data) { answer_later(data, req, 300, true); }

static void h_grpc_say(pf_http_request *req, void *data)
{
    (void)data;
    if (req->body_len == 4 && memcmp(req->body, "fail", 4) == 0) {
        pf_grpc_respond(req, PF_GRPC_INVALID_ARGUMENT, "bad: fail", NULL, 0);
        return;
    }
    pf_grpc_respond(req, PF_GRPC_OK, NULL, req->body, req->body_len);
}

static void harness_routes(harness *h)
{
    pf_http_server_route(h->srv, "GET", "/hello", false, h_hello, h);
    pf_http_server_route(h->srv, "POST", "/echo", false, h_echo, h);
    pf_http_server_route(h->srv, "POST", "/slow", false, h_slow, h);
    pf_http_server_route(h->srv, "GET", "/header", true, h_header, h);
    pf_http_server_route(h->srv, "POST", "/grpc.Echo/Say", false, h_grpc_say, h);
    pf_http_server_route(h->srv, "POST", "/grpc.Echo/Slow", false, h_grpc_slow, h);
}

static void harness_default_config(pf_http_server_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->endpoint = "127.0.0.1:0";
    cfg->max_request_body_size = 1 << 20;
    cfg->max_recv_msg_size_mib = 1;
    cfg->max_concurrent_streams = 100;
    cfg->read_header_timeout = 10000000000LL;
    cfg->idle_timeout = 10000000000LL;
}

static void on_server_closed(void *data) { ((harness *)data)->server_closed = true; }

static void on_client_done(uv_async_t *a)
{
    harness *h = a->data;
    pf_http_server_close(h->srv, on_server_closed, h);
    uv_close((uv_handle_t *)a, NULL);
}

static void *client_thread(void *arg)
{
    harness *h = arg;
    h->client(h->port, h->arg);
    uv_async_send(&h->done);
    return NULL;
}

/* Starts a server with cfg, runs client(port, arg) in a thread, closes the server, drains the loop. */
static void harness_run(const pf_http_server_config *cfg, harness_client_fn client, void *arg, harness *h)
{
    memset(h, 0, sizeof(*h));
    uv_loop_init(&h->loop);
    h->srv = pf_http_server_new(&h->loop, cfg, "test");
    harness_routes(h);
    char err[256] = "";
    if (!pf_http_server_start(h->srv, err, sizeof(err))) fail_msg("start: %s", err);
    h->port = pf_http_server_port(h->srv);
    assert_true(h->port > 0);
    h->client = client;
    h->arg = arg;
    uv_async_init(&h->loop, &h->done, on_client_done);
    h->done.data = h;
    pthread_t t;
    pthread_create(&t, NULL, client_thread, h);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    pthread_join(t, NULL);
    assert_true(h->server_closed);
    assert_int_equal(uv_loop_close(&h->loop), 0);
}

/* ---- blocking client helpers ---- */

static inline int client_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    /* a safety net against a hung server, not a timing assertion */
    struct timeval tv = {.tv_sec = 30};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline void client_send(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) return;
        p += n;
        len -= (size_t)n;
    }
}

/* Reads until EOF (or error) and returns everything received; caller frees. */
static inline char *client_read_all(int fd, size_t *len_out)
{
    pf_buf b = {0};
    char chunk[65536];
    ssize_t n;
    while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0) pf_buf_append(&b, chunk, (size_t)n);
    pf_buf_append(&b, "", 0); /* allocates and NUL-terminates even when nothing came */
    if (len_out) *len_out = b.len;
    return b.data;
}

/* One connection: send `req` as given, read until the server closes. */
static inline char *client_exchange(int port, const char *req, size_t len)
{
    int fd = client_connect(port);
    if (fd < 0) return strdup("");
    client_send(fd, req, len);
    char *reply = client_read_all(fd, NULL);
    close(fd);
    return reply;
}

static inline size_t count_occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

#endif
