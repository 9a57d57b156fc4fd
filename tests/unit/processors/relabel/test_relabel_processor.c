/* test_relabel_processor.c — the relabel processor on real batches: series dropped by __name__, labels
 * written back to profile and resource attributes, a shared resource split when its profiles disagree,
 * reserved labels never written, sample labels dropped/renamed (identical whether or not samples share
 * attribute lists, which are relabelled once per batch), and the drop counters. Also parses
 * relabel_configs from YAML and checks file:line:col validation errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/loader.h"
#include "pipeline/model/dict.h"
#include "pipeline/model/series.h"
#include "pipeline/base/telemetry.h"
#include "processors/relabel/relabel_processor.h"

static void add_attr(pf_batch *b, otlp_profile *p, const char *k, const char *v)
{
    int32_t idx = pf_dict_attr_string(b, k, v, 0);
    p->attribute_indices = pf_arena_grow(b->arena, p->attribute_indices, p->n_attribute_indices * sizeof(int32_t),
                                         (p->n_attribute_indices + 1) * sizeof(int32_t));
    p->attribute_indices[p->n_attribute_indices++] = idx;
}

static otlp_profile *add_profile(pf_batch *b, otlp_scope_profiles *sp, const char *type, const char *unit,
                                 const char *period, size_t n_samples)
{
    otlp_profile *p = pf_batch_add_profile(b, sp);
    p->sample_type = pf_arena_alloc(b->arena, sizeof(otlp_value_type));
    *p->sample_type = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
    p->sample_type->type_strindex = pf_dict_string(b, type);
    p->sample_type->unit_strindex = pf_dict_string(b, unit);
    p->period_type = pf_arena_alloc(b->arena, sizeof(otlp_value_type));
    *p->period_type = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
    p->period_type->type_strindex = pf_dict_string(b, period);
    p->samples = pf_arena_alloc(b->arena, n_samples * sizeof(otlp_sample *));
    for (size_t i = 0; i < n_samples; i++) {
        otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
        *s = (otlp_sample)OTLP_SAMPLE_INIT;
        s->attribute_indices = pf_arena_alloc(b->arena, 2 * sizeof(int32_t));
        s->attribute_indices[s->n_attribute_indices++] = pf_dict_attr_string(b, "span_id", i % 2 ? "ab12" : "cd34", 0);
        s->attribute_indices[s->n_attribute_indices++] =
            pf_dict_attr_string(b, "thread.name", i < 2 ? "main" : "gc", 0);
        p->samples[p->n_samples++] = s;
    }
    return p;
}

static const char *profile_attr(const pf_batch *b, const otlp_profile *p, const char *key)
{
    for (size_t i = 0; i < p->n_attribute_indices; i++) {
        const otlp_kvu *kv = b->req->dictionary->attribute_table[p->attribute_indices[i]];
        if (strcmp(pf_batch_string(b, kv->key_strindex), key) == 0) return pf_any_value_string(b, kv->value, NULL, 0);
    }
    return NULL;
}

static const char *sample_attr(const pf_batch *b, const otlp_sample *s, const char *key)
{
    for (size_t i = 0; i < s->n_attribute_indices; i++) {
        const otlp_kvu *kv = b->req->dictionary->attribute_table[s->attribute_indices[i]];
        if (strcmp(pf_batch_string(b, kv->key_strindex), key) == 0) return pf_any_value_string(b, kv->value, NULL, 0);
    }
    return NULL;
}

static const char *res_attr(const pf_batch *b, const otlp_resource_profiles *rp, const char *key)
{
    return pf_kv_list_get(b, rp->resource->attributes, rp->resource->n_attributes, key);
}

static relabel_processor_config parse_config(const char *yaml)
{
    pf_cfg_error err = {.msg = ""};
    pf_node *root = pf_yaml_parse(yaml, strlen(yaml), "relabel.yaml", &err);
    if (!root) fail_msg("yaml: %s", err.msg);
    relabel_processor_config cfg = {0};
    extern const pf_factory pf_processor_relabel_factory;
    const pf_cfg_entry *map = pf_processor_relabel_factory.config_map;
    assert_true(pf_cfg_defaults(map, &cfg, &err));
    if (!pf_cfg_apply(map, root, &cfg, "processors.relabel", &err)) fail_msg("config: %s", err.msg);
    pf_node_free(root);
    return cfg;
}

static pf_batch *fixture(void)
{
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp0 = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp0->resource, "service.name", "checkout");
    pf_resource_set_string(b, rp0->resource, "deployment.environment", "prod");
    otlp_scope_profiles *sp0 = pf_batch_add_scope(b, rp0, "agent", "1.0");
    otlp_profile *cpu = add_profile(b, sp0, "cpu", "nanoseconds", "cpu", 4);
    add_attr(b, cpu, "thread", "main");
    otlp_profile *eu = add_profile(b, sp0, "samples", "count", "cpu", 3);
    add_attr(b, eu, "region", "eu");
    add_attr(b, eu, "zone", "z1");
    add_profile(b, sp0, "alloc_space", "bytes", "space", 5);
    otlp_resource_profiles *rp1 = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp1->resource, "service.name", "cart");
    otlp_scope_profiles *sp1 = pf_batch_add_scope(b, rp1, "agent", "1.0");
    add_profile(b, sp1, "cpu", "nanoseconds", "cpu", 2);
    return b;
}

static const char *config_yaml = "relabel_configs:\n"
                                 "  - source_labels: [__name__]\n"
                                 "    regex: memory\n"
                                 "    action: drop\n"
                                 "  - source_labels: [service_name]\n"
                                 "    regex: check(.*)\n"
                                 "    target_label: team\n"
                                 "    replacement: pay${1}\n"
                                 "  - source_labels: [region]\n"
                                 "    regex: eu\n"
                                 "    target_label: deployment_environment\n"
                                 "    replacement: europe\n"
                                 "  - source_labels: [region]\n"
                                 "    regex: eu\n"
                                 "    target_label: region\n"
                                 "    replacement: eu-west\n"
                                 "  - source_labels: [__name__, service_name]\n"
                                 "    target_label: __tmp_key\n"
                                 "  - source_labels: [thread]\n"
                                 "    regex: main\n"
                                 "    target_label: thread\n"
                                 "    replacement: ''\n"
                                 "sample_relabel_configs:\n"
                                 "  - regex: span_id\n"
                                 "    action: labeldrop\n"
                                 "  - source_labels: [thread_name]\n"
                                 "    target_label: thread\n"
                                 "  - regex: thread_name\n"
                                 "    action: labeldrop\n";

static void test_series_relabel(void **state)
{
    (void)state;
    relabel_processor_config cfg = parse_config(config_yaml);
    assert_int_equal(cfg.relabel_configs.n, 6);
    assert_true(cfg.label_name_sanitize);
    pf_batch *b = fixture();
    relabel_result res = relabel_batch(&cfg, b);
    assert_int_equal(res.dropped_profiles, 1); /* the memory profile */
    assert_int_equal(res.dropped_profile_samples, 5);
    assert_int_equal(res.dropped_samples, 0);

    /* rp0 kept the cpu profile with env prod; the eu profile moved to a split resource (appended). */
    assert_int_equal(b->req->n_resource_profiles, 3);
    otlp_resource_profiles *rp0 = b->req->resource_profiles[0], *rp1 = b->req->resource_profiles[1],
                           *split = b->req->resource_profiles[2];
    assert_string_equal(res_attr(b, rp0, "deployment.environment"), "prod");
    assert_int_equal(rp0->scope_profiles[0]->n_profiles, 1);
    otlp_profile *cpu = rp0->scope_profiles[0]->profiles[0];
    /* A new label lands on the resource (Pyroscope reads series labels from resource attributes only). */
    assert_null(profile_attr(b, cpu, "team"));
    assert_string_equal(res_attr(b, rp0, "team"), "payout");
    assert_null(profile_attr(b, cpu, "thread")); /* emptied by the rule → deleted */
    assert_null(profile_attr(b, cpu, "__tmp_key"));
    assert_null(profile_attr(b, cpu, "__name__"));

    assert_string_equal(res_attr(b, split, "deployment.environment"), "europe");
    assert_string_equal(res_attr(b, split, "service.name"), "checkout");
    assert_string_equal(split->scope_profiles[0]->scope->name, "agent");
    otlp_profile *eu = split->scope_profiles[0]->profiles[0];
    assert_int_equal(eu->n_samples, 3);
    /* An edited profile-level label moves to the resource; untouched ones stay on the profile. */
    assert_null(profile_attr(b, eu, "region"));
    assert_string_equal(res_attr(b, split, "region"), "eu-west");
    assert_string_equal(profile_attr(b, eu, "zone"), "z1");
    assert_null(res_attr(b, split, "zone"));
    assert_null(profile_attr(b, eu, "team"));
    assert_string_equal(res_attr(b, split, "team"), "payout");

    assert_string_equal(res_attr(b, rp1, "service.name"), "cart");
    assert_null(profile_attr(b, rp1->scope_profiles[0]->profiles[0], "team"));
    assert_null(res_attr(b, rp1, "team"));

    /* Sample labels: span_id dropped, thread.name renamed to thread. */
    otlp_sample *s0 = cpu->samples[0], *s3 = cpu->samples[3];
    assert_null(sample_attr(b, s0, "span_id"));
    assert_null(sample_attr(b, s0, "thread.name"));
    assert_string_equal(sample_attr(b, s0, "thread"), "main");
    assert_string_equal(sample_attr(b, s3, "thread"), "gc");

    char err[512];
    assert_true(pf_batch_validate(b, NULL, err, sizeof(err)));
    pf_batch_unref(b);
    extern const pf_factory pf_processor_relabel_factory;
    pf_cfg_release(pf_processor_relabel_factory.config_map, &cfg);
}

static pf_status capture_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    (void)err;
    *(pf_batch **)self->data = b;
    return PF_OK;
}

static void test_sample_drop_and_component(void **state)
{
    (void)state;
    relabel_processor_config cfg = parse_config("sample_relabel_configs:\n"
                                                "  - source_labels: [thread_name]\n"
                                                "    regex: gc\n"
                                                "    action: drop\n"
                                                "relabel_configs:\n"
                                                "  - source_labels: [service_name]\n"
                                                "    regex: cart\n"
                                                "    action: drop\n");
    pf_batch *out = NULL;
    pf_consumer sink = {capture_consume, &out};
    extern const pf_factory pf_processor_relabel_factory;
    pf_create_args args = {.id = "relabel/test", .config = &cfg, .next = &sink};
    pf_error err = {.retry_after_s = 0};
    pf_component *c = pf_processor_relabel_factory.create(&args, &err);
    assert_non_null(c);
    assert_int_equal(pf_consumer_consume(&c->consumer, fixture(), &err), PF_OK);
    assert_non_null(out);
    /* cart's profile dropped (2 samples); gc samples (2 of 4, 1 of 3, 3 of 5) dropped from the rest. */
    assert_int_equal(pf_batch_profile_count(out), 3);
    assert_int_equal(pf_batch_sample_count(out), 2 + 2 + 2);
    pf_metric *m = pf_metric_find("proflow_processor_relabel_dropped_profiles_total", "processor=\"relabel/test\"");
    assert_non_null(m);
    assert_int_equal((int)pf_metric_value(m), 1);
    m = pf_metric_find("proflow_processor_relabel_dropped_samples_total", "processor=\"relabel/test\"");
    assert_int_equal((int)pf_metric_value(m), 2 + 6);
    pf_batch_unref(out);
    c->ops->destroy(c);
    pf_cfg_release(pf_processor_relabel_factory.config_map, &cfg);
    pf_metrics_reset();
}

/* The labels a sample's attributes give (what sample_relabel_configs see), reserved ones removed. */
static void sample_labels(pf_series *s, const pf_batch *b, const otlp_sample *sm, pf_labels *out)
{
    pf_series_reset(s, true);
    pf_series_add_attrs(s, b, sm->attribute_indices, sm->n_attribute_indices);
    pf_labels_copy(out, &s->labels);
    pf_labels_drop_reserved(out);
}

/* Many samples over few distinct attribute lists (their own arrays, some sharing one array, some
 * empty), in several resources and profiles: relabeling each distinct list once per batch must give
 * every sample exactly what applying the rules to that sample alone gives. */
static void test_samples_sharing_attribute_lists(void **state)
{
    (void)state;
    relabel_processor_config cfg = parse_config(
        "sample_relabel_configs:\n"
        "  - {source_labels: [thread_name], regex: 'gc-.*', action: drop}\n"
        "  - {source_labels: [span_id], target_label: shard, modulus: 4, action: hashmod}\n"
        "  - {source_labels: [thread_name], regex: 'worker-([0-9]+)', target_label: worker, replacement: 'w$1'}\n"
        "  - {regex: span_id, action: labeldrop}\n");
    static const char *threads[] = {"main", "gc-1", "worker-1", "worker-2", "worker-3", NULL};
    static const char *spans[] = {"a1", "b2", "c3", "d4", "e5", "f6", "g7", NULL};
    enum { RESOURCES = 3, PROFILES = 2, SAMPLES = 700, TOTAL = RESOURCES * PROFILES * SAMPLES };
    pf_batch *b = pf_batch_new();
    for (size_t r = 0; r < RESOURCES; r++) {
        otlp_resource_profiles *rp = pf_batch_add_resource(b);
        pf_resource_set_string(b, rp->resource, "service.name", r ? "cart" : "checkout");
        otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, "agent", "1.0");
        for (size_t pi = 0; pi < PROFILES; pi++) {
            otlp_profile *p = add_profile(b, sp, "cpu", "nanoseconds", "cpu", 0);
            p->samples = pf_arena_alloc(b->arena, SAMPLES * sizeof(otlp_sample *));
            for (size_t i = 0; i < SAMPLES; i++) {
                otlp_sample *sm = pf_arena_alloc(b->arena, sizeof(*sm));
                *sm = (otlp_sample)OTLP_SAMPLE_INIT;
                size_t k = (i * 7 + r + pi) % 48; /* 6 thread choices (one: none) x 8 span choices (one: none) */
                if (i % 10 == 9) {
                    otlp_sample *prev = p->samples[i - 1];
                    sm->attribute_indices = prev->attribute_indices;
                    sm->n_attribute_indices = prev->n_attribute_indices;
                } else {
                    sm->attribute_indices = pf_arena_alloc(b->arena, 2 * sizeof(int32_t));
                    if (threads[k % 6])
                        sm->attribute_indices[sm->n_attribute_indices++] =
                            pf_dict_attr_string(b, "thread.name", threads[k % 6], 0);
                    if (spans[k / 6])
                        sm->attribute_indices[sm->n_attribute_indices++] =
                            pf_dict_attr_string(b, "span_id", spans[k / 6], 0);
                }
                p->samples[p->n_samples++] = sm;
            }
        }
    }

    /* Expected: the rules applied to each sample's labels on their own. */
    pf_series s = {0};
    pf_labels *expected = pf_xcalloc(TOTAL, sizeof(pf_labels));
    bool *kept = pf_xcalloc(TOTAL, sizeof(bool));
    size_t n = 0, expected_dropped = 0;
    for (size_t r = 0; r < RESOURCES; r++)
        for (size_t pi = 0; pi < PROFILES; pi++) {
            otlp_profile *p = b->req->resource_profiles[r]->scope_profiles[0]->profiles[pi];
            for (size_t i = 0; i < p->n_samples; i++, n++) {
                sample_labels(&s, b, p->samples[i], &expected[n]);
                kept[n] = pf_relabel_process(&cfg.sample_relabel_configs, &expected[n]);
                if (kept[n])
                    pf_labels_drop_reserved(&expected[n]);
                else
                    expected_dropped++;
            }
        }
    assert_true(expected_dropped > 0 && expected_dropped < TOTAL);

    relabel_result res = relabel_batch(&cfg, b);
    assert_int_equal(res.dropped_samples, expected_dropped);
    assert_int_equal(res.dropped_profiles, 0);
    assert_int_equal(pf_batch_sample_count(b), TOTAL - expected_dropped);
    n = 0;
    pf_labels actual = {0};
    const int32_t *previous_indices = NULL;
    for (size_t r = 0; r < RESOURCES; r++)
        for (size_t pi = 0; pi < PROFILES; pi++) {
            otlp_profile *p = b->req->resource_profiles[r]->scope_profiles[0]->profiles[pi];
            for (size_t i = 0; i < p->n_samples; i++, n++) {
                while (!kept[n]) n++;
                sample_labels(&s, b, p->samples[i], &actual);
                assert_true(pf_labels_equal(&actual, &expected[n]));
                assert_null(pf_labels_get(&actual, "span_id"));
                /* Edited lists are never shared between samples. */
                if (p->samples[i]->n_attribute_indices)
                    assert_ptr_not_equal(p->samples[i]->attribute_indices, previous_indices);
                previous_indices = p->samples[i]->attribute_indices;
            }
        }
    while (n < TOTAL && !kept[n]) n++;
    assert_int_equal(n, TOTAL);
    char err[512];
    assert_true(pf_batch_validate(b, NULL, err, sizeof(err)));

    for (size_t i = 0; i < TOTAL; i++) pf_labels_free(&expected[i]);
    free(expected);
    free(kept);
    pf_labels_free(&actual);
    pf_series_free(&s);
    pf_batch_unref(b);
    extern const pf_factory pf_processor_relabel_factory;
    pf_cfg_release(pf_processor_relabel_factory.config_map, &cfg);
}

static void expect_config_error(const char *yaml, const char *message)
{
    extern const pf_factory pf_processor_relabel_factory;
    const pf_cfg_entry *map = pf_processor_relabel_factory.config_map;
    pf_cfg_error err = {.msg = ""};
    pf_node *root = pf_yaml_parse(yaml, strlen(yaml), "relabel.yaml", &err);
    assert_non_null(root);
    relabel_processor_config cfg = {0};
    assert_true(pf_cfg_defaults(map, &cfg, &err));
    assert_false(pf_cfg_apply(map, root, &cfg, "processors.relabel", &err));
    if (!strstr(err.msg, message)) fail_msg("error \"%s\" does not contain \"%s\"", err.msg, message);
    pf_cfg_release(map, &cfg);
    pf_node_free(root);
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_config_error("relabel_configs:\n  - action: hashmod\n    source_labels: [a]\n    target_label: b\n",
                        "relabel.yaml:2:5: processors.relabel.relabel_configs[0]: relabel configuration for hashmod "
                        "requires non-zero modulus");
    expect_config_error("relabel_configs:\n  - source_labels: [a]\n    regex: a\n",
                        "relabel.yaml:2:5: processors.relabel.relabel_configs[0]: relabel configuration for replace "
                        "action requires 'target_label' value");
    expect_config_error("relabel_configs:\n  - source_labels: [a]\n    target_label: b\n  - regex: '(unclosed'\n    "
                        "action: labeldrop\n",
                        "relabel.yaml:4:5: processors.relabel.relabel_configs[1]: invalid regex \"(unclosed\": missing "
                        "closing parenthesis");
    expect_config_error("relabel_configs:\n  - action: explode\n",
                        "relabel.yaml:2:5: processors.relabel.relabel_configs[0]: unknown relabel action \"explode\"");
    expect_config_error("relabel_configs:\n  - colour: red\n", "unknown key \"colour\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series_relabel),
        cmocka_unit_test(test_sample_drop_and_component),
        cmocka_unit_test(test_samples_sharing_attribute_lists),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
