/* test_service.c — the graph builder with fake components through the real service: processors run
 * per pipeline in order, a receiver feeding two pipelines fans out with isolated copies, a pipeline
 * fans out to several exporters, start/shutdown order, backpressure reaching the receiver, and
 * config errors naming the position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/loader.h"
#include "pipeline/service/registry.h"
#include "pipeline/service/service.h"
#include "pipeline/base/telemetry.h"

/* ---- event log shared by the fakes ---- */
static char events[4096];
static void event(const char *fmt, const char *a, const char *b)
{
    char line[256];
    snprintf(line, sizeof line, fmt, a, b);
    strncat(events, line, sizeof events - strlen(events) - 1);
    strncat(events, " ", sizeof events - strlen(events) - 1);
}

typedef struct fake_cfg {
    char *label;
    bool refuse;
} fake_cfg;

static const pf_cfg_entry fake_map[] = {
    {PF_CFG_STRING, "label", "", offsetof(fake_cfg, label), "appended to the trail", .flags = 0},
    {PF_CFG_BOOL, "refuse", "false", offsetof(fake_cfg, refuse), "exporter answers PF_RETRYABLE", .flags = 0},
    PF_CFG_END,
};

typedef struct fake {
    pf_component base;
    const fake_cfg *cfg;
    pf_consumer *next;
} fake;

static fake *receivers[4];
static size_t n_receivers;

static bool fake_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)host;
    (void)err;
    event("start:%s%s", c->id, "");
    return true;
}

static void fake_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    event("stop:%s%s", c->id, "");
    done(c, data);
}

static void fake_destroy(pf_component *c) { free(c); }
static const pf_component_ops fake_ops = {fake_start, fake_shutdown, fake_destroy};

static const char *trail(pf_batch *b)
{
    const char *t = pf_kv_list_get(b, b->req->resource_profiles[0]->resource->attributes,
                                   b->req->resource_profiles[0]->resource->n_attributes, "trail");
    return t ? t : "";
}

static pf_status processor_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    fake *f = self->data;
    b = pf_batch_make_writable(b);
    char *t = pf_xasprintf("%s%s", trail(b), f->cfg->label);
    pf_resource_set_string(b, b->req->resource_profiles[0]->resource, "trail", t);
    free(t);
    return pf_consumer_consume(f->next, b, err);
}

static pf_status exporter_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    fake *f = self->data;
    event("%s<-%s", f->base.id, trail(b));
    pf_batch_unref(b);
    if (f->cfg->refuse) {
        pf_error_set(err, "%s is full", f->base.id);
        return PF_RETRYABLE;
    }
    return PF_OK;
}

static pf_component *fake_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    fake *f = pf_xcalloc(1, sizeof(*f));
    f->base.ops = &fake_ops;
    f->cfg = args->config;
    f->next = args->next;
    return &f->base;
}

static pf_component *receiver_create(const pf_create_args *args, pf_error *err)
{
    pf_component *c = fake_create(args, err);
    receivers[n_receivers++] = (fake *)c;
    return c;
}

static pf_component *processor_create(const pf_create_args *args, pf_error *err)
{
    fake *f = (fake *)fake_create(args, err);
    f->base.consumer = (pf_consumer){.consume = processor_consume, .data = f, .ready_via = args->next};
    return &f->base;
}

static bool exporter_ready(pf_consumer *self) { return !((fake *)self->data)->cfg->refuse; }

static pf_component *exporter_create(const pf_create_args *args, pf_error *err)
{
    fake *f = (fake *)fake_create(args, err);
    f->base.consumer = (pf_consumer){.consume = exporter_consume, .data = f, .ready = exporter_ready};
    return &f->base;
}

static const pf_factory fake_receiver = {"fakerecv", PF_KIND_RECEIVER, "development", "test",
                                         fake_map,   sizeof(fake_cfg), NULL,          receiver_create};
static const pf_factory fake_processor = {"fakeproc", PF_KIND_PROCESSOR, "development", "test",
                                          fake_map,   sizeof(fake_cfg),  NULL,          processor_create};
static const pf_factory fake_exporter = {"fakeexp", PF_KIND_EXPORTER, "development", "test",
                                         fake_map,  sizeof(fake_cfg), NULL,          exporter_create};
static const pf_factory *const fakes[] = {&fake_receiver, &fake_processor, &fake_exporter, NULL};

static const char graph_yaml[] = "receivers:\n"
                                 "  fakerecv/a:\n"
                                 "  fakerecv/b:\n"
                                 "processors:\n"
                                 "  fakeproc/x: {label: x}\n"
                                 "  fakeproc/y: {label: y}\n"
                                 "exporters:\n"
                                 "  fakeexp/1:\n"
                                 "  fakeexp/2:\n"
                                 "  fakeexp/full: {refuse: true}\n"
                                 "service:\n"
                                 "  telemetry: {metrics: {level: none}}\n"
                                 "  pipelines:\n"
                                 "    profiles/one:\n"
                                 "      receivers: [fakerecv/a]\n"
                                 "      processors: [fakeproc/x, fakeproc/y]\n"
                                 "      exporters: [fakeexp/1, fakeexp/2]\n"
                                 "    profiles/two:\n"
                                 "      receivers: [fakerecv/a, fakerecv/b]\n"
                                 "      processors: [fakeproc/y]\n"
                                 "      exporters: [fakeexp/2]\n"
                                 "    profiles/three:\n"
                                 "      receivers: [fakerecv/b]\n"
                                 "      exporters: [fakeexp/full]\n";

static pf_batch *one_resource_batch(void)
{
    pf_batch *b = pf_batch_new();
    pf_batch_add_resource(b);
    return b;
}

static fake *receiver_named(const char *id)
{
    for (size_t i = 0; i < n_receivers; i++)
        if (strcmp(receivers[i]->base.id, id) == 0) return receivers[i];
    return NULL;
}

static void service_done(pf_service *s, void *data)
{
    (void)s;
    *(bool *)data = true;
}

static pf_service_config *parse(const char *yaml, pf_node **tree, pf_cfg_error *err)
{
    *tree = pf_yaml_parse(yaml, strlen(yaml), "graph.yaml", err);
    assert_non_null(*tree);
    return pf_service_config_parse(*tree, err);
}

static void test_graph_wiring_fanout_and_order(void **state)
{
    (void)state;
    events[0] = '\0';
    n_receivers = 0;
    pf_cfg_error err;
    pf_node *tree;
    pf_service_config *cfg = parse(graph_yaml, &tree, &err);
    assert_non_null(cfg);
    uv_loop_t loop;
    uv_loop_init(&loop);
    pf_service *s = pf_service_new(&loop, cfg);
    pf_error perr = {{0}, 0};
    assert_true(pf_service_start(s, &perr));
    /* Exporters start before processors, processors before receivers. */
    const char *last_exporter_start = strstr(events, "start:fakeexp/full");
    assert_non_null(last_exporter_start);
    assert_true(strstr(events, "start:fakeproc/x") > last_exporter_start);
    assert_true(strstr(events, "start:fakerecv/a") > strstr(events, "start:fakeproc/x"));

    /* Readiness travels through processors and fan-outs: b feeds the full exporter, a does not. */
    assert_true(pf_consumer_ready(receiver_named("fakerecv/a")->next));
    assert_false(pf_consumer_ready(receiver_named("fakerecv/b")->next));

    events[0] = '\0';
    fake *a = receiver_named("fakerecv/a");
    assert_int_equal(pf_consumer_consume(a->next, one_resource_batch(), &perr), PF_OK);
    /* Pipeline one ran x then y and fanned out to both exporters; pipeline two saw its own copy. */
    assert_non_null(strstr(events, "fakeexp/1<-xy "));
    assert_non_null(strstr(events, "fakeexp/2<-xy "));
    assert_non_null(strstr(events, "fakeexp/2<-y "));
    assert_null(strstr(events, "<-xyy"));
    assert_null(strstr(events, "<-yxy"));

    events[0] = '\0';
    fake *b = receiver_named("fakerecv/b");
    pf_status st = pf_consumer_consume(b->next, one_resource_batch(), &perr);
    assert_non_null(strstr(events, "fakeexp/2<-y "));
    assert_non_null(strstr(events, "fakeexp/full<- "));
    /* One refusing exporter is what the receiver hears: backpressure reaches the edge. */
    assert_int_equal(st, PF_RETRYABLE);
    assert_string_equal(perr.msg, "fakeexp/full is full");
    assert_true(pf_metric_value(pf_metric_find(
                    "otelcol_processor_incoming_items",
                    "processor=\"fakeproc/y\",pipeline=\"profiles/two\",otel_signal=\"profiles\"")) >= 0);

    events[0] = '\0';
    bool done = false;
    pf_service_shutdown(s, service_done, &done);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(done);
    /* Receivers stop first, then processors (front to back), then exporters. */
    assert_true(strstr(events, "stop:fakerecv/a") < strstr(events, "stop:fakeproc/x"));
    assert_true(strstr(events, "stop:fakeproc/x") < strstr(events, "stop:fakeexp/1"));
    pf_service_free(s);
    pf_node_free(tree);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void expect_error(const char *yaml, const char *message)
{
    pf_cfg_error err = {{0}};
    pf_node *tree;
    pf_service_config *cfg = parse(yaml, &tree, &err);
    assert_null(cfg);
    if (!strstr(err.msg, message)) fail_msg("got \"%s\", want \"%s\"", err.msg, message);
    pf_node_free(tree);
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_error("receivers: {fakerecv: }\nexporters: {fakeexp: }\nservice:\n  pipelines:\n    profiles:\n"
                 "      receivers: [fakerecv]\n      processors: [fakeproc]\n      exporters: [fakeexp]\n",
                 "graph.yaml:7:20: service.pipelines.profiles.processors: processor \"fakeproc\" is not defined");
    expect_error("receivers: {fakerecv: }\nexporters: {fakeexp: }\nservice:\n  pipelines:\n    traces:\n"
                 "      receivers: [fakerecv]\n      exporters: [fakeexp]\n",
                 "graph.yaml:5:5: service.pipelines.traces: proflow runs profiles pipelines only");
    expect_error("receivers: {fakerecv: }\nexporters: {fakeexp: }\nservice:\n  pipelines:\n    profiles:\n"
                 "      receivers: [fakerecv]\n",
                 "service.pipelines.profiles: missing required key \"exporters\"");
    expect_error("receivers: {nosuch: }\nservice: {pipelines: {}}\n",
                 "graph.yaml:1:13: receivers.nosuch: unknown receiver type \"nosuch\"");
    expect_error("receivers: {fakerecv/: }\nservice: {pipelines: {}}\n", "invalid component id");
    expect_error("receivers: {fakerecv: {colour: red}}\nservice: {pipelines: {}}\n",
                 "receivers.fakerecv.colour: unknown key");
}

static void test_unused_component_warns(void **state)
{
    (void)state;
    pf_cfg_error err;
    pf_node *tree;
    pf_service_config *cfg = parse("receivers: {fakerecv: }\nprocessors: {fakeproc: }\nexporters: {fakeexp: }\n"
                                   "service:\n  pipelines:\n    profiles:\n      receivers: [fakerecv]\n"
                                   "      exporters: [fakeexp]\n",
                                   &tree, &err);
    assert_non_null(cfg);
    assert_non_null(
        strstr(pf_service_config_warnings(cfg), "graph.yaml:2:14: processors.fakeproc: defined but not used"));
    pf_service_config_free(cfg);
    pf_node_free(tree);
}

static int setup(void **state)
{
    (void)state;
    pf_registry_set_extra(fakes);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pf_registry_set_extra(NULL);
    pf_metrics_reset();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_wiring_fanout_and_order),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_unused_component_warns),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
