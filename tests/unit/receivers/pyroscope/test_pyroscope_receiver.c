/* test_pyroscope_receiver.c — the pyroscope receiver component against a scripted consumer: what a
 * batch carries (X-Scope-OrgID tenant, receiver id, service.name and the other series labels as
 * resource attributes, the folded totals), and how pipeline answers become HTTP answers: PF_RETRYABLE
 * → 503 + Retry-After, PF_PERMANENT → 400, with the refused samples counted. An empty pprof is
 * answered 200 without reaching the pipeline. The receiver runs on a libuv loop in the main thread;
 * a second thread plays the client with blocking sockets. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "receivers/pyroscope/pyroscope_receiver.h"

extern const pf_factory pf_receiver_pyroscope_factory;

typedef struct scripted {
    pf_status answer;
    uint32_t retry_after_s;
    int consumed;
    char tenant[64], receiver[64], service[64], env[64], name[64];
    double sample_sum;
} scripted;

static pf_status consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    scripted *s = self->data;
    s->consumed++;
    snprintf(s->tenant, sizeof(s->tenant), "%s", b->meta.tenant ? b->meta.tenant : "");
    snprintf(s->receiver, sizeof(s->receiver), "%s", b->meta.receiver_id ? b->meta.receiver_id : "");
    otlp_resource *r = b->req->resource_profiles[0]->resource;
    const char *v;
    snprintf(s->service, sizeof(s->service), "%s",
             (v = pf_kv_list_get(b, r->attributes, r->n_attributes, "service.name")) ? v : "");
    snprintf(s->env, sizeof(s->env), "%s", (v = pf_kv_list_get(b, r->attributes, r->n_attributes, "env")) ? v : "");
    snprintf(s->name, sizeof(s->name), "%s",
             (v = pf_kv_list_get(b, r->attributes, r->n_attributes, "__name__")) ? v : "");
    s->sample_sum = 0;
    otlp_profile *p = b->req->resource_profiles[0]->scope_profiles[0]->profiles[0];
    for (size_t i = 0; i < p->n_samples; i++)
        for (size_t j = 0; j < p->samples[i]->n_values; j++) s->sample_sum += (double)p->samples[i]->values[j];
    pf_batch_unref(b);
    if (s->answer == PF_RETRYABLE) err->retry_after_s = s->retry_after_s;
    if (s->answer != PF_OK) pf_error_set(err, "scripted refusal");
    return s->answer;
}

typedef struct fixture {
    uv_loop_t loop;
    uv_async_t client_done;
    pf_component *c;
    int port;
    scripted script;
    pf_consumer next;
    pf_http_server_config cfg;
    void (*client)(struct fixture *f);
    pthread_t thread;
} fixture;

/* Sends one HTTP/1.1 request on a new connection; returns the status, copies the head into head. */
static int post(int port, const char *target, const char *extra_headers, const char *body, size_t len, char *head,
                size_t head_len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    char req[1024];
    int n =
        snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nhost: x\r\nconnection: close\r\n%scontent-length: %zu\r\n\r\n",
                 target, extra_headers, len);
    assert_int_equal(write(fd, req, (size_t)n), n);
    if (len) assert_int_equal(write(fd, body, len), (ssize_t)len);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < head_len && (r = read(fd, head + got, head_len - 1 - got)) > 0) got += (size_t)r;
    head[got] = '\0';
    close(fd);
    int status = 0;
    sscanf(head, "HTTP/1.1 %d", &status);
    return status;
}

static void *client_main(void *arg)
{
    fixture *f = arg;
    f->client(f);
    uv_async_send(&f->client_done);
    return NULL;
}

static void on_shutdown(pf_component *c, void *data)
{
    (void)c;
    (void)data;
}

static void on_client_done(uv_async_t *h)
{
    fixture *f = h->data;
    f->c->ops->shutdown(f->c, 1000, on_shutdown, f);
    uv_close((uv_handle_t *)h, NULL);
}

static void run(void (*client)(fixture *f), pf_status answer, uint32_t retry_after_s, scripted *out)
{
    fixture f = {0};
    f.client = client;
    f.script.answer = answer;
    f.script.retry_after_s = retry_after_s;
    f.next = (pf_consumer){consume, &f.script};
    pf_cfg_error cerr;
    assert_true(pf_cfg_defaults(pf_http_server_cfg_map, &f.cfg, &cerr));
    free(f.cfg.endpoint);
    f.cfg.endpoint = strdup("127.0.0.1:0");
    uv_loop_init(&f.loop);
    pf_create_args args = {.id = "pyroscope/unit", .config = &f.cfg, .next = &f.next, .loop = &f.loop};
    pf_error err = {{0}, 0};
    f.c = pf_receiver_pyroscope_factory.create(&args, &err);
    assert_non_null(f.c);
    pf_host host = {.loop = &f.loop};
    assert_true(f.c->ops->start(f.c, &host, &err));
    f.port = pf_http_server_port(((pyro_receiver *)f.c)->server);
    uv_async_init(&f.loop, &f.client_done, on_client_done);
    f.client_done.data = &f;
    pthread_create(&f.thread, NULL, client_main, &f);
    uv_run(&f.loop, UV_RUN_DEFAULT);
    pthread_join(f.thread, NULL);
    f.c->ops->destroy(f.c);
    assert_int_equal(uv_loop_close(&f.loop), 0);
    pf_cfg_release(pf_http_server_cfg_map, &f.cfg);
    *out = f.script;
}

static const char folded[] = "main;work;hash 30\nmain;idle 12\n";

static void client_tenant(fixture *f)
{
    char head[2048];
    assert_int_equal(post(f->port, "/ingest?name=shop.cpu%7Benv%3Dprod%7D&from=1700000000&until=1700000010",
                          "x-scope-orgid: acme\r\n", folded, sizeof(folded) - 1, head, sizeof(head)),
                     200);
}

static void test_batch_carries_tenant_and_labels(void **state)
{
    (void)state;
    scripted s;
    run(client_tenant, PF_OK, 0, &s);
    assert_int_equal(s.consumed, 1);
    assert_string_equal(s.tenant, "acme");
    assert_string_equal(s.receiver, "pyroscope/unit");
    assert_string_equal(s.service, "shop");
    assert_string_equal(s.env, "prod");
    assert_string_equal(s.name, "process_cpu");
    /* folded counts at the default 100 Hz: 42 samples of 10 ms */
    assert_true(s.sample_sum == 42.0 * 10000000);
}

static void client_refused(fixture *f)
{
    char head[2048];
    int status = post(f->port, "/pyroscope/ingest?name=shop.cpu", "", folded, sizeof(folded) - 1, head, sizeof(head));
    if (f->script.answer == PF_RETRYABLE) {
        assert_int_equal(status, 503);
        assert_non_null(strstr(head, "retry-after: 7\r\n"));
    } else {
        assert_int_equal(status, 400);
    }
    assert_non_null(strstr(head, "scripted refusal"));
}

static double refused_samples(void)
{
    pf_metric *m =
        pf_metric_find("otelcol_receiver_refused_profile_samples", "receiver=\"pyroscope/unit\",transport=\"ingest\"");
    return m ? pf_metric_value(m) : 0;
}

static void test_retryable_is_503_with_retry_after(void **state)
{
    (void)state;
    double before = refused_samples();
    scripted s;
    run(client_refused, PF_RETRYABLE, 7, &s);
    assert_int_equal(s.consumed, 1);
    assert_true(refused_samples() - before == 2); /* two folded stacks */
}

static void test_permanent_is_400(void **state)
{
    (void)state;
    scripted s;
    run(client_refused, PF_PERMANENT, 0, &s);
    assert_int_equal(s.consumed, 1);
}

static void client_empty(fixture *f)
{
    char head[2048];
    assert_int_equal(post(f->port, "/ingest?name=shop&format=pprof", "", "", 0, head, sizeof(head)), 200);
}

static void test_empty_pprof_is_200_without_batch(void **state)
{
    (void)state;
    scripted s;
    run(client_empty, PF_OK, 0, &s);
    assert_int_equal(s.consumed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_carries_tenant_and_labels),
        cmocka_unit_test(test_retryable_is_503_with_retry_after),
        cmocka_unit_test(test_permanent_is_400),
        cmocka_unit_test(test_empty_pprof_is_200_without_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
