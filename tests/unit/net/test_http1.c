/* test_http1.c — the HTTP server's HTTP/1.1 side over a loopback socket: keep-alive and
 * pipelining, Content-Length and chunked bodies, Expect: 100-continue, 413 (declared and streamed),
 * 404/405/400/431, bearer auth, header and idle timeouts, max_connections, slow handlers, and peers
 * that disconnect mid-request or while their handler is still working. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "tests/unit/test_net_server_harness.h"

#define EXCHANGE(port, lit) client_exchange(port, lit, sizeof(lit) - 1)

static void keepalive_client(int port, void *arg)
{
    char **out = arg;
    /* three pipelined requests in one write; the last one closes */
    *out = EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                          "POST /echo?a=1&b=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
                          "GET /header HTTP/1.1\r\nHost: x\r\nX-Test: Value-42\r\nConnection: close\r\n\r\n");
}

static void test_keepalive_pipelining(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    char *reply = NULL;
    harness h;
    harness_run(&cfg, keepalive_client, &reply, &h);
    assert_int_equal(count_occurrences(reply, "HTTP/1.1 200 OK\r\n"), 3);
    const char *second = strstr(reply, "abcde");
    assert_non_null(second);
    assert_true(second > strstr(reply, "hello"));
    assert_non_null(strstr(reply, "x-query: a=1&b=2\r\n"));
    assert_non_null(strstr(reply, "x-peer-ok: 1\r\n"));
    assert_non_null(strstr(reply, "\r\n\r\nValue-42"));
    assert_int_equal(count_occurrences(reply, "Connection: close"), 1);
    free(reply);
    pf_metrics_reset();
}

static void chunked_client(int port, void *arg)
{
    char **out = arg;
    out[0] = EXCHANGE(port, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                            "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n");
    /* Expect: 100-continue: the interim answer comes before the body is sent */
    int fd = client_connect(port);
    const char head[] =
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";
    client_send(fd, head, sizeof(head) - 1);
    char interim[64] = "";
    ssize_t n = recv(fd, interim, sizeof(interim) - 1, 0);
    if (n > 0) interim[n] = '\0';
    out[1] = strdup(interim);
    client_send(fd, "body", 4);
    out[2] = client_read_all(fd, NULL);
    close(fd);
    /* HTTP/1.0 without keep-alive closes after the answer */
    out[3] = EXCHANGE(port, "GET /hello HTTP/1.0\r\n\r\n");
    /* HEAD gets the headers of GET without the body */
    out[4] = EXCHANGE(port, "HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

static void test_chunked_expect_http10_head(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    char *r[5] = {0};
    harness h;
    harness_run(&cfg, chunked_client, r, &h);
    assert_non_null(strstr(r[0], "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(r[0], "Content-Length: 23\r\n"));
    assert_non_null(strstr(r[0], "\r\n\r\nWikipedia in\r\n\r\nchunks."));
    assert_string_equal(r[1], "HTTP/1.1 100 Continue\r\n\r\n");
    assert_non_null(strstr(r[2], "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(r[2], "\r\n\r\nbody"));
    assert_non_null(strstr(r[3], "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(r[3], "Connection: close\r\n"));
    assert_non_null(strstr(r[4], "Content-Length: 5\r\n"));
    assert_null(strstr(r[4], "hello"));
    for (int i = 0; i < 5; i++) free(r[i]);
    pf_metrics_reset();
}

static void errors_client(int port, void *arg)
{
    char **out = arg;
    out[0] = EXCHANGE(port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    out[1] = EXCHANGE(port, "DELETE /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    out[2] = EXCHANGE(port, "THIS IS NOT HTTP\r\n\r\n");
    /* declared too large: refused before the body is read, connection closed */
    out[3] = EXCHANGE(port, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n");
    /* chunked and too large: refused while streaming */
    pf_buf big = {0};
    pf_buf_puts(&big, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 5; i++) {
        pf_buf_puts(&big, "1f4\r\n");
        for (int j = 0; j < 500; j++) pf_buf_puts(&big, "x");
        pf_buf_puts(&big, "\r\n");
    }
    out[4] = client_exchange(port, big.data, big.len);
    pf_buf_free(&big);
    /* header block above http-parser's limit */
    pf_buf huge = {0};
    pf_buf_puts(&huge, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (int i = 0; i < 100000; i++) pf_buf_puts(&huge, "a");
    pf_buf_puts(&huge, "\r\n\r\n");
    out[5] = client_exchange(port, huge.data, huge.len);
    pf_buf_free(&huge);
    /* still serving */
    out[6] = EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

static void test_error_answers(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    cfg.max_request_body_size = 1000;
    char *r[7] = {0};
    harness h;
    harness_run(&cfg, errors_client, r, &h);
    assert_non_null(strstr(r[0], "HTTP/1.1 404 Not Found\r\n"));
    assert_non_null(strstr(r[0], "no handler for /nope"));
    assert_non_null(strstr(r[1], "HTTP/1.1 405 Method Not Allowed\r\n"));
    assert_non_null(strstr(r[2], "HTTP/1.1 400 Bad Request\r\n"));
    assert_non_null(strstr(r[3], "HTTP/1.1 413 Payload Too Large\r\n"));
    assert_non_null(strstr(r[3], "Connection: close\r\n"));
    assert_non_null(strstr(r[3], "2000 bytes exceeds max_request_body_size (1000)"));
    assert_non_null(strstr(r[4], "HTTP/1.1 413 Payload Too Large\r\n"));
    assert_non_null(strstr(r[5], "HTTP/1.1 431 "));
    assert_non_null(strstr(r[6], "HTTP/1.1 200 OK\r\n"));
    assert_int_equal(pf_metric_value(pf_metric_find("proflow_http_server_rejected_total",
                                                    "server=\"test\",reason=\"body_too_large\"")),
                     2);
    assert_int_equal(
        pf_metric_value(pf_metric_find("proflow_http_server_rejected_total", "server=\"test\",reason=\"not_found\"")),
        1);
    for (int i = 0; i < 7; i++) free(r[i]);
    pf_metrics_reset();
}

static void auth_client(int port, void *arg)
{
    char **out = arg;
    out[0] = EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    out[1] =
        EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nConnection: close\r\n\r\n");
    out[2] =
        EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cr3t\r\nConnection: close\r\n\r\n");
}

static void test_bearer_auth(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    char path[] = "/tmp/pf_token_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cr3t\n", 7), 7);
    close(fd);
    cfg.bearer_token_file = path;
    char *r[3] = {0};
    harness h;
    harness_run(&cfg, auth_client, r, &h);
    unlink(path);
    assert_non_null(strstr(r[0], "HTTP/1.1 401 Unauthorized\r\n"));
    assert_non_null(strstr(r[1], "HTTP/1.1 401 Unauthorized\r\n"));
    assert_non_null(strstr(r[2], "HTTP/1.1 200 OK\r\n"));
    for (int i = 0; i < 3; i++) free(r[i]);
    pf_metrics_reset();
}

static void slow_and_disconnect_client(int port, void *arg)
{
    char **out = arg;
    /* a handler that answers later, on the same keep-alive connection twice */
    out[0] = EXCHANGE(port, "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                            "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nz");
    /* disconnect mid-body */
    int fd = client_connect(port);
    const char partial[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part";
    client_send(fd, partial, sizeof(partial) - 1);
    close(fd);
    /* disconnect while the handler is still working: its late answer is dropped */
    fd = client_connect(port);
    const char whole[] = "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
    client_send(fd, whole, sizeof(whole) - 1);
    close(fd);
    out[1] = EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

static void test_slow_handler_and_disconnects(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    char *r[2] = {0};
    harness h;
    harness_run(&cfg, slow_and_disconnect_client, r, &h);
    assert_int_equal(count_occurrences(r[0], "HTTP/1.1 200 OK\r\n"), 2);
    const char *first = strstr(r[0], "slow:3"), *second = strstr(r[0], "slow:1");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
    assert_non_null(strstr(r[1], "hello"));
    assert_int_equal(h.slow_answers, 3);
    for (int i = 0; i < 2; i++) free(r[i]);
    pf_metrics_reset();
}

static void timeout_client(int port, void *arg)
{
    char **out = arg;
    /* headers never finish: 408 and close */
    out[0] = EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\n");
    /* nothing sent at all: closed without an answer */
    out[1] = client_exchange(port, "", 0);
    /* idle keep-alive connection: the answer, then the server closes it */
    out[2] = EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
}

static void test_timeouts(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    cfg.read_header_timeout = 200000000LL;
    cfg.idle_timeout = 200000000LL;
    char *r[3] = {0};
    harness h;
    harness_run(&cfg, timeout_client, r, &h);
    assert_non_null(strstr(r[0], "HTTP/1.1 408 Request Timeout\r\n"));
    assert_string_equal(r[1], "");
    assert_non_null(strstr(r[2], "HTTP/1.1 200 OK\r\n"));
    assert_int_equal(count_occurrences(r[2], "HTTP/1.1"), 1);
    for (int i = 0; i < 3; i++) free(r[i]);
    pf_metrics_reset();
}

static void max_conn_client(int port, void *arg)
{
    char **out = arg;
    int a = client_connect(port);
    const char req[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    client_send(a, req, sizeof(req) - 1);
    char buf[512];
    ssize_t n = recv(a, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    out[0] = strdup(buf);
    out[1] = EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    close(a);
    /* the server frees the slot once it has seen the close; until then new connections are refused */
    for (int attempt = 0; attempt < 500; attempt++) {
        out[2] = EXCHANGE(port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        if (out[2][0]) break;
        free(out[2]);
        out[2] = NULL;
        usleep(10 * 1000);
    }
}

static void test_max_connections(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    cfg.max_connections = 1;
    char *r[3] = {0};
    harness h;
    harness_run(&cfg, max_conn_client, r, &h);
    assert_non_null(strstr(r[0], "HTTP/1.1 200 OK\r\n"));
    assert_string_equal(r[1], "");
    assert_non_null(strstr(r[2], "HTTP/1.1 200 OK\r\n"));
    assert_true(pf_metric_value(pf_metric_find("proflow_http_server_rejected_total",
                                               "server=\"test\",reason=\"max_connections\"")) >= 1);
    for (int i = 0; i < 3; i++) free(r[i]);
    pf_metrics_reset();
}

static void test_start_errors(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    pf_http_server *a = pf_http_server_new(&loop, &cfg, "a");
    char err[256] = "";
    assert_true(pf_http_server_start(a, err, sizeof(err)));
    char endpoint[64];
    snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%d", pf_http_server_port(a));
    cfg.endpoint = endpoint;
    pf_http_server *b = pf_http_server_new(&loop, &cfg, "b");
    assert_false(pf_http_server_start(b, err, sizeof(err)));
    assert_non_null(strstr(err, "listen 127.0.0.1:"));
    assert_non_null(strstr(err, "address already in use"));
    cfg.endpoint = "127.0.0.1:99999";
    pf_http_server *c = pf_http_server_new(&loop, &cfg, "c");
    assert_false(pf_http_server_start(c, err, sizeof(err)));
    assert_non_null(strstr(err, "invalid port"));
    cfg.endpoint = "127.0.0.1:0";
    cfg.tls.present = true;
    cfg.tls.cert_file = "/nonexistent/cert.pem";
    cfg.tls.key_file = "/nonexistent/key.pem";
    pf_http_server *d = pf_http_server_new(&loop, &cfg, "d");
    assert_false(pf_http_server_start(d, err, sizeof(err)));
    assert_non_null(strstr(err, "cert_file /nonexistent/cert.pem"));
    pf_http_server_close(a, NULL, NULL);
    pf_http_server_close(b, NULL, NULL);
    pf_http_server_close(c, NULL, NULL);
    pf_http_server_close(d, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    pf_metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keepalive_pipelining),
        cmocka_unit_test(test_chunked_expect_http10_head),
        cmocka_unit_test(test_error_answers),
        cmocka_unit_test(test_bearer_auth),
        cmocka_unit_test(test_slow_handler_and_disconnects),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_max_connections),
        cmocka_unit_test(test_start_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
