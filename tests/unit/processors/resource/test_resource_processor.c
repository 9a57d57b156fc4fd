/* test_resource_processor.c — the resource processor's actions (insert, update, upsert, delete by key and
 * pattern, hash, extract, convert, from_attribute) on resource and profile attributes, configured from
 * YAML, and its load-time errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/loader.h"
#include "pipeline/model/dict.h"
#include "processors/resource/resource_processor.h"

extern const pf_factory pf_processor_resource_factory;

static bool load(const char *yaml, resource_processor_config *cfg, pf_cfg_error *err)
{
    pf_node *root = pf_yaml_parse(yaml, strlen(yaml), "resource.yaml", err);
    assert_non_null(root);
    const pf_cfg_entry *map = pf_processor_resource_factory.config_map;
    assert_true(pf_cfg_defaults(map, cfg, err));
    bool ok = pf_cfg_apply(map, root, cfg, "processors.resource", err);
    pf_node_free(root);
    return ok;
}

static const otlp_any_value *res_value(const pf_batch *b, const otlp_resource *r, const char *key)
{
    for (size_t i = 0; i < r->n_attributes; i++)
        if (strcmp(pf_kv_key(b, r->attributes[i]), key) == 0) return r->attributes[i]->value;
    return NULL;
}

static const char *prof_value(const pf_batch *b, const otlp_profile *p, const char *key)
{
    for (size_t i = 0; i < p->n_attribute_indices; i++) {
        const otlp_kvu *kv = b->req->dictionary->attribute_table[p->attribute_indices[i]];
        if (strcmp(pf_batch_string(b, kv->key_strindex), key) == 0) return pf_any_value_string(b, kv->value, NULL, 0);
    }
    return NULL;
}

static pf_status capture(pf_consumer *self, pf_batch *b, pf_error *err)
{
    (void)err;
    *(pf_batch **)self->data = b;
    return PF_OK;
}

static void test_actions(void **state)
{
    (void)state;
    resource_processor_config cfg = {0};
    pf_cfg_error cerr = {.msg = ""};
    bool ok = load("attributes:\n"
                   "  - {key: env, value: prod, action: insert}\n"
                   "  - {key: service.name, value: ignored, action: insert}\n"
                   "  - {key: region, value: eu, action: update}\n"
                   "  - {key: team, from_attribute: owner, action: upsert}\n"
                   "  - {key: user, action: hash}\n"
                   "  - {pattern: '^tmp\\.', action: delete}\n"
                   "  - {key: k8s.pod.name, pattern: '^(?P<app>[a-z]+)-(?P<hash>[0-9a-f]+)$', action: extract}\n"
                   "  - {key: port, action: convert, converted_type: int}\n"
                   "profile_attributes:\n"
                   "  - {key: thread, value: main, action: upsert}\n"
                   "  - {key: gone, action: delete}\n",
                   &cfg, &cerr);
    if (!ok) fail_msg("%s", cerr.msg);
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp->resource, "service.name", "checkout");
    pf_resource_set_string(b, rp->resource, "owner", "payments");
    pf_resource_set_string(b, rp->resource, "user", "alice");
    pf_resource_set_string(b, rp->resource, "tmp.a", "1");
    pf_resource_set_string(b, rp->resource, "tmp.b", "2");
    pf_resource_set_string(b, rp->resource, "k8s.pod.name", "checkout-7f9c");
    pf_resource_set_string(b, rp->resource, "port", "8080");
    otlp_profile *p = pf_batch_add_profile(b, pf_batch_add_scope(b, rp, "s", "1"));
    p->attribute_indices = pf_arena_alloc(b->arena, 2 * sizeof(int32_t));
    p->attribute_indices[p->n_attribute_indices++] = pf_dict_attr_string(b, "gone", "x", 0);
    p->attribute_indices[p->n_attribute_indices++] = pf_dict_attr_string(b, "keep", "y", 0);

    pf_batch *out = NULL;
    pf_consumer next = {capture, &out};
    pf_create_args args = {.id = "resource", .config = &cfg, .next = &next};
    pf_error err = {.retry_after_s = 0};
    pf_component *c = pf_processor_resource_factory.create(&args, &err);
    assert_non_null(c);
    assert_int_equal(pf_consumer_consume(&c->consumer, b, &err), PF_OK);
    otlp_resource *r = out->req->resource_profiles[0]->resource;
    assert_string_equal(res_value(out, r, "env")->string_value, "prod");
    assert_string_equal(res_value(out, r, "service.name")->string_value, "checkout");
    assert_null(res_value(out, r, "region"));
    assert_string_equal(res_value(out, r, "team")->string_value, "payments");
    assert_string_equal(res_value(out, r, "user")->string_value,
                        "2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90");
    assert_null(res_value(out, r, "tmp.a"));
    assert_null(res_value(out, r, "tmp.b"));
    assert_string_equal(res_value(out, r, "app")->string_value, "checkout");
    assert_string_equal(res_value(out, r, "hash")->string_value, "7f9c");
    assert_int_equal(res_value(out, r, "port")->value_case, OTLP_VALUE_INT);
    assert_int_equal(res_value(out, r, "port")->int_value, 8080);
    otlp_profile *op = out->req->resource_profiles[0]->scope_profiles[0]->profiles[0];
    assert_string_equal(prof_value(out, op, "thread"), "main");
    assert_string_equal(prof_value(out, op, "keep"), "y");
    assert_null(prof_value(out, op, "gone"));
    char verr[256];
    assert_true(pf_batch_validate(out, NULL, verr, sizeof(verr)));
    pf_batch_unref(out);
    c->ops->destroy(c);
    pf_cfg_release(pf_processor_resource_factory.config_map, &cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"attributes:\n  - {pattern: '(bad', action: delete}\n",
         "resource.yaml:2:5: processors.resource.attributes[0]"},
        {"attributes:\n  - {key: a, action: insert}\n", "needs exactly one of value or from_attribute"},
        {"attributes:\n  - {key: a, action: explode}\n", "unknown action \"explode\""},
        {"attributes:\n  - {key: a, action: extract}\n", "extract needs key and pattern"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        resource_processor_config cfg = {0};
        pf_cfg_error err = {.msg = ""};
        assert_false(load(cases[i][0], &cfg, &err));
        if (!strstr(err.msg, cases[i][1])) fail_msg("\"%s\" lacks \"%s\"", err.msg, cases[i][1]);
        pf_cfg_release(pf_processor_resource_factory.config_map, &cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_actions), cmocka_unit_test(test_config_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
