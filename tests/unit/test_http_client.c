/* test_http_client.c — pf_http_client on a real loop against local peers: a libuv TCP server that
 * answers one canned HTTP/1.1 response per connection (status, Retry-After, body, reading the gzip
 * request body), one that accepts and never answers (timeout, close with calls in flight), and a
 * closed port (transport error, gRPC UNAVAILABLE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "net/compress.h"
#include "net/http_client.h"

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

static void on_closed(void *data)
{
    *(bool *)data = true;
}

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
    pf_http_call call = {.method = "POST", .url = url, .headers = &ct, .n_headers = 1, .body = payload,
                         .body_len = sizeof(payload) - 1, .content_encoding = "gzip"};
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
