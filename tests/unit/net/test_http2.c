/* test_http2.c — the HTTP server's HTTP/2, gRPC and TLS sides against real peers run as child
 * processes from the client thread: curl (h2c prior knowledge, h2 and http/1.1 over TLS via ALPN,
 * mutual TLS), h2load (many concurrent streams under max_concurrent_streams) and a Python grpcio
 * client (unary calls, errors, gzip, oversize, deadline, bearer token, TLS). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "tests/unit/test_net_server_harness.h"

/* Runs a shell command, returns its stdout (caller frees). */
static char *run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    pf_buf b = {0};
    char chunk[4096];
    size_t n;
    while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0) pf_buf_append(&b, chunk, n);
    if (p) pclose(p);
    pf_buf_append(&b, "", 0);
    return b.data;
}

static char tmpdir[64];

static int setup_certs(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pf_h2_XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    char *out = run("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 "
                    "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>&1 && "
                    "openssl req -x509 -newkey rsa:2048 -nodes -keyout ckey.pem -out ccert.pem -days 1 "
                    "-subj /CN=client 2>&1 && echo CERTS-OK",
                    tmpdir);
    int rc = strstr(out, "CERTS-OK") ? 0 : -1;
    free(out);
    return rc;
}

static int teardown_certs(void **state)
{
    (void)state;
    free(run("rm -rf %s", tmpdir));
    return 0;
}

/* ---- h2c with curl and h2load ---- */

static void h2c_client(int port, void *arg)
{
    char **out = arg;
    out[0] = run("curl -s -S --http2-prior-knowledge -D - http://127.0.0.1:%d/hello 2>&1", port);
    out[1] = run("curl -s -S --http2-prior-knowledge -D - --data-binary 'posted body' "
                 "'http://127.0.0.1:%d/echo?k=v' 2>&1",
                 port);
    out[2] = run("curl -s -S --http2-prior-knowledge -o /dev/null -w '%%{http_code}' http://127.0.0.1:%d/missing 2>&1",
                 port);
    out[3] = run("head -c 3000 /dev/zero | curl -s -S --http2-prior-knowledge -o /dev/null -w '%%{http_code}' "
                 "--data-binary @- http://127.0.0.1:%d/echo 2>&1",
                 port);
    out[4] = run("h2load -n 300 -c 3 -m 5 http://127.0.0.1:%d/hello 2>&1", port);
    /* More streams than allowed before the client has seen SETTINGS: the excess is refused
     * (REFUSED_STREAM), the rest is served and the connection survives. */
    out[5] = run("h2load -n 300 -c 3 -m 20 http://127.0.0.1:%d/hello 2>&1", port);
    /* HTTP/1.1 still works on the same listener */
    out[6] = run("curl -s -S --http1.1 http://127.0.0.1:%d/hello 2>&1", port);
}

static void test_h2c_curl_h2load(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    cfg.max_request_body_size = 2000;
    cfg.max_concurrent_streams = 5;
    char *r[7] = {0};
    harness h;
    harness_run(&cfg, h2c_client, r, &h);
    assert_non_null(strstr(r[0], "HTTP/2 200"));
    assert_non_null(strstr(r[0], "\r\n\r\nhello"));
    assert_non_null(strstr(r[1], "x-query: k=v"));
    assert_non_null(strstr(r[1], "posted body"));
    assert_string_equal(r[2], "404");
    assert_string_equal(r[3], "413");
    if (!strstr(r[4], "300 succeeded, 0 failed, 0 errored")) fail_msg("h2load: %s", r[4]);
    assert_non_null(strstr(r[4], "status codes: 300 2xx"));
    assert_non_null(strstr(r[5], "300 done"));
    assert_non_null(strstr(r[5], "0 4xx, 0 5xx"));
    assert_string_equal(r[6], "hello");
    for (int i = 0; i < 7; i++) free(r[i]);
    pf_metrics_reset();
}

/* ---- gRPC with grpcio ---- */

static const char grpc_script[] =
    "import grpc, sys\n"
    "target, tls, token = sys.argv[1], sys.argv[2], sys.argv[3]\n"
    "if tls != '-':\n"
    "    creds = grpc.ssl_channel_credentials(root_certificates=open(tls + '/cert.pem', 'rb').read())\n"
    "    ch = grpc.secure_channel(target, creds, options=[('grpc.ssl_target_name_override', 'localhost')])\n"
    "else:\n"
    "    ch = grpc.insecure_channel(target)\n"
    "md = [('authorization', 'Bearer ' + token)] if token != '-' else None\n"
    "def call(method, payload, **kw):\n"
    "    f = ch.unary_unary(method)\n"
    "    try:\n"
    "        return 'OK:' + f(payload, metadata=md, **kw).decode()\n"
    "    except grpc.RpcError as e:\n"
    "        return e.code().name + ':' + (e.details() or '')\n"
    "print('say=' + call('/grpc.Echo/Say', b'ping'))\n"
    "print('fail=' + call('/grpc.Echo/Say', b'fail'))\n"
    "print('unknown=' + call('/grpc.Echo/Nope', b'x'))\n"
    "print('gzip=' + call('/grpc.Echo/Say', b'z' * 5000, compression=grpc.Compression.Gzip))\n"
    "print('big=' + call('/grpc.Echo/Say', b'b' * (2 << 20)))\n"
    "print('slow=' + call('/grpc.Echo/Slow', b'abc'))\n"
    "print('deadline=' + call('/grpc.Echo/Slow', b'abc', timeout=0.05).split(':')[0])\n"
    "print('after=' + call('/grpc.Echo/Say', b'still here'))\n";

typedef struct grpc_job {
    const char *tls_dir; /* "-" for h2c */
    const char *token;   /* "-" for none */
    char *out;
} grpc_job;

static void grpc_client(int port, void *arg)
{
    grpc_job *job = arg;
    char script[128];
    snprintf(script, sizeof(script), "%s/grpc_client.py", tmpdir);
    FILE *f = fopen(script, "w");
    fputs(grpc_script, f);
    fclose(f);
    job->out = run("/usr/bin/python3 %s %s:%d %s %s 2>&1", script, job->tls_dir[0] == '-' ? "127.0.0.1" : "localhost",
                   port, job->tls_dir, job->token);
}

static void check_grpc_output(const char *out)
{
    assert_non_null(strstr(out, "say=OK:ping\n"));
    assert_non_null(strstr(out, "fail=INVALID_ARGUMENT:bad: fail\n"));
    assert_non_null(strstr(out, "unknown=UNIMPLEMENTED:"));
    assert_non_null(strstr(out, "gzip=OK:zzzzz"));
    assert_non_null(strstr(out, "big=RESOURCE_EXHAUSTED:"));
    assert_non_null(strstr(out, "slow=OK:slow:3\n"));
    assert_non_null(strstr(out, "deadline=DEADLINE_EXCEEDED\n"));
    assert_non_null(strstr(out, "after=OK:still here\n"));
}

static void test_grpc_h2c(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    grpc_job job = {"-", "-", NULL};
    harness h;
    harness_run(&cfg, grpc_client, &job, &h);
    check_grpc_output(job.out);
    free(job.out);
    pf_metrics_reset();
}

static void test_grpc_tls_bearer(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    char cert[128], key[128];
    snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
    snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
    cfg.tls = (pf_tls_server_config){.cert_file = cert, .key_file = key, .present = true};
    cfg.bearer_token = "tok";
    grpc_job ok = {tmpdir, "tok", NULL};
    harness h;
    harness_run(&cfg, grpc_client, &ok, &h);
    check_grpc_output(ok.out);
    free(ok.out);
    grpc_job bad = {tmpdir, "wrong", NULL};
    harness_run(&cfg, grpc_client, &bad, &h);
    assert_non_null(strstr(bad.out, "say=UNAUTHENTICATED:missing or invalid bearer token\n"));
    free(bad.out);
    pf_metrics_reset();
}

/* ---- TLS with curl: ALPN h2 and http/1.1, mutual TLS ---- */

static void tls_client(int port, void *arg)
{
    char **out = arg;
    out[0] = run("curl -s -S --cacert %s/cert.pem --http2 -D - https://localhost:%d/hello 2>&1", tmpdir, port);
    out[1] = run("curl -s -S --cacert %s/cert.pem --http1.1 -D - https://localhost:%d/hello 2>&1", tmpdir, port);
    out[2] = run("curl -s -S --cacert %s/cert.pem --tls-max 1.2 -o /dev/null -w '%%{http_code}' "
                 "https://localhost:%d/hello 2>&1 || echo CURL-FAILED",
                 tmpdir, port);
    out[3] = run("head -c 5000 /dev/zero | curl -s -S --cacert %s/cert.pem --http2 --data-binary @- "
                 "-o /dev/null -w '%%{http_code}' https://localhost:%d/echo 2>&1",
                 tmpdir, port);
    /* plaintext to a TLS port fails cleanly */
    out[4] = run("curl -s -S -m 20 http://127.0.0.1:%d/hello 2>&1 || echo CURL-FAILED", port);
    out[5] = run("curl -s -S --cacert %s/cert.pem https://localhost:%d/hello 2>&1", tmpdir, port);
}

static void test_tls_curl(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    char cert[128], key[128];
    snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
    snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
    cfg.tls = (pf_tls_server_config){.cert_file = cert, .key_file = key, .min_version = "1.3", .present = true};
    char *r[6] = {0};
    harness h;
    harness_run(&cfg, tls_client, r, &h);
    assert_non_null(strstr(r[0], "HTTP/2 200"));
    assert_non_null(strstr(r[0], "\r\n\r\nhello"));
    assert_non_null(strstr(r[1], "HTTP/1.1 200 OK"));
    assert_non_null(strstr(r[2], "CURL-FAILED")); /* min_version 1.3 refuses TLS 1.2 */
    assert_string_equal(r[3], "200");
    assert_non_null(strstr(r[4], "CURL-FAILED"));
    assert_string_equal(r[5], "hello");
    assert_true(
        pf_metric_value(pf_metric_find("proflow_http_server_rejected_total", "server=\"test\",reason=\"tls\"")) >= 2);
    for (int i = 0; i < 6; i++) free(r[i]);
    pf_metrics_reset();
}

static void mtls_client(int port, void *arg)
{
    char **out = arg;
    out[0] = run("curl -s -S --cacert %s/cert.pem https://localhost:%d/hello 2>&1 || echo CURL-FAILED", tmpdir, port);
    out[1] =
        run("curl -s -S --cacert %s/cert.pem --cert %s/ccert.pem --key %s/ckey.pem https://localhost:%d/hello 2>&1",
            tmpdir, tmpdir, tmpdir, port);
}

static void test_mtls_and_reload(void **state)
{
    (void)state;
    pf_http_server_config cfg;
    harness_default_config(&cfg);
    char cert[128], key[128], ca[128];
    snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
    snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
    snprintf(ca, sizeof(ca), "%s/ccert.pem", tmpdir);
    cfg.tls = (pf_tls_server_config){.cert_file = cert, .key_file = key, .client_ca_file = ca, .present = true};
    char *r[2] = {0};
    harness h;
    harness_run(&cfg, mtls_client, r, &h);
    assert_non_null(strstr(r[0], "CURL-FAILED"));
    assert_string_equal(r[1], "hello");
    for (int i = 0; i < 2; i++) free(r[i]);

    /* reload keeps serving with the re-read files, and keeps the old context when they are broken */
    uv_loop_t loop;
    uv_loop_init(&loop);
    pf_http_server *s = pf_http_server_new(&loop, &cfg, "reload");
    char err[256];
    assert_true(pf_http_server_start(s, err, sizeof(err)));
    pf_http_server_reload_tls(s);
    free(run("cp %s/key.pem %s/key.bak && echo broken > %s/key.pem", tmpdir, tmpdir, tmpdir));
    pf_http_server_reload_tls(s);
    free(run("mv %s/key.bak %s/key.pem", tmpdir, tmpdir));
    pf_http_server_close(s, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    pf_metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2c_curl_h2load), cmocka_unit_test(test_grpc_h2c),
        cmocka_unit_test(test_grpc_tls_bearer), cmocka_unit_test(test_tls_curl),
        cmocka_unit_test(test_mtls_and_reload),
    };
    return cmocka_run_group_tests(tests, setup_certs, teardown_certs);
}
