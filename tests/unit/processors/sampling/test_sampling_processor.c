/* test_sampling_processor.c — the sampling processor's parts, driven directly with an injected clock:
 * the probability hash (deterministic per window, the configured share kept), token buckets (limits,
 * refill, bounded state), the sampler over batches (rules, overrides, rate limits, counters), the
 * control API's JSON errors, overrides lifecycle and the Alertmanager webhook, and the component
 * through its consumer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/loader.h"
#include "pipeline/base/telemetry.h"
#include "processors/sampling/api_json.h"
#include "processors/sampling/control.h"
#include "processors/sampling/sampler.h"
#include "processors/sampling/token_table.h"

extern const pf_factory pf_processor_sampling_factory;

/* ---- helpers ---- */

static sampling_config *load_config(const char *yaml)
{
    sampling_config *cfg = calloc(1, sizeof(*cfg));
    pf_cfg_error err;
    assert_true(pf_cfg_defaults(pf_processor_sampling_factory.config_map, cfg, &err));
    pf_node *n = pf_yaml_parse(yaml, strlen(yaml), "test.yaml", &err);
    assert_non_null(n);
    bool ok = pf_cfg_apply(pf_processor_sampling_factory.config_map, n, cfg, "processors.sampling", &err);
    if (!ok) fprintf(stderr, "%s\n", err.msg);
    assert_true(ok);
    pf_node_free(n);
    return cfg;
}

static void free_config(sampling_config *cfg)
{
    pf_cfg_release(pf_processor_sampling_factory.config_map, cfg);
    free(cfg);
}

/* One resource per service, each with one CPU profile of `samples` samples at time t. */
static pf_batch *services_batch(const char *const *services, size_t n, size_t samples, uint64_t t)
{
    pf_batch *b = pf_batch_new();
    b->req->dictionary->string_table =
        pf_arena_grow(b->arena, b->req->dictionary->string_table, b->req->dictionary->n_string_table * sizeof(char *),
                      (b->req->dictionary->n_string_table + 2) * sizeof(char *));
    int32_t cpu = (int32_t)b->req->dictionary->n_string_table;
    b->req->dictionary->string_table[cpu] = "cpu";
    b->req->dictionary->string_table[cpu + 1] = "nanoseconds";
    b->req->dictionary->n_string_table += 2;
    for (size_t i = 0; i < n; i++) {
        otlp_resource_profiles *rp = pf_batch_add_resource(b);
        pf_resource_set_string(b, rp->resource, "service.name", services[i]);
        otlp_profile *p = pf_batch_add_profile(b, pf_batch_add_scope(b, rp, "test", "1"));
        p->time_unix_nano = t;
        p->sample_type = pf_arena_alloc(b->arena, sizeof(*p->sample_type));
        *p->sample_type = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
        p->sample_type->type_strindex = cpu;
        p->sample_type->unit_strindex = cpu + 1;
        p->samples = pf_arena_alloc(b->arena, samples * sizeof(*p->samples));
        for (size_t s = 0; s < samples; s++) {
            otlp_sample *sm = pf_arena_alloc(b->arena, sizeof(*sm));
            *sm = (otlp_sample)OTLP_SAMPLE_INIT;
            sm->values = pf_arena_alloc(b->arena, sizeof(int64_t));
            sm->values[0] = 1;
            sm->n_values = 1;
            p->samples[s] = sm;
        }
        p->n_samples = samples;
    }
    return b;
}

static double decisions(const char *processor, const char *rule, const char *decision, const char *reason)
{
    char labels[256];
    snprintf(labels, sizeof(labels), "processor=\"%s\",rule=\"%s\",decision=\"%s\",reason=\"%s\"", processor, rule,
             decision, reason);
    pf_metric *m = pf_metric_find("proflow_processor_sampling_profiles_total", labels);
    return m ? pf_metric_value(m) : -1;
}

static bool has_service(pf_batch *b, const char *service)
{
    for (size_t i = 0; i < b->req->n_resource_profiles; i++) {
        otlp_resource *r = b->req->resource_profiles[i]->resource;
        const char *v = pf_kv_list_get(b, r->attributes, r->n_attributes, "service.name");
        if (v && strcmp(v, service) == 0) return true;
    }
    return false;
}

/* ---- probability hash ---- */

static void test_hash_deterministic_and_proportional(void **state)
{
    (void)state;
    pf_labels ls = {0};
    size_t kept = 0, changed_with_window = 0;
    char name[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(name, sizeof(name), "svc-%d", i);
        pf_labels_set(&ls, "service_name", name);
        pf_labels_set(&ls, "__name__", "process_cpu");
        double u = sampling_series_unit(&ls, 7);
        assert_true(u >= 0 && u < 1);
        assert_true(u == sampling_series_unit(&ls, 7));
        /* the sample/period type does not take part: all types of one collection decide together */
        pf_labels_set(&ls, "__sample_type__", "cpu");
        assert_true(u == sampling_series_unit(&ls, 7));
        pf_labels_del(&ls, "__sample_type__");
        if (u < 0.25) kept++;
        if ((u < 0.25) != (sampling_series_unit(&ls, 8) < 0.25)) changed_with_window++;
    }
    pf_labels_free(&ls);
    assert_in_range(kept, 2350, 2650);
    /* a new window is a new draw: about 2 × 0.25 × 0.75 of the series flip */
    assert_in_range(changed_with_window, 3400, 4100);
}

/* ---- token buckets ---- */

static void test_token_table_limits_and_refill(void **state)
{
    (void)state;
    token_table *t = token_table_new(100);
    uint64_t s = 1000000000ull;
    for (int i = 0; i < 3; i++) assert_true(token_table_take(t, "a", 1, 1.0, 3, 1, 0));
    assert_false(token_table_take(t, "a", 1, 1.0, 3, 1, 0));
    assert_true(token_table_take(t, "b", 1, 1.0, 3, 1, 0)); /* another key has its own bucket */
    assert_false(token_table_take(t, "a", 1, 1.0, 3, 1, s / 2));
    assert_true(token_table_take(t, "a", 1, 1.0, 3, 1, s + s / 2)); /* 1.5 s refilled 1.5 tokens */
    assert_false(token_table_take(t, "a", 1, 1.0, 3, 1, s + s / 2));
    assert_false(token_table_take(t, "a", 1, 1.0, 3, 5, 100 * s)); /* more than the capacity: never */
    /* buckets full again are forgotten without loss */
    assert_int_equal(token_table_size(t), 1);
    assert_int_equal(token_table_evictions(t), 0);
    token_table_free(t);
}

static void test_token_table_bounded(void **state)
{
    (void)state;
    token_table *t = token_table_new(2);
    assert_true(token_table_take(t, "a", 1, 0.001, 1, 1, 0));
    assert_true(token_table_take(t, "b", 1, 0.001, 1, 1, 0));
    assert_true(token_table_take(t, "c", 1, 0.001, 1, 1, 0));
    assert_int_equal(token_table_size(t), 2);
    assert_int_equal(token_table_evictions(t), 1);
    /* "a" was the least recently used and was evicted: it starts full again */
    assert_true(token_table_take(t, "a", 1, 0.001, 1, 1, 0));
    assert_false(token_table_take(t, "c", 1, 0.001, 1, 1, 0));
    token_table_free(t);
}

/* ---- sampler ---- */

static void test_sampler_rules_and_counters(void **state)
{
    (void)state;
    pf_metrics_reset();
    sampling_config *cfg = load_config("probability: 0\n"
                                       "overrides:\n"
                                       "  - {name: critical, match: {service_name: checkout}, probability: 1}\n"
                                       "  - {match: {service_name: checkout}, probability: 0}\n");
    sampler *s = sampler_new(cfg, "sampling");
    const char *services[] = {"checkout", "search", "cart"};
    pf_batch *b = services_batch(services, 3, 4, 1700000000000000000ull);
    sampling_clock now = {1, 1, 1};
    sampling_counts c = sampler_filter(s, b, NULL, &now);
    assert_int_equal(c.kept, 1);
    assert_int_equal(c.dropped_by_probability, 2);
    assert_int_equal(c.dropped_samples, 8);
    assert_true(has_service(b, "checkout") && !has_service(b, "search"));
    assert_true(decisions("sampling", "critical", "kept", "sampled") == 1);
    assert_true(decisions("sampling", "default", "dropped", "probability") == 2);
    assert_true(decisions("sampling", "overrides[1]", "kept", "sampled") == 0);
    pf_batch_unref(b);

    /* a dynamic override is consulted first and counts its own decisions */
    override_store dyn = {0};
    pf_strmap match = {0};
    match.keys = calloc(1, sizeof(char *));
    match.values = calloc(1, sizeof(char *));
    match.keys[0] = strdup("service_name");
    match.values[0] = strdup("search");
    match.n = 1;
    sampling_limits all = {1, 0, 0};
    sampling_override *o = override_store_add(&dyn, 9, &match, &all, 0, 1000, "api", NULL);
    assert_int_equal(o->id, 9);
    b = services_batch(services, 3, 4, 1700000000000000000ull);
    c = sampler_filter(s, b, &dyn, &now);
    assert_int_equal(c.kept, 2);
    assert_true(has_service(b, "search"));
    assert_int_equal(dyn.items[0].kept, 1);
    assert_true(decisions("sampling", "api", "kept", "sampled") == 1);
    pf_batch_unref(b);

    /* once expired it no longer applies */
    now.loop_ms = 1000;
    b = services_batch(services, 3, 4, 1700000000000000000ull);
    c = sampler_filter(s, b, &dyn, &now);
    assert_int_equal(c.kept, 1);
    assert_int_equal(override_store_expire(&dyn, 1000), 1);
    assert_int_equal(dyn.n, 0);
    pf_batch_unref(b);
    override_store_free(&dyn);
    sampler_free(s);
    free_config(cfg);
}

static void test_sampler_kept_series_stays_kept_within_window(void **state)
{
    (void)state;
    pf_metrics_reset();
    sampling_config *cfg = load_config("probability: 0.5\nwindow: 1m\n");
    sampler *s = sampler_new(cfg, "sampling");
    enum { N = 200 };
    char names[N][16];
    const char *services[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "svc-%d", i);
        services[i] = names[i];
    }
    uint64_t t0 = 1700000000000000000ull - 1700000000000000000ull % 60000000000ull;
    sampling_clock now = {1, 1, 1};
    pf_batch *first = services_batch(services, N, 1, t0);
    pf_batch *again = services_batch(services, N, 1, t0 + 59000000000ull);
    pf_batch *next_window = services_batch(services, N, 1, t0 + 60000000000ull);
    sampling_counts a = sampler_filter(s, first, NULL, &now), b = sampler_filter(s, again, NULL, &now);
    sampler_filter(s, next_window, NULL, &now);
    assert_int_equal(a.kept, b.kept);
    assert_in_range(a.kept, 70, 130);
    size_t differ = 0;
    for (int i = 0; i < N; i++) {
        assert_true(has_service(first, services[i]) == has_service(again, services[i]));
        if (has_service(first, services[i]) != has_service(next_window, services[i])) differ++;
    }
    assert_true(differ > 0);
    pf_batch_unref(first);
    pf_batch_unref(again);
    pf_batch_unref(next_window);
    sampler_free(s);
    free_config(cfg);
}

static void test_sampler_rate_limits(void **state)
{
    (void)state;
    pf_metrics_reset();
    sampling_config *cfg = load_config("max_profiles_per_minute: 2\n"
                                       "max_bytes_per_second: 1000\n"
                                       "overrides:\n"
                                       "  - {name: vip, match: {service_name: vip}, max_profiles_per_minute: 0,"
                                       " max_bytes_per_second: 0}\n");
    sampler *s = sampler_new(cfg, "limits");
    const char *one[] = {"web"}, *vip[] = {"vip"};
    sampling_clock now = {0, 1, 1};
    size_t kept = 0;
    for (int i = 0; i < 4; i++) {
        pf_batch *b = services_batch(one, 1, 1, 1);
        b->wire_bytes = 10;
        kept += sampler_filter(s, b, NULL, &now).kept;
        pf_batch_unref(b);
    }
    assert_int_equal(kept, 2);
    assert_true(decisions("limits", "default", "dropped", "series_rate") == 2);
    now.mono_ns = 30000000000ull; /* half a minute refills one profile */
    pf_batch *b = services_batch(one, 1, 1, 1);
    b->wire_bytes = 10;
    assert_int_equal(sampler_filter(s, b, NULL, &now).kept, 1);
    pf_batch_unref(b);

    /* bytes per tenant: a 600-byte request passes, the next does not (1000 B/s bucket), other tenants do */
    const char *fresh[] = {"fresh"};
    size_t tenant_kept = 0;
    for (int i = 0; i < 2; i++) {
        b = services_batch(fresh, 1, 1, 1);
        b->wire_bytes = 600;
        pf_batch_set_tenant(b, "acme");
        tenant_kept += sampler_filter(s, b, NULL, &now).kept;
        pf_batch_unref(b);
    }
    assert_int_equal(tenant_kept, 1);
    assert_true(decisions("limits", "default", "dropped", "tenant_rate") == 1);
    b = services_batch(fresh, 1, 1, 1);
    b->wire_bytes = 600;
    pf_batch_set_tenant(b, "globex");
    assert_int_equal(sampler_filter(s, b, NULL, &now).kept, 1);
    pf_batch_unref(b);

    /* the vip rule lifts both limits */
    for (int i = 0; i < 5; i++) {
        b = services_batch(vip, 1, 1, 1);
        b->wire_bytes = 5000;
        assert_int_equal(sampler_filter(s, b, NULL, &now).kept, 1);
        pf_batch_unref(b);
    }
    sampler_free(s);
    free_config(cfg);
}

/* ---- JSON ---- */

static void expect_override_error(const char *body, const char *fragment)
{
    sampling_limits d = {0.5, 0, 0};
    override_request r;
    char err[512];
    assert_false(override_request_parse(body, strlen(body), &d, 600000000000ll, 3600000000000ll, &r, err, sizeof(err)));
    override_request_free(&r);
    if (!strstr(err, fragment)) fail_msg("error \"%s\" does not mention \"%s\"", err, fragment);
}

static void test_override_json(void **state)
{
    (void)state;
    expect_override_error("{", "invalid JSON at line 1");
    expect_override_error("[]", "must be a JSON object");
    expect_override_error("{\"probability\": 1}", "match is required");
    expect_override_error("{\"match\": {\"a\": 1}}", "match.a must be a string");
    expect_override_error("{\"match\": {\"a\": \"b\"}, \"probability\": \"1\"}", "probability must be a number");
    expect_override_error("{\"match\": {\"a\": \"b\"}, \"duration\": \"2h\"}", "exceeds max_override_duration");
    expect_override_error("{\"match\": {\"a\": \"b\"}, \"max_profiles_per_minute\": -1}", "max_profiles_per_minute");
    expect_override_error("{\"match\": {\"a\": \"b\"}, \"proba\": 1}", "unknown field \"proba\"");

    const char *ok =
        "{\"match\": {\"service_name\": \"checkout\"}, \"max_bytes_per_second\": \"1KiB\", \"duration\": \"10m\"}";
    sampling_limits d = {0.5, 7, 0};
    override_request r;
    char err[512];
    assert_true(override_request_parse(ok, strlen(ok), &d, 60000000000ll, 3600000000000ll, &r, err, sizeof(err)));
    assert_true(r.limits.probability == 0.5); /* inherited */
    assert_int_equal(r.limits.max_profiles_per_minute, 7);
    assert_int_equal(r.limits.max_bytes_per_second, 1024);
    assert_int_equal(r.duration_ns, 600000000000ll);
    assert_string_equal(pf_strmap_get(&r.match, "service_name"), "checkout");
    override_request_free(&r);
}

static void test_alertmanager_json(void **state)
{
    (void)state;
    const char *body = "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":["
                       "{\"status\":\"firing\",\"labels\":{\"service\":\"a\"},\"fingerprint\":\"f1\"},"
                       "{\"labels\":{\"service\":\"b\"}},"
                       "{\"status\":\"resolved\",\"labels\":{\"service\":\"c\"},\"fingerprint\":\"f3\"}]}";
    alert_list l;
    char err[512];
    assert_true(alertmanager_parse(body, strlen(body), &l, err, sizeof(err)));
    assert_int_equal(l.n, 3);
    assert_true(l.items[0].firing && l.items[1].firing && !l.items[2].firing);
    assert_string_equal(l.items[0].fingerprint, "f1");
    assert_int_equal(strlen(l.items[1].fingerprint), 16); /* made from the labels */
    alert_list_free(&l);
    const char *bad = "{\"alerts\":[{\"status\":\"pending\",\"labels\":{}}]}";
    assert_false(alertmanager_parse(bad, strlen(bad), &l, err, sizeof(err)));
    alert_list_free(&l);
    assert_non_null(strstr(err, "alerts[0].status must be \"firing\" or \"resolved\""));
}

/* ---- control API without HTTP ---- */

static int call(sampling_control *c, const char *method, const char *path, const char *query, const char *body,
                pf_buf *out)
{
    pf_buf_reset(out);
    return sampling_control_call(c, method, path, query, body, body ? strlen(body) : 0, out);
}

static void detached(void *data) { (*(int *)data)++; }

static void test_control_api(void **state)
{
    (void)state;
    pf_metrics_reset();
    uv_loop_t loop;
    uv_loop_init(&loop);
    sampling_config *cfg = load_config("alertmanager:\n  match_labels: {service: service_name}\n");
    sampling_target *t = sampling_control_attach(NULL, &loop, "sampling", cfg);
    sampling_control *c = sampling_target_control(t);
    pf_buf out = {0};
    assert_int_equal(call(c, "POST", "/api/v1/sampling/overrides", "",
                          "{\"match\":{\"service_name\":\"x\"},\"probability\":1,\"duration\":\"1s\"}", &out),
                     201);
    assert_non_null(strstr(out.data, "\"id\":\"1\""));
    assert_int_equal(call(c, "POST", "/api/v1/sampling/overrides", "processor=other", "{}", &out), 404);
    assert_int_equal(call(c, "GET", "/api/v1/sampling/overrides", "", NULL, &out), 200);
    assert_non_null(strstr(out.data, "\"service_name\":\"x\""));
    assert_int_equal(call(c, "DELETE", "/api/v1/sampling/overrides/7", "", NULL, &out), 404);
    assert_int_equal(call(c, "DELETE", "/api/v1/sampling/overrides/abc", "", NULL, &out), 400);

    const char *firing = "{\"status\":\"firing\",\"alerts\":[{\"labels\":{\"service\":\"y\"},\"fingerprint\":\"fp\"},"
                         "{\"labels\":{\"alertname\":\"NoService\"}}]}";
    assert_int_equal(call(c, "POST", "/api/v1/sampling/alertmanager", "processor=sampling", firing, &out), 200);
    assert_non_null(strstr(out.data, "\"applied\":1"));
    assert_non_null(strstr(out.data, "\"ignored\":1"));
    override_store *store = sampling_target_overrides(t);
    assert_int_equal(store->n, 2);
    assert_string_equal(pf_strmap_get(&store->items[1].match, "service_name"), "y");
    const char *resolved =
        "{\"status\":\"resolved\",\"alerts\":[{\"labels\":{\"service\":\"y\"},\"fingerprint\":\"fp\"}]}";
    assert_int_equal(call(c, "POST", "/api/v1/sampling/alertmanager", "", resolved, &out), 200);
    assert_int_equal(store->n, 1);

    /* the 1s override expires through the loop's timer */
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(store->n, 0);
    assert_true(pf_metric_value(pf_metric_find("proflow_processor_sampling_overrides_expired_total",
                                               "processor=\"sampling\"")) == 1);
    int done = 0;
    sampling_control_detach(t, detached, &done);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(done, 1);
    assert_int_equal(call(c, "GET", "/api/v1/sampling/overrides", "", NULL, &out), 200);
    assert_int_equal(call(c, "POST", "/api/v1/sampling/overrides", "", "{\"match\":{\"a\":\"b\"}}", &out), 503);
    sampling_control_release(t);
    pf_buf_free(&out);
    free_config(cfg);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* A "frequency" request becomes a profiling-frequency boost (pipeline/component/freq_boost.h), listed with the
 * overrides; without match_labels and on_alert rules the webhook has nothing to do. */
static void test_control_api_frequency(void **state)
{
    (void)state;
    pf_metrics_reset();
    uv_loop_t loop;
    uv_loop_init(&loop);
    sampling_config *cfg = load_config("probability: 1\n");
    sampling_target *t = sampling_control_attach(NULL, &loop, "sampling", cfg);
    sampling_control *c = sampling_target_control(t);
    pf_buf out = {0};
    assert_int_equal(call(c, "POST", "/api/v1/sampling/overrides", "",
                          "{\"match\":{\"job\":\"checkout\"},\"frequency\":100,\"duration\":\"10m\"}", &out),
                     201);
    assert_non_null(strstr(out.data, "\"frequency\":100"));
    assert_int_equal(sampling_target_overrides(t)->n, 0); /* not a sampling override */
    assert_int_equal(call(c, "POST", "/api/v1/sampling/overrides", "",
                          "{\"match\":{\"job\":\"checkout\"},\"frequency\":100,\"probability\":1}", &out),
                     400);
    assert_non_null(strstr(out.data, "probability"));
    assert_int_equal(call(c, "GET", "/api/v1/sampling/overrides", "", NULL, &out), 200);
    assert_non_null(strstr(out.data, "\"overrides\":[]"));
    assert_non_null(strstr(out.data, "\"boosts\":[{"));
    assert_non_null(strstr(out.data, "\"job\":\"checkout\""));
    const char *firing = "{\"status\":\"firing\",\"alerts\":[{\"labels\":{\"alertname\":\"x\"}}]}";
    assert_int_equal(call(c, "POST", "/api/v1/sampling/alertmanager", "", firing, &out), 400);
    assert_non_null(strstr(out.data, "match_labels"));
    int done = 0;
    sampling_control_detach(t, detached, &done);
    uv_run(&loop, UV_RUN_DEFAULT);
    sampling_control_release(t);
    pf_buf_free(&out);
    free_config(cfg);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- the component ---- */

typedef struct sink {
    pf_consumer consumer;
    size_t batches, profiles;
} sink;

static pf_status sink_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    (void)err;
    sink *s = self->data;
    s->batches++;
    s->profiles += pf_batch_profile_count(b);
    pf_batch_unref(b);
    return PF_OK;
}

static void component_done(pf_component *c, void *data)
{
    (void)c;
    (*(int *)data)++;
}

static void test_component(void **state)
{
    (void)state;
    pf_metrics_reset();
    uv_loop_t loop;
    uv_loop_init(&loop);
    sampling_config *cfg =
        load_config("probability: 0\noverrides:\n  - {match: {service_name: keep}, probability: 1}\n");
    sink out = {.consumer = {sink_consume, &out}};
    pf_create_args args = {.id = "sampling/test", .config = cfg, .next = &out.consumer, .loop = &loop};
    pf_error err = {{0}, 0};
    pf_component *c = pf_processor_sampling_factory.create(&args, &err);
    pf_host host = {&loop, NULL};
    assert_true(c->ops->start(c, &host, &err));
    const char *drop_all[] = {"a", "b"}, *mixed[] = {"a", "keep"};
    assert_int_equal(pf_consumer_consume(&c->consumer, services_batch(drop_all, 2, 3, 1), &err), PF_OK);
    assert_int_equal(pf_consumer_consume(&c->consumer, services_batch(mixed, 2, 3, 1), &err), PF_OK);
    assert_int_equal(out.batches, 1); /* an emptied batch is not passed on */
    assert_int_equal(out.profiles, 1);
    assert_true(pf_metric_value(pf_metric_find("proflow_processor_sampling_dropped_samples_total",
                                               "processor=\"sampling/test\"")) == 9);
    int done = 0;
    c->ops->shutdown(c, 1000, component_done, &done);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(done, 1);
    c->ops->destroy(c);
    free_config(cfg);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_deterministic_and_proportional),
        cmocka_unit_test(test_token_table_limits_and_refill),
        cmocka_unit_test(test_token_table_bounded),
        cmocka_unit_test(test_sampler_rules_and_counters),
        cmocka_unit_test(test_sampler_kept_series_stays_kept_within_window),
        cmocka_unit_test(test_sampler_rate_limits),
        cmocka_unit_test(test_override_json),
        cmocka_unit_test(test_alertmanager_json),
        cmocka_unit_test(test_control_api),
        cmocka_unit_test(test_control_api_frequency),
        cmocka_unit_test(test_component),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    pf_metrics_reset();
    return rc;
}
