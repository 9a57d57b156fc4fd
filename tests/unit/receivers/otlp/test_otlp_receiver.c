/* test_otlp_receiver.c — the otlp receiver component on its own, with a scripted consumer in
 * place of the pipeline: config presence rules and defaults, metadata handed downstream (receiver id,
 * client address, X-Scope-OrgID tenant, include_metadata headers), PF_RETRYABLE → 503 + Retry-After,
 * PF_PERMANENT → 400 with a google.rpc.Status body, and the sample counters. curl is the peer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/loader.h"
#include "pipeline/component/component.h"
#include "pipeline/model/dict.h"
#include "pipeline/base/telemetry.h"

extern const pf_factory pf_receiver_otlp_factory;

/* Answers PF_OK, PF_RETRYABLE, PF_PERMANENT to the 1st, 2nd and 3rd batch. */
typedef struct scripted {
    pf_consumer consumer;
    size_t batches, samples;
    char tenant[64], client[64], receiver[64], custom_header[64];
} scripted;

static pf_status scripted_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    static const pf_status script[] = {PF_OK, PF_RETRYABLE, PF_PERMANENT};
    scripted *s = self->data;
    pf_status answer = script[s->batches % 3];
    s->batches++;
    s->samples += pf_batch_sample_count(b);
    snprintf(s->tenant, sizeof(s->tenant), "%s", b->meta.tenant ? b->meta.tenant : "");
    snprintf(s->client, sizeof(s->client), "%s", b->meta.client_addr ? b->meta.client_addr : "");
    snprintf(s->receiver, sizeof(s->receiver), "%s", b->meta.receiver_id ? b->meta.receiver_id : "");
    const char *h = pf_batch_meta_get(b, "x-custom");
    snprintf(s->custom_header, sizeof(s->custom_header), "%s", h ? h : "");
    pf_batch_unref(b);
    if (answer == PF_RETRYABLE) {
        pf_error_set(err, "queue is full");
        err->retry_after_s = 7;
    } else if (answer == PF_PERMANENT) {
        pf_error_set(err, "rejected by policy");
    }
    return answer;
}

static bool parse_config(const char *yaml, void *cfg, pf_cfg_error *err)
{
    pf_node *root = pf_yaml_parse(yaml, strlen(yaml), "test.yaml", err);
    if (!root) return false;
    const pf_factory *f = &pf_receiver_otlp_factory;
    bool ok = pf_cfg_defaults(f->config_map, cfg, err) &&
              pf_cfg_apply(f->config_map, root, cfg, "receivers::otlp", err) &&
              f->validate(cfg, root, "receivers::otlp", err);
    pf_node_free(root);
    return ok;
}

static void test_config_presence(void **state)
{
    (void)state;
    const pf_factory *f = &pf_receiver_otlp_factory;
    void *cfg = calloc(1, f->config_size);
    pf_cfg_error err;
    assert_false(parse_config("protocols: {}\n", cfg, &err));
    assert_non_null(strstr(err.msg, "at least one protocol"));
    pf_cfg_release(f->config_map, cfg);
    memset(cfg, 0, f->config_size);
    assert_true(parse_config("protocols:\n  http:\n", cfg, &err));
    pf_cfg_release(f->config_map, cfg);
    memset(cfg, 0, f->config_size);
    assert_false(parse_config("protocols:\n  http:\n    max_request_body_siz: 1\n", cfg, &err));
    assert_non_null(strstr(err.msg, "did you mean \"max_request_body_size\""));
    pf_cfg_release(f->config_map, cfg);
    free(cfg);
}

/* ---- a running receiver driven by curl from a second thread ---- */

typedef struct run_ctx {
    uv_loop_t loop;
    uv_async_t done;
    pf_component *comp;
    char body_path[64];
    int port;
    char *out[4];
    bool shut_down;
} run_ctx;

/* A port nobody listens on right now (bind to 0, read it, release it). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static char *run_cmd(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    pf_buf b = {0};
    char chunk[4096];
    size_t n;
    while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0) pf_buf_append(&b, chunk, n);
    if (p) pclose(p);
    pf_buf_append(&b, "", 0);
    return b.data;
}

static void *client(void *arg)
{
    run_ctx *c = arg;
    char cmd[1024];
    for (int i = 0; i < 3; i++) {
        snprintf(cmd, sizeof(cmd),
                 "curl -s -S -D - -o %s.out%d -H 'Content-Type: application/x-protobuf' -H 'X-Scope-OrgID: team-a' "
                 "-H 'X-Custom: v1' --data-binary @%s http://127.0.0.1:%d/v1development/profiles 2>&1; "
                 "od -An -tx1 %s.out%d | tr -d ' \\n'",
                 c->body_path, i, c->body_path, c->port, c->body_path, i);
        c->out[i] = run_cmd(cmd);
    }
    uv_async_send(&c->done);
    return NULL;
}

static void on_shutdown_done(pf_component *comp, void *data)
{
    (void)comp;
    ((run_ctx *)data)->shut_down = true;
}

static void on_client_done(uv_async_t *a)
{
    run_ctx *c = a->data;
    c->comp->ops->shutdown(c->comp, 1000, on_shutdown_done, c);
    uv_close((uv_handle_t *)a, NULL);
}

static void write_request(const char *path, size_t samples)
{
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, "test", "1");
    otlp_profile *p = pf_batch_add_profile(b, sp);
    int32_t fn = pf_dict_function(b, pf_dict_string(b, "main"), 0, 0, 0);
    otlp_line line = OTLP_LINE_INIT;
    line.function_index = fn;
    int32_t loc = pf_dict_location(b, 0, 0x1000, &line, 1, NULL, 0);
    int32_t stack = pf_dict_stack(b, &loc, 1);
    p->samples = pf_arena_alloc(b->arena, samples * sizeof(*p->samples));
    p->n_samples = samples;
    for (size_t i = 0; i < samples; i++) {
        otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
        *s = (otlp_sample)OTLP_SAMPLE_INIT;
        s->stack_index = stack;
        int64_t v = (int64_t)i + 1;
        s->values = pf_arena_memdup(b->arena, &v, sizeof(v));
        s->n_values = 1;
        p->samples[i] = s;
    }
    pf_buf out = {0};
    pf_batch_pack(b, &out);
    FILE *f = fopen(path, "wb");
    fwrite(out.data, 1, out.len, f);
    fclose(f);
    pf_buf_free(&out);
    pf_batch_unref(b);
}

static void test_pipeline_answers_and_metadata(void **state)
{
    (void)state;
    const pf_factory *f = &pf_receiver_otlp_factory;
    void *cfg = calloc(1, f->config_size);
    pf_cfg_error cerr;
    run_ctx c = {0};
    c.port = free_port();
    char yaml[256];
    snprintf(yaml, sizeof(yaml), "protocols:\n  http:\n    endpoint: 127.0.0.1:%d\n    include_metadata: true\n",
             c.port);
    assert_true(parse_config(yaml, cfg, &cerr));
    scripted consumer = {.consumer = {scripted_consume, &consumer}};
    uv_loop_init(&c.loop);
    pf_create_args args = {.id = "otlp/unit", .config = cfg, .next = &consumer.consumer, .loop = &c.loop};
    pf_error err = {{0}, 0};
    c.comp = f->create(&args, &err);
    assert_non_null(c.comp);
    pf_host host = {.loop = &c.loop};
    if (!c.comp->ops->start(c.comp, &host, &err)) fail_msg("start: %s", err.msg);
    pf_metric *accepted =
        pf_metric_find("otelcol_receiver_accepted_profile_samples", "receiver=\"otlp/unit\",transport=\"http\"");
    assert_non_null(accepted);
    snprintf(c.body_path, sizeof(c.body_path), "/tmp/pf_otlp_unit_%d.pb", (int)getpid());
    write_request(c.body_path, 5);
    uv_async_init(&c.loop, &c.done, on_client_done);
    c.done.data = &c;
    pthread_t t;
    pthread_create(&t, NULL, client, &c);
    uv_run(&c.loop, UV_RUN_DEFAULT);
    pthread_join(t, NULL);
    assert_true(c.shut_down);
    c.comp->ops->destroy(c.comp);
    assert_int_equal(uv_loop_close(&c.loop), 0);

    assert_non_null(strstr(c.out[0], "HTTP/1.1 200 OK"));
    assert_non_null(strstr(c.out[1], "HTTP/1.1 503 Service Unavailable"));
    assert_non_null(strstr(c.out[1], "retry-after: 7"));
    /* google.rpc.Status{code: 14, message: "queue is full"} */
    assert_non_null(strstr(c.out[1], "080e120d71756575652069732066756c6c"));
    assert_non_null(strstr(c.out[2], "HTTP/1.1 400 Bad Request"));
    assert_non_null(strstr(c.out[2], "0803121272656a656374656420627920706f6c696379"));
    assert_int_equal(consumer.batches, 3);
    assert_int_equal(consumer.samples, 15);
    assert_string_equal(consumer.tenant, "team-a");
    assert_string_equal(consumer.receiver, "otlp/unit");
    assert_non_null(strstr(consumer.client, "127.0.0.1:"));
    assert_string_equal(consumer.custom_header, "v1");
    assert_int_equal(pf_metric_value(accepted), 5);
    assert_int_equal(pf_metric_value(pf_metric_find("otelcol_receiver_refused_profile_samples",
                                                    "receiver=\"otlp/unit\",transport=\"http\"")),
                     10);
    assert_int_equal(pf_metric_value(pf_metric_find("proflow_receiver_requests_total",
                                                    "receiver=\"otlp/unit\",transport=\"http\",status=\"503\"")),
                     1);
    for (int i = 0; i < 3; i++) {
        free(c.out[i]);
        char out_path[96];
        snprintf(out_path, sizeof(out_path), "%s.out%d", c.body_path, i);
        unlink(out_path);
    }
    unlink(c.body_path);
    pf_cfg_release(f->config_map, cfg);
    free(cfg);
    pf_metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_presence),
        cmocka_unit_test(test_pipeline_answers_and_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
