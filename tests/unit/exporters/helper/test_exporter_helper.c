/* test_exporter_helper.c — the exporter helper's queue, retry, drop and shutdown logic, driven on a
 * real libuv loop with a scripted fake send function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config/loader.h"
#include "exporters/helper/exporter_helper.h"
#include "pipeline/base/telemetry.h"

#define MAX_CALLS      256
#define BYTES_PER_SEND 100

typedef struct fake_exporter {
    uv_loop_t *loop;
    /* Result of call number `call` (0-based). */
    pf_status (*script)(struct fake_exporter *f, unsigned call, pf_error *err);
    bool hold; /* keep sends pending until release_pending() */
    unsigned calls, aborts;
    uint64_t call_ms[MAX_CALLS];
    const pf_payload *call_batch[MAX_CALLS];
    pf_export_attempt *pending[MAX_CALLS];
    unsigned pending_call[MAX_CALLS];
    size_t n_pending, max_pending;
    uv_timer_t responder;
    uint32_t retry_after_s;
    unsigned fail_first; /* for script_fail_first */
} fake_exporter;

static void release_pending(fake_exporter *f)
{
    size_t n = f->n_pending;
    pf_export_attempt *attempts[MAX_CALLS];
    unsigned calls[MAX_CALLS];
    memcpy(attempts, f->pending, n * sizeof(*attempts));
    memcpy(calls, f->pending_call, n * sizeof(*calls));
    f->n_pending = 0;
    for (size_t i = 0; i < n; i++) {
        pf_error err = {0};
        pf_status st = f->script(f, calls[i], &err);
        pf_export_done(attempts[i], st, &err, st == PF_OK ? BYTES_PER_SEND : 0);
    }
}

static void on_respond(uv_timer_t *t) { release_pending(t->data); }

static pf_status fake_encode(void *ctx, pf_batch *b, pf_payload **out, pf_error *err)
{
    (void)ctx, (void)err;
    *out = pf_export_encode_otlp_proto(b, NULL, 0);
    return PF_OK;
}

static void fake_send(void *ctx, const pf_payload *b, int64_t timeout_ns, pf_export_attempt *attempt)
{
    fake_exporter *f = ctx;
    assert_true(timeout_ns > 0);
    assert_true(f->calls < MAX_CALLS);
    f->call_ms[f->calls] = uv_now(f->loop);
    f->call_batch[f->calls] = b;
    f->pending_call[f->n_pending] = f->calls;
    f->pending[f->n_pending++] = attempt;
    f->calls++;
    if (f->n_pending > f->max_pending) f->max_pending = f->n_pending;
    if (!f->hold) uv_timer_start(&f->responder, on_respond, 0, 0);
}

static void fake_abort(void *ctx)
{
    fake_exporter *f = ctx;
    f->aborts++;
    f->hold = false;
    uv_timer_start(&f->responder, on_respond, 0, 0);
}

static pf_status script_ok(fake_exporter *f, unsigned call, pf_error *err)
{
    (void)f, (void)call, (void)err;
    return PF_OK;
}

static pf_status script_fail_first(fake_exporter *f, unsigned call, pf_error *err)
{
    if (call < f->fail_first) {
        pf_error_set(err, "503 Service Unavailable");
        err->retry_after_s = f->retry_after_s;
        return PF_RETRYABLE;
    }
    return PF_OK;
}

static pf_status script_always_retryable(fake_exporter *f, unsigned call, pf_error *err)
{
    (void)f, (void)call;
    pf_error_set(err, "connection refused");
    return PF_RETRYABLE;
}

static pf_status script_permanent(fake_exporter *f, unsigned call, pf_error *err)
{
    (void)f, (void)call;
    pf_error_set(err, "HTTP 400: bad profile");
    return PF_PERMANENT;
}

typedef struct fixture {
    uv_loop_t loop;
    fake_exporter fake;
    pf_exporter_helper_config cfg;
    pf_exporter_helper *helper;
    char id[64];
    bool shutdown_done;
} fixture;

static pf_batch *batch_with_samples(size_t n)
{
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, "test", "1");
    otlp_profile *p = pf_batch_add_profile(b, sp);
    p->samples = pf_arena_alloc(b->arena, n * sizeof(*p->samples));
    for (size_t i = 0; i < n; i++) {
        otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
        *s = (otlp_sample)OTLP_SAMPLE_INIT;
        p->samples[i] = s;
    }
    p->n_samples = n;
    return b;
}

static int setup(void **state)
{
    static unsigned seq;
    fixture *fx = calloc(1, sizeof(*fx));
    assert_int_equal(uv_loop_init(&fx->loop), 0);
    fx->fake.loop = &fx->loop;
    fx->fake.script = script_ok;
    uv_timer_init(&fx->loop, &fx->fake.responder);
    fx->fake.responder.data = &fx->fake;
    fx->cfg = (pf_exporter_helper_config){
        .timeout = 5000000000LL,
        .retry_on_failure = {.enabled = true,
                             .initial_interval = 1000000,
                             .max_interval = 4000000,
                             .max_elapsed_time = 60000000000LL,
                             .multiplier = 1.5,
                             .randomization_factor = 0.5},
        .sending_queue = {.enabled = true, .num_consumers = 3, .queue_size = 1000, .sizer = "requests"},
    };
    snprintf(fx->id, sizeof(fx->id), "otlphttp/test%u", seq++);
    *state = fx;
    return 0;
}

static void start_helper(fixture *fx)
{
    pf_exporter_ops ops = {.encode = fake_encode, .send = fake_send, .abort_sends = fake_abort};
    fx->helper = pf_exporter_helper_new(&fx->loop, fx->id, &fx->cfg, &ops, &fx->fake);
}

static void on_shutdown(void *data) { ((fixture *)data)->shutdown_done = true; }

static void shutdown_helper(fixture *fx, uint64_t deadline_ms)
{
    pf_exporter_helper_shutdown(fx->helper, deadline_ms, on_shutdown, fx);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_true(fx->shutdown_done);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    if (fx->helper) {
        if (!fx->shutdown_done) shutdown_helper(fx, 1000);
        pf_exporter_helper_free(fx->helper);
    }
    uv_close((uv_handle_t *)&fx->fake.responder, NULL);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    free(fx);
    pf_metrics_reset();
    return 0;
}

static double metric(const fixture *fx, const char *name)
{
    char labels[128];
    snprintf(labels, sizeof(labels), "exporter=\"%s\"", fx->id);
    pf_metric *m = pf_metric_find(name, labels);
    assert_non_null(m);
    return pf_metric_value(m);
}

static pf_status consume(fixture *fx, size_t samples, pf_error *err)
{
    pf_consumer *c = pf_exporter_helper_consumer(fx->helper);
    return pf_consumer_consume(c, batch_with_samples(samples), err);
}

/* ---- tests ---- */

static void test_config_defaults(void **state)
{
    (void)state;
    static const pf_cfg_entry map[] = {PF_EXPORTER_HELPER_CFG_ENTRIES(0), PF_CFG_END};
    pf_exporter_helper_config cfg;
    pf_cfg_error err;
    assert_true(pf_cfg_defaults(map, &cfg, &err));
    assert_int_equal(cfg.timeout, 5000000000LL);
    assert_true(cfg.retry_on_failure.enabled);
    assert_int_equal(cfg.retry_on_failure.initial_interval, 5000000000LL);
    assert_int_equal(cfg.retry_on_failure.max_interval, 30000000000LL);
    assert_int_equal(cfg.retry_on_failure.max_elapsed_time, 300000000000LL);
    assert_true(cfg.retry_on_failure.multiplier == 1.5);
    assert_true(cfg.retry_on_failure.randomization_factor == 0.5);
    assert_true(cfg.sending_queue.enabled);
    assert_int_equal(cfg.sending_queue.num_consumers, 10);
    assert_int_equal(cfg.sending_queue.queue_size, 1000);
    assert_string_equal(cfg.sending_queue.sizer, "requests");
    assert_false(cfg.sending_queue.block_on_overflow);
    pf_cfg_release(map, &cfg);
}

static void test_config_sizers(void **state)
{
    (void)state;
    static const pf_cfg_entry map[] = {PF_EXPORTER_HELPER_CFG_ENTRIES(0), PF_CFG_END};
    const char *sizers[] = {"requests", "bytes", "items"};
    for (size_t i = 0; i < 3; i++) {
        char *yaml = pf_xasprintf("sending_queue: {sizer: %s, queue_size: 5000}\n", sizers[i]);
        pf_cfg_error err;
        pf_node *root = pf_yaml_parse(yaml, strlen(yaml), "test", &err);
        assert_non_null(root);
        pf_exporter_helper_config cfg;
        assert_true(pf_cfg_defaults(map, &cfg, &err));
        assert_true(pf_cfg_apply(map, root, &cfg, "exporters.otlp", &err));
        assert_string_equal(cfg.sending_queue.sizer, sizers[i]);
        assert_int_equal(cfg.sending_queue.queue_size, 5000);
        pf_cfg_release(map, &cfg);
        pf_node_free(root);
        free(yaml);
    }
    const char yaml[] = "sending_queue: {sizer: samples}\n";
    pf_cfg_error err;
    pf_node *root = pf_yaml_parse(yaml, strlen(yaml), "test", &err);
    pf_exporter_helper_config cfg;
    assert_true(pf_cfg_defaults(map, &cfg, &err));
    assert_false(pf_cfg_apply(map, root, &cfg, "exporters.otlp", &err));
    assert_non_null(strstr(err.msg, "samples"));
    assert_non_null(strstr(err.msg, "items"));
    pf_cfg_release(map, &cfg);
    pf_node_free(root);
}

static void test_backoff_delays(void **state)
{
    (void)state;
    pf_retry_config r = {.enabled = true,
                         .initial_interval = 5000000000LL,
                         .max_interval = 30000000000LL,
                         .multiplier = 1.5,
                         .randomization_factor = 0.5};
    /* random 0.5 sits in the middle of the jitter range: the plain exponential interval. */
    assert_int_equal(pf_backoff_delay_ns(&r, 1, 0.5, 0), 5000000000LL);
    assert_int_equal(pf_backoff_delay_ns(&r, 2, 0.5, 0), 7500000000LL);
    assert_int_equal(pf_backoff_delay_ns(&r, 3, 0.5, 0), 11250000000LL);
    assert_int_equal(pf_backoff_delay_ns(&r, 20, 0.5, 0), 30000000000LL);
    /* Jitter spans interval * [1 - factor, 1 + factor). */
    assert_int_equal(pf_backoff_delay_ns(&r, 1, 0.0, 0), 2500000000LL);
    assert_int_equal(pf_backoff_delay_ns(&r, 20, 0.0, 0), 15000000000LL);
    /* Retry-After raises the delay, never lowers it. */
    assert_int_equal(pf_backoff_delay_ns(&r, 1, 0.5, 60), 60000000000LL);
    assert_int_equal(pf_backoff_delay_ns(&r, 1, 0.5, 1), 5000000000LL);
}

static void test_all_delivered_with_bounded_concurrency(void **state)
{
    fixture *fx = *state;
    start_helper(fx);
    size_t total = 0;
    for (size_t i = 1; i <= 25; i++) {
        pf_error err = {0};
        assert_int_equal(consume(fx, i, &err), PF_OK);
        total += i;
    }
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(fx->fake.calls, 25);
    assert_int_equal(fx->fake.max_pending, 3);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == (double)total);
    assert_true(metric(fx, "otelcol_exporter_send_failed_profile_samples") == 0);
    assert_true(metric(fx, "proflow_exporter_sent_bytes_total") == 25.0 * BYTES_PER_SEND);
    assert_true(metric(fx, "otelcol_exporter_queue_size") == 0);
    assert_true(metric(fx, "otelcol_exporter_queue_capacity") == 1000);
    assert_int_equal(pf_exporter_helper_in_flight(fx->helper), 0);
}

static void test_queue_full_is_retryable(void **state)
{
    fixture *fx = *state;
    fx->cfg.sending_queue.num_consumers = 1;
    fx->cfg.sending_queue.queue_size = 2;
    fx->fake.hold = true;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 10, &err), PF_OK); /* taken by the one consumer */
    assert_int_equal(consume(fx, 20, &err), PF_OK); /* queued */
    assert_int_equal(consume(fx, 30, &err), PF_OK); /* queued */
    assert_int_equal(pf_exporter_helper_queue_size(fx->helper), 2);
    assert_true(metric(fx, "otelcol_exporter_queue_size") == 2);
    assert_int_equal(consume(fx, 40, &err), PF_RETRYABLE);
    assert_non_null(strstr(err.msg, "queue is full"));
    assert_true(metric(fx, "otelcol_exporter_enqueue_failed_profile_samples") == 40);

    fx->fake.hold = false;
    release_pending(&fx->fake);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(fx->fake.calls, 3);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 60);
    assert_true(metric(fx, "otelcol_exporter_queue_size") == 0);
}

static void test_queue_full_by_bytes(void **state)
{
    fixture *fx = *state;
    fx->cfg.sending_queue.num_consumers = 1;
    fx->cfg.sending_queue.sizer = "bytes";
    pf_batch *probe = batch_with_samples(5);
    size_t one = pf_batch_packed_size(probe);
    pf_batch_unref(probe);
    fx->cfg.sending_queue.queue_size = (int64_t)(2 * one);
    fx->fake.hold = true;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 5, &err), PF_OK);
    assert_int_equal(consume(fx, 5, &err), PF_OK);
    assert_int_equal(consume(fx, 5, &err), PF_OK);
    assert_int_equal(pf_exporter_helper_queue_size(fx->helper), 2 * one);
    assert_int_equal(consume(fx, 5, &err), PF_RETRYABLE);
    /* A batch that could never fit is refused for good. */
    assert_int_equal(consume(fx, 500, &err), PF_PERMANENT);
    assert_true(metric(fx, "otelcol_exporter_enqueue_failed_profile_samples") == 505);
    fx->fake.hold = false;
    release_pending(&fx->fake);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 15);
}

static void test_queue_full_by_items(void **state)
{
    fixture *fx = *state;
    fx->cfg.sending_queue.num_consumers = 1;
    fx->cfg.sending_queue.sizer = "items";
    fx->cfg.sending_queue.queue_size = 30; /* profile samples */
    fx->fake.hold = true;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 50, &err), PF_PERMANENT); /* could never fit */
    assert_non_null(strstr(err.msg, "50 samples is larger than the queue capacity 30"));
    assert_int_equal(consume(fx, 5, &err), PF_OK);  /* taken by the one consumer */
    assert_int_equal(consume(fx, 20, &err), PF_OK); /* queued: 20 of 30 */
    assert_int_equal(consume(fx, 0, &err), PF_OK);  /* no samples still takes one: 21 */
    assert_int_equal(pf_exporter_helper_queue_size(fx->helper), 21);
    assert_int_equal(consume(fx, 10, &err), PF_RETRYABLE); /* 31 > 30 */
    assert_non_null(strstr(err.msg, "queue is full"));
    assert_int_equal(consume(fx, 9, &err), PF_OK); /* exactly full */
    assert_true(metric(fx, "otelcol_exporter_queue_size") == 30);
    assert_true(metric(fx, "otelcol_exporter_queue_capacity") == 30);
    assert_true(metric(fx, "otelcol_exporter_enqueue_failed_profile_samples") == 60);
    fx->fake.hold = false;
    release_pending(&fx->fake);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(fx->fake.calls, 4);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 34);
    assert_true(metric(fx, "otelcol_exporter_queue_size") == 0);
}

static void test_queue_disabled_accepts_only_free_consumers(void **state)
{
    fixture *fx = *state;
    fx->cfg.sending_queue.enabled = false;
    fx->cfg.sending_queue.num_consumers = 2;
    fx->fake.hold = true;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 1, &err), PF_OK);
    assert_int_equal(consume(fx, 1, &err), PF_OK);
    assert_int_equal(consume(fx, 7, &err), PF_RETRYABLE);
    assert_int_equal(fx->fake.calls, 2);
    fx->fake.hold = false;
    release_pending(&fx->fake);
    assert_int_equal(consume(fx, 1, &err), PF_OK);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 3);
    assert_true(metric(fx, "otelcol_exporter_enqueue_failed_profile_samples") == 7);
}

static void test_retry_then_success_delivered_once(void **state)
{
    fixture *fx = *state;
    fx->fake.script = script_fail_first;
    fx->fake.fail_first = 3;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 42, &err), PF_OK);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(fx->fake.calls, 4);
    for (unsigned i = 1; i < 4; i++) assert_ptr_equal(fx->fake.call_batch[i], fx->fake.call_batch[0]);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 42);
    assert_true(metric(fx, "otelcol_exporter_send_failed_profile_samples") == 0);
    assert_true(metric(fx, "proflow_exporter_retries_total") == 3);
    assert_true(metric(fx, "proflow_exporter_sent_bytes_total") == BYTES_PER_SEND);
}

static void test_permanent_not_retried(void **state)
{
    fixture *fx = *state;
    fx->fake.script = script_permanent;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 9, &err), PF_OK);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(fx->fake.calls, 1);
    assert_true(metric(fx, "otelcol_exporter_send_failed_profile_samples") == 9);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 0);
    assert_true(metric(fx, "proflow_exporter_retries_total") == 0);
}

static void test_retry_disabled_drops_at_once(void **state)
{
    fixture *fx = *state;
    fx->fake.script = script_always_retryable;
    fx->cfg.retry_on_failure.enabled = false;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 4, &err), PF_OK);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(fx->fake.calls, 1);
    assert_true(metric(fx, "otelcol_exporter_send_failed_profile_samples") == 4);
}

static void test_max_elapsed_time_drops(void **state)
{
    fixture *fx = *state;
    fx->fake.script = script_always_retryable;
    fx->cfg.retry_on_failure.initial_interval = 5000000;
    fx->cfg.retry_on_failure.max_interval = 10000000;
    fx->cfg.retry_on_failure.max_elapsed_time = 60000000;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 11, &err), PF_OK);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    /* The first retry is due after at most 7.5 ms, well inside 60 ms; the attempts then stop. */
    assert_true(fx->fake.calls >= 2);
    assert_true(metric(fx, "proflow_exporter_retries_total") == fx->fake.calls - 1);
    assert_true(metric(fx, "otelcol_exporter_send_failed_profile_samples") == 11);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 0);
    assert_int_equal(pf_exporter_helper_in_flight(fx->helper), 0);
}

static void test_retry_after_honoured(void **state)
{
    fixture *fx = *state;
    fx->fake.script = script_fail_first;
    fx->fake.fail_first = 1;
    fx->fake.retry_after_s = 1;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 3, &err), PF_OK);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    assert_int_equal(fx->fake.calls, 2);
    /* initial_interval is 1 ms; the server asked for 1 s, and the retry waited at least that. */
    assert_true(fx->fake.call_ms[1] - fx->fake.call_ms[0] >= 1000);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 3);
}

static void test_shutdown_drains_queue(void **state)
{
    fixture *fx = *state;
    fx->cfg.sending_queue.num_consumers = 1;
    fx->fake.script = script_fail_first;
    fx->fake.fail_first = 2;
    start_helper(fx);
    pf_error err = {0};
    for (int i = 0; i < 5; i++) assert_int_equal(consume(fx, 2, &err), PF_OK);
    shutdown_helper(fx, 60000);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 10);
    assert_true(metric(fx, "otelcol_exporter_send_failed_profile_samples") == 0);
    /* Intake is closed once shutdown started. */
    assert_int_equal(consume(fx, 6, &err), PF_RETRYABLE);
    assert_true(metric(fx, "otelcol_exporter_enqueue_failed_profile_samples") == 6);
}

static void test_shutdown_deadline_drops_the_rest(void **state)
{
    fixture *fx = *state;
    fx->cfg.sending_queue.num_consumers = 2;
    fx->cfg.retry_on_failure.initial_interval = 3600000000000LL;
    fx->cfg.retry_on_failure.max_interval = 3600000000000LL;
    fx->cfg.retry_on_failure.max_elapsed_time = 0;
    fx->fake.script = script_always_retryable;
    start_helper(fx);
    pf_error err = {0};
    for (int i = 0; i < 4; i++) assert_int_equal(consume(fx, 5, &err), PF_OK);
    uv_run(&fx->loop, UV_RUN_NOWAIT); /* the two consumers fail once and wait an hour */
    shutdown_helper(fx, 20);
    assert_true(metric(fx, "otelcol_exporter_send_failed_profile_samples") == 20);
    assert_true(metric(fx, "otelcol_exporter_sent_profile_samples") == 0);
    assert_true(metric(fx, "otelcol_exporter_queue_size") == 0);
    assert_int_equal(pf_exporter_helper_in_flight(fx->helper), 0);
}

static void test_shutdown_aborts_sends_in_progress(void **state)
{
    fixture *fx = *state;
    fx->fake.hold = true;
    fx->fake.script = script_always_retryable;
    start_helper(fx);
    pf_error err = {0};
    assert_int_equal(consume(fx, 8, &err), PF_OK);
    shutdown_helper(fx, 10);
    assert_int_equal(fx->fake.aborts, 1);
    assert_true(metric(fx, "otelcol_exporter_send_failed_profile_samples") == 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_sizers),
        cmocka_unit_test(test_backoff_delays),
        cmocka_unit_test_setup_teardown(test_all_delivered_with_bounded_concurrency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full_is_retryable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full_by_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full_by_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_disabled_accepts_only_free_consumers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_then_success_delivered_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_disabled_drops_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_elapsed_time_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_drains_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_deadline_drops_the_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_aborts_sends_in_progress, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
