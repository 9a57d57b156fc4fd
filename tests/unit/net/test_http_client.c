/* test_http_client.c — pf_http_client on a real loop against local peers: a libuv TCP server that
 * answers one canned HTTP/1.1 response per connection (status, Retry-After, body, reading the gzip
 * request body; the keepalive options of the client's socket), one that accepts and never answers
 * (timeout, close with calls in flight), and a closed port (transport error, gRPC UNAVAILABLE). Also
 * the RetryInfo reader of grpc-status-details-bin, on bytes Python protobuf wrote and on hand-built
 * and damaged ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/compress.h"
#include "net/http_client.h"
#include "pipeline/base/base64.h"

typedef struct canned_server {
    uv_tcp_t listener;
    int port;
    const char *response; /* NULL: accept and never answer */
    pf_buf request;       /* everything the last client sent */
    uv_tcp_t conns[8];
    int n_conns;
} canned_server;

typedef struct result {
    bool done;
    int status;
    char error[256];
    bool timed_out;
    uint32_t retry_after_s;
    char body[256];
    char header_x[64];
    int grpc_status;
} result;

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(suggested);
    buf->len = suggested;
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    canned_server *srv = s->data;
    if (n > 0) {
        pf_buf_append(&srv->request, buf->base, (size_t)n);
        /* Answer once the whole request (headers + Content-Length body) is in. */
        const char *end = strstr(srv->request.data, "\r\n\r\n");
        const char *cl = strcasestr(srv->request.data, "content-length:");
        size_t want = end ? (size_t)(end + 4 - srv->request.data) + (cl ? strtoul(cl + 15, NULL, 10) : 0) : SIZE_MAX;
        if (srv->response && srv->request.len >= want) {
            uv_write_t *w = malloc(sizeof(*w));
            uv_buf_t out = uv_buf_init((char *)srv->response, (unsigned)strlen(srv->response));
            uv_write(w, s, &out, 1, on_written);
        }
    }
    free(buf->base);
}

static void on_connection(uv_stream_t *l, int status)
{
    canned_server *srv = l->data;
    assert_int_equal(status, 0);
    assert_true(srv->n_conns < 8);
    uv_tcp_t *c = &srv->conns[srv->n_conns++];
    uv_tcp_init(l->loop, c);
    c->data = srv;
    assert_int_equal(uv_accept(l, (uv_stream_t *)c), 0);
    pf_buf_reset(&srv->request);
    uv_read_start((uv_stream_t *)c, on_alloc, on_read);
}

static void server_start(uv_loop_t *loop, canned_server *srv, const char *response)
{
    memset(srv, 0, sizeof(*srv));
    srv->response = response;
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    assert_int_equal(uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&srv->listener, 8, on_connection), 0);
    struct sockaddr_in bound;
    int len = sizeof(bound);
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
    srv->port = ntohs(bound.sin_port);
}

static void server_stop(canned_server *srv)
{
    uv_close((uv_handle_t *)&srv->listener, NULL);
    for (int i = 0; i < srv->n_conns; i++) uv_close((uv_handle_t *)&srv->conns[i], NULL);
    pf_buf_free(&srv->request);
}

static void on_done(const pf_http_response *r, void *data)
{
    result *res = data;
    res->done = true;
    res->status = r->status;
    res->timed_out = r->timed_out;
    res->retry_after_s = r->retry_after_s;
    res->grpc_status = r->grpc_status;
    snprintf(res->error, sizeof(res->error), "%s", r->error);
    snprintf(res->body, sizeof(res->body), "%.*s", (int)r->body_len, r->body ? (const char *)r->body : "");
    const char *x = pf_http_response_header(r, "X-Test");
    snprintf(res->header_x, sizeof(res->header_x), "%s", x ? x : "");
}

static void on_closed(void *data) { *(bool *)data = true; }

static pf_http_client *client_for(uv_loop_t *loop, int64_t timeout_ns)
{
    char *keys[] = {"x-scope-orgid"}, *values[] = {"acme"};
    pf_http_client_config cfg = {.timeout = timeout_ns, .headers = {.keys = keys, .values = values, .n = 1}};
    char err[256];
    pf_http_client *c = pf_http_client_new(loop, &cfg, err, sizeof(err));
    assert_non_null(c);
    return c;
}

static void close_client(uv_loop_t *loop, pf_http_client *c)
{
    bool closed = false;
    pf_http_client_close(c, on_closed, &closed);
    while (!closed) uv_run(loop, UV_RUN_ONCE);
}

static void test_status_headers_body_and_gzip_request(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    canned_server srv;
    server_start(&loop, &srv,
                 "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nX-Test: yes\r\nContent-Length: 11\r\n"
                 "Connection: close\r\n\r\nbusy, later");
    pf_http_client *c = client_for(&loop, 5000000000LL);
    char *url = pf_xasprintf("http://127.0.0.1:%d/v1development/profiles", srv.port);
    const char payload[] = "profile bytes profile bytes profile bytes";
    pf_http_header ct = {"content-type", "application/x-protobuf"};
    pf_http_call call = {.method = "POST",
                         .url = url,
                         .headers = &ct,
                         .n_headers = 1,
                         .body = payload,
                         .body_len = sizeof(payload) - 1,
                         .content_encoding = "gzip"};
    result res = {0};
    pf_http_client_send(c, &call, on_done, &res);
    assert_false(res.done); /* never completes inside send() */
    while (!res.done) uv_run(&loop, UV_RUN_ONCE);

    assert_int_equal(res.status, 503);
    assert_int_equal(res.retry_after_s, 7);
    assert_string_equal(res.body, "busy, later");
    assert_string_equal(res.header_x, "yes");
    assert_int_equal(res.grpc_status, -1);
    /* What reached the server: configured + call headers and a gzip body that inflates back. */
    assert_non_null(strcasestr(srv.request.data, "x-scope-orgid: acme"));
    assert_non_null(strcasestr(srv.request.data, "content-encoding: gzip"));
    const char *body = strstr(srv.request.data, "\r\n\r\n") + 4;
    pf_buf inflated = {0};
    char why[128];
    assert_int_equal(pf_decompress("gzip", body, srv.request.len - (size_t)(body - srv.request.data), 1 << 20,
                                   &inflated, why, sizeof(why)),
                     PF_DECOMPRESS_OK);
    assert_int_equal(inflated.len, sizeof(payload) - 1);
    assert_memory_equal(inflated.data, payload, inflated.len);
    pf_buf_free(&inflated);

    free(url);
    close_client(&loop, c);
    server_stop(&srv);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_connection_refused_is_transport_error(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    canned_server srv; /* bind a port, then close it so nothing listens there */
    server_start(&loop, &srv, NULL);
    int port = srv.port;
    server_stop(&srv);
    uv_run(&loop, UV_RUN_DEFAULT);

    pf_http_client *c = client_for(&loop, 5000000000LL);
    char *url = pf_xasprintf("http://127.0.0.1:%d/x", port);
    pf_http_call call = {.method = "POST", .url = url, .body = "x", .body_len = 1};
    result res = {0};
    pf_http_client_send(c, &call, on_done, &res);
    while (!res.done) uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(res.status, 0);
    assert_true(res.error[0] != '\0');
    assert_false(res.timed_out);

    pf_grpc_call g = {.url = url, .msg = "x", .msg_len = 1, .compression = "gzip"};
    result gres = {0};
    pf_grpc_unary(c, &g, on_done, &gres);
    while (!gres.done) uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(gres.status, 0);
    assert_int_equal(gres.grpc_status, 14); /* UNAVAILABLE, as gRPC clients report it */

    free(url);
    close_client(&loop, c);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_timeout_and_close_with_calls_in_flight(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    canned_server srv;
    server_start(&loop, &srv, NULL);
    pf_http_client *c = client_for(&loop, 5000000000LL);
    char *url = pf_xasprintf("http://127.0.0.1:%d/x", srv.port);

    pf_http_call quick = {.method = "POST", .url = url, .body = "x", .body_len = 1, .timeout_ns = 200000000};
    result timed = {0};
    pf_http_client_send(c, &quick, on_done, &timed);
    while (!timed.done) uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(timed.status, 0);
    assert_true(timed.timed_out);

    pf_http_call call = {.method = "POST", .url = url, .body = "x", .body_len = 1};
    result a = {0}, b = {0};
    pf_http_client_send(c, &call, on_done, &a);
    pf_http_client_send(c, &call, on_done, &b);
    assert_int_equal(pf_http_client_in_flight(c), 2);
    bool closed = false;
    pf_http_client_close(c, on_closed, &closed);
    assert_true(a.done && b.done);
    assert_string_equal(a.error, "client closed");
    assert_string_equal(b.error, "client closed");
    uv_run(&loop, UV_RUN_NOWAIT);
    server_stop(&srv);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(closed);
    free(url);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_unreadable_tls_file_is_config_error(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    pf_http_client_config cfg = {.tls = {.ca_file = "/nonexistent/ca.pem"}};
    char err[256];
    assert_null(pf_http_client_new(&loop, &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "tls.ca_file"));
    assert_non_null(strstr(err, "/nonexistent/ca.pem"));
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* The client's end of the connection the canned server accepted: the socket of this process whose
 * local port is the accepted connection's peer port. */
static int client_socket_of(canned_server *srv)
{
    struct sockaddr_in peer;
    int len = sizeof(peer);
    assert_int_equal(uv_tcp_getpeername(&srv->conns[0], (struct sockaddr *)&peer, &len), 0);
    for (int fd = 3; fd < 1024; fd++) {
        struct sockaddr_in local;
        socklen_t local_len = sizeof(local);
        if (getsockname(fd, (struct sockaddr *)&local, &local_len) == 0 && local.sin_family == AF_INET &&
            local.sin_port == peer.sin_port)
            return fd;
    }
    fail_msg("no socket of this process has local port %d", ntohs(peer.sin_port));
    return -1;
}

static int int_sockopt(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
    return v;
}

static void test_keepalive_socket_options(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    canned_server srv;
    server_start(&loop, &srv, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    pf_http_client_config cfg = {.timeout = 5000000000LL,
                                 .keepalive = {.time = 30000000000LL, .timeout = 7500000000LL}};
    char err[256];
    pf_http_client *c = pf_http_client_new(&loop, &cfg, err, sizeof(err));
    assert_non_null(c);
    char *url = pf_xasprintf("http://127.0.0.1:%d/x", srv.port);
    pf_http_call call = {.method = "POST", .url = url, .body = "x", .body_len = 1};
    result res = {0};
    pf_http_client_send(c, &call, on_done, &res);
    while (!res.done) uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(res.status, 200);

    /* The connection stays in libcurl's cache: idle 30 s, then probes every 7 s (whole seconds), and
     * dropped when 7.5 s pass unanswered. */
    int fd = client_socket_of(&srv);
    assert_int_equal(int_sockopt(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
    assert_int_equal(int_sockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
    assert_int_equal(int_sockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 7);
    assert_int_equal(int_sockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 7500);

    free(url);
    close_client(&loop, c);
    server_stop(&srv);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- grpc-status-details-bin ---- */

/* google.rpc.Status{code: RESOURCE_EXHAUSTED, message: "x", details: [DebugInfo{detail: "queue of the
 * test peer is full"}, RetryInfo{retry_delay: 1.5s}]} as Python protobuf serializes it, base64. */
static const char python_status[] =
    "CAgSAXgaTAoodHlwZS5nb29nbGVhcGlzLmNvbS9nb29nbGUucnBjLkRlYnVnSW5mbxIgEh5xdWV1ZSBvZiB0aGUgdGVzdCBwZWVy"
    "IGlzIGZ1bGwaNgoodHlwZS5nb29nbGVhcGlzLmNvbS9nb29nbGUucnBjLlJldHJ5SW5mbxIKCggIARCAyrXuAQ==";

static void pb_varint(pf_buf *b, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) byte |= 0x80;
        pf_buf_append(b, &byte, 1);
    } while (v);
}

static void pb_bytes(pf_buf *b, unsigned field, const void *data, size_t len)
{
    pb_varint(b, (uint64_t)field << 3 | 2);
    pb_varint(b, len);
    pf_buf_append(b, data, len);
}

/* A Status whose only detail is a RetryInfo with the given encoded Duration (NULL: no retry_delay). */
static char *status_with_retry_info(const char *type_url, const pf_buf *duration)
{
    pf_buf info = {0}, any = {0}, status = {0}, b64 = {0};
    if (duration) pb_bytes(&info, 1, duration->data, duration->len);
    pb_bytes(&any, 1, type_url, strlen(type_url));
    pb_bytes(&any, 2, info.data ? info.data : "", info.len);
    pb_varint(&status, 1 << 3);
    pb_varint(&status, 8);
    pb_bytes(&status, 3, any.data, any.len);
    pf_base64_append(&b64, (const uint8_t *)status.data, status.len);
    pf_buf_append(&b64, "", 1);
    char *out = pf_xstrdup(b64.data);
    pf_buf_free(&info), pf_buf_free(&any), pf_buf_free(&status), pf_buf_free(&b64);
    return out;
}

static pf_buf duration(int64_t seconds, int64_t nanos)
{
    pf_buf d = {0};
    pb_varint(&d, 1 << 3);
    pb_varint(&d, (uint64_t)seconds);
    pb_varint(&d, 2 << 3);
    pb_varint(&d, (uint64_t)nanos);
    return d;
}

static void expect_retry_info(const char *type_url, int64_t seconds, int64_t nanos, bool found, int64_t want_ns)
{
    pf_buf d = duration(seconds, nanos);
    char *details = status_with_retry_info(type_url, &d);
    int64_t ns = -1;
    assert_int_equal(pf_grpc_retry_info(details, &ns), found);
    if (found) assert_int_equal(ns, want_ns);
    free(details);
    pf_buf_free(&d);
}

static void test_retry_info_read(void **state)
{
    (void)state;
    int64_t ns = -1;
    assert_true(pf_grpc_retry_info(python_status, &ns));
    assert_int_equal(ns, 1500000000LL);
    /* grpc sends -bin values without padding. */
    char unpadded[sizeof(python_status)];
    snprintf(unpadded, sizeof(unpadded), "%.*s", (int)strcspn(python_status, "="), python_status);
    ns = -1;
    assert_true(pf_grpc_retry_info(unpadded, &ns));
    assert_int_equal(ns, 1500000000LL);

    const char *url = "type.googleapis.com/google.rpc.RetryInfo";
    expect_retry_info(url, 3, 250, true, 3000000250LL);
    expect_retry_info(url, -2, 0, true, 0); /* a negative delay: retry at the backoff's pace */
    expect_retry_info(url, INT64_MAX / 2, 0, true, INT64_MAX);
    expect_retry_info(url, 1, 1000000000, false, 0); /* nanos out of range */
    expect_retry_info("type.googleapis.com/google.rpc.DebugInfo", 3, 0, false, 0);
    expect_retry_info("type.googleapis.com/other.google.rpc.RetryInfoX", 3, 0, false, 0);

    char *no_delay = status_with_retry_info(url, NULL); /* RetryInfo{}: retry, no particular delay */
    ns = -1;
    assert_true(pf_grpc_retry_info(no_delay, &ns));
    assert_int_equal(ns, 0);
    free(no_delay);

    assert_false(pf_grpc_retry_info("", &ns));
    assert_false(pf_grpc_retry_info("CAgSAXg", &ns)); /* Status{code, message}, no details */
    assert_false(pf_grpc_retry_info("not base64!", &ns));
}

/* Every truncation of a real Status cuts into its last detail, the RetryInfo: never found, never a
 * read past the end (ASan). */
static void test_retry_info_truncated(void **state)
{
    (void)state;
    size_t b64_len = strlen(python_status);
    uint8_t raw[sizeof(python_status)];
    size_t raw_len;
    assert_true(pf_base64_decode(python_status, b64_len, raw, &raw_len));
    for (size_t cut = 0; cut < raw_len; cut++) {
        uint8_t *exact = pf_xmalloc(cut + 1); /* exactly `cut` bytes, so ASan sees any overread */
        memcpy(exact, raw, cut);
        pf_buf b64 = {0};
        pf_base64_append(&b64, exact, cut);
        pf_buf_append(&b64, "", 1);
        int64_t ns;
        assert_false(pf_grpc_retry_info(b64.data, &ns));
        pf_buf_free(&b64);
        free(exact);
    }
}

static void test_grpc_base_url(void **state)
{
    (void)state;
    pf_http_client_config cfg = {.endpoint = "collector:4317"};
    char *u = pf_grpc_base_url(&cfg);
    assert_string_equal(u, "https://collector:4317");
    free(u);
    cfg.tls.insecure = true;
    u = pf_grpc_base_url(&cfg);
    assert_string_equal(u, "http://collector:4317");
    free(u);
    cfg.endpoint = "https://collector:4317";
    u = pf_grpc_base_url(&cfg);
    assert_string_equal(u, "https://collector:4317");
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_headers_body_and_gzip_request),
        cmocka_unit_test(test_connection_refused_is_transport_error),
        cmocka_unit_test(test_timeout_and_close_with_calls_in_flight),
        cmocka_unit_test(test_unreadable_tls_file_is_config_error),
        cmocka_unit_test(test_grpc_base_url),
        cmocka_unit_test(test_keepalive_socket_options),
        cmocka_unit_test(test_retry_info_read),
        cmocka_unit_test(test_retry_info_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
