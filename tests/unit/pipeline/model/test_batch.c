/* test_batch.c — the data model: building, interning without duplicates, pack/decode round trip,
 * validation messages, cloning, filtering, metadata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline/model/batch.h"
#include "pipeline/model/dict.h"

static pf_batch *build_sample_batch(void)
{
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp->resource, "service.name", "checkout");
    otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, "proflow", "0.1");
    otlp_profile *p = pf_batch_add_profile(b, sp);
    p->sample_type = pf_arena_alloc(b->arena, sizeof(otlp_value_type));
    *p->sample_type = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
    p->sample_type->type_strindex = pf_dict_string(b, "cpu");
    p->sample_type->unit_strindex = pf_dict_string(b, "nanoseconds");
    int32_t fmain = pf_dict_function(b, pf_dict_string(b, "main"), 0, pf_dict_string(b, "main.go"), 1);
    int32_t fwork = pf_dict_function(b, pf_dict_string(b, "work"), 0, pf_dict_string(b, "main.go"), 10);
    otlp_line l1 = OTLP_LINE_INIT, l2 = OTLP_LINE_INIT;
    l1.function_index = fwork;
    l1.line = 12;
    l2.function_index = fmain;
    l2.line = 3;
    int32_t loc_work = pf_dict_location(b, 0, 0x1000, &l1, 1, NULL, 0);
    int32_t loc_main = pf_dict_location(b, 0, 0x2000, &l2, 1, NULL, 0);
    int32_t stack[2] = {loc_work, loc_main};
    p->n_samples = 2;
    p->samples = pf_arena_alloc(b->arena, 2 * sizeof(otlp_sample *));
    for (int i = 0; i < 2; i++) {
        otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
        *s = (otlp_sample)OTLP_SAMPLE_INIT;
        s->stack_index = pf_dict_stack(b, stack, 2 - (size_t)i);
        s->n_values = 1;
        s->values = pf_arena_alloc(b->arena, sizeof(int64_t));
        s->values[0] = 100 * (i + 1);
        int32_t attr = pf_dict_attr_string(b, "thread", i ? "t2" : "t1", 0);
        s->n_attribute_indices = 1;
        s->attribute_indices = pf_arena_memdup(b->arena, &attr, sizeof attr);
        p->samples[i] = s;
    }
    return b;
}

static void test_new_batch_has_zero_entries(void **state)
{
    (void)state;
    pf_batch *b = pf_batch_new();
    otlp_dictionary *d = b->req->dictionary;
    assert_int_equal(d->n_string_table, 1);
    assert_string_equal(d->string_table[0], "");
    assert_int_equal(d->n_function_table, 1);
    assert_int_equal(d->n_stack_table, 1);
    assert_int_equal(pf_dict_string(b, ""), 0);
    assert_int_equal(pf_dict_function(b, 0, 0, 0, 0), 0);
    assert_int_equal(pf_dict_stack(b, NULL, 0), 0);
    pf_batch_unref(b);
}

static void test_interning_dedupes(void **state)
{
    (void)state;
    pf_batch *b = pf_batch_new();
    int32_t a = pf_dict_string(b, "alpha");
    assert_int_equal(pf_dict_string(b, "alpha"), a);
    assert_int_not_equal(pf_dict_string(b, "beta"), a);
    /* Grows well past the initial capacities without losing entries. */
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "s%d", i);
        pf_dict_string(b, name);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "s%d", i);
        assert_string_equal(pf_batch_string(b, pf_dict_string(b, name)), name);
    }
    assert_int_equal(b->req->dictionary->n_string_table, 5003);
    int32_t f1 = pf_dict_function(b, a, 0, 0, 5);
    assert_int_equal(pf_dict_function(b, a, 0, 0, 5), f1);
    assert_int_not_equal(pf_dict_function(b, a, 0, 0, 6), f1);
    int32_t at = pf_dict_attr_int(b, "bytes", 42, pf_dict_string(b, "bytes"));
    assert_int_equal(pf_dict_attr_int(b, "bytes", 42, pf_dict_string(b, "bytes")), at);
    assert_int_not_equal(pf_dict_attr_int(b, "bytes", 43, pf_dict_string(b, "bytes")), at);
    pf_batch_unref(b);
}

static void test_pack_decode_round_trip_and_reindex(void **state)
{
    (void)state;
    pf_batch *b = build_sample_batch();
    assert_int_equal(pf_batch_profile_count(b), 1);
    assert_int_equal(pf_batch_sample_count(b), 2);
    pf_buf buf = {0};
    size_t n = pf_batch_pack(b, &buf);
    assert_true(n > 0);
    pf_batch *d = pf_batch_decode((const uint8_t *)buf.data, buf.len);
    assert_non_null(d);
    char err[256];
    assert_true(pf_batch_validate(d, NULL, err, sizeof err));
    /* Interning into a decoded batch finds the existing entries. */
    size_t nstr = d->req->dictionary->n_string_table;
    assert_int_equal(pf_dict_string(d, "main.go"), pf_dict_string(b, "main.go"));
    assert_int_equal(d->req->dictionary->n_string_table, nstr);
    const otlp_kv *const *attrs = (const otlp_kv *const *)d->req->resource_profiles[0]->resource->attributes;
    assert_string_equal(pf_kv_list_get(d, (otlp_kv *const *)attrs, 1, "service.name"), "checkout");
    pf_buf_free(&buf);
    pf_batch_unref(d);
    pf_batch_unref(b);
}

static void test_validate_names_bad_index(void **state)
{
    (void)state;
    pf_batch *b = build_sample_batch();
    b->req->resource_profiles[0]->scope_profiles[0]->profiles[0]->samples[1]->stack_index = 91;
    char err[256];
    assert_false(pf_batch_validate(b, NULL, err, sizeof err));
    assert_non_null(
        strstr(err, "resource_profiles[0].scope_profiles[0].profiles[0].samples[1].stack_index 91 out of range"));
    pf_batch_unref(b);

    b = build_sample_batch();
    b->req->dictionary->function_table[1]->name_strindex = 9999;
    assert_false(pf_batch_validate(b, NULL, err, sizeof err));
    assert_non_null(strstr(err, "dictionary.function_table[1].name_strindex 9999"));
    pf_batch_unref(b);
}

/* A KeyValue in the Collector's form: key empty, key and string value as string-table references. */
static otlp_kv *ref_kv(pf_batch *b, const char *key, const char *value)
{
    otlp_kv *kv = pf_arena_alloc(b->arena, sizeof(*kv));
    *kv = (otlp_kv)OTLP_KV_INIT;
    kv->key_strindex = pf_dict_string(b, key);
    kv->value = pf_arena_alloc(b->arena, sizeof(*kv->value));
    *kv->value = (otlp_any_value)OTLP_ANY_VALUE_INIT;
    kv->value->value_case = OTLP_VALUE_STRINDEX;
    kv->value->string_value_strindex = pf_dict_string(b, value);
    return kv;
}

static void test_validate_inlines_attribute_references(void **state)
{
    (void)state;
    pf_batch *b = build_sample_batch();
    otlp_resource_profiles *rp = b->req->resource_profiles[0];
    otlp_kv **attrs = pf_arena_alloc(b->arena, 3 * sizeof(otlp_kv *));
    attrs[0] = ref_kv(b, "service.name", "cart");
    attrs[1] = ref_kv(b, "k8s.labels", "");
    /* a kvlist value whose entries are references too */
    otlp_any_value *v = attrs[1]->value;
    v->value_case = OTLP_VALUE_KVLIST;
    v->kvlist_value = pf_arena_alloc(b->arena, sizeof(otlp_kv_list));
    *v->kvlist_value = (otlp_kv_list)OTLP_KV_LIST_INIT;
    v->kvlist_value->n_values = 1;
    v->kvlist_value->values = pf_arena_alloc(b->arena, sizeof(otlp_kv *));
    v->kvlist_value->values[0] = ref_kv(b, "app", "web");
    attrs[2] = ref_kv(b, "host.name", "node-1");
    rp->resource->attributes = attrs;
    rp->resource->n_attributes = 3;
    otlp_scope *sc = rp->scope_profiles[0]->scope;
    sc->attributes = pf_arena_alloc(b->arena, sizeof(otlp_kv *));
    sc->attributes[0] = ref_kv(b, "scope.attr", "x");
    sc->n_attributes = 1;
    /* an attribute_table value given as a reference */
    otlp_kvu *entry = b->req->dictionary->attribute_table[1];
    int32_t t1 = pf_dict_string(b, "t1");
    entry->value->value_case = OTLP_VALUE_STRINDEX;
    entry->value->string_value_strindex = t1;

    char err[256];
    assert_true(pf_batch_validate(b, NULL, err, sizeof err));
    const char *keys[] = {"service.name", "k8s.labels", "host.name"};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(rp->resource->attributes[i]->key, keys[i]);
        assert_int_equal(rp->resource->attributes[i]->key_strindex, 0);
    }
    assert_int_equal(rp->resource->attributes[0]->value->value_case, OTLP_VALUE_STRING);
    assert_string_equal(rp->resource->attributes[0]->value->string_value, "cart");
    otlp_kv *inner = rp->resource->attributes[1]->value->kvlist_value->values[0];
    assert_string_equal(inner->key, "app");
    assert_string_equal(inner->value->string_value, "web");
    assert_string_equal(sc->attributes[0]->key, "scope.attr");
    assert_string_equal(sc->attributes[0]->value->string_value, "x");
    assert_int_equal(entry->value->value_case, OTLP_VALUE_STRING);
    assert_string_equal(entry->value->string_value, "t1");

    /* What an exporter writes decodes with inline keys only. */
    pf_buf out = {0};
    pf_batch_pack(b, &out);
    pf_batch *d = pf_batch_decode((const uint8_t *)out.data, out.len);
    assert_non_null(d);
    assert_string_equal(d->req->resource_profiles[0]->resource->attributes[2]->key, "host.name");
    assert_int_equal(d->req->resource_profiles[0]->resource->attributes[2]->key_strindex, 0);
    assert_string_equal(d->req->resource_profiles[0]->resource->attributes[2]->value->string_value, "node-1");
    pf_batch_unref(d);
    pf_buf_free(&out);
    pf_batch_unref(b);
}

static void test_validate_drops_only_invalid_profiles(void **state)
{
    (void)state;
    pf_batch *b = build_sample_batch();
    otlp_scope_profiles *sp = b->req->resource_profiles[0]->scope_profiles[0];
    /* A second, broken profile next to the valid one. */
    otlp_profile *bad = pf_batch_add_profile(b, sp);
    bad->n_samples = 1;
    bad->samples = pf_arena_alloc(b->arena, sizeof(otlp_sample *));
    bad->samples[0] = pf_arena_alloc(b->arena, sizeof(otlp_sample));
    *bad->samples[0] = (otlp_sample)OTLP_SAMPLE_INIT;
    bad->samples[0]->stack_index = 4242;
    size_t rejected = 99;
    char err[256];
    assert_true(pf_batch_validate(b, &rejected, err, sizeof err));
    assert_int_equal(rejected, 1);
    assert_non_null(strstr(err, "profiles[1].samples[0].stack_index 4242 out of range"));
    assert_int_equal(pf_batch_profile_count(b), 1);
    assert_int_equal(pf_batch_sample_count(b), 2);
    /* Nothing valid left: the whole request fails. */
    b->req->resource_profiles[0]->scope_profiles[0]->profiles[0]->samples[0]->stack_index = -1;
    assert_false(pf_batch_validate(b, &rejected, err, sizeof err));
    assert_int_equal(rejected, 1);
    pf_batch_unref(b);
}

static void test_decode_garbage_fails(void **state)
{
    (void)state;
    const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01};
    assert_null(pf_batch_decode(junk, sizeof junk));
}

static void test_clone_and_writable(void **state)
{
    (void)state;
    pf_batch *b = build_sample_batch();
    pf_batch_set_tenant(b, "team-a");
    pf_batch_add_header(b, "X-Custom", "1");
    pf_batch *shared = pf_batch_ref(b);
    pf_batch *w = pf_batch_make_writable(shared); /* b still referenced -> clone */
    assert_ptr_not_equal(w, b);
    assert_string_equal(pf_batch_meta_get(w, "tenant"), "team-a");
    assert_string_equal(pf_batch_meta_get(w, "x-custom"), "1");
    assert_int_equal(pf_batch_sample_count(w), 2);
    assert_int_equal(b->refs, 1);
    pf_batch_unref(w);
    pf_batch *same = pf_batch_make_writable(b);
    assert_ptr_equal(same, b);
    pf_batch_unref(same);
}

static bool keep_none(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    (void)b;
    (void)ref;
    (void)data;
    return false;
}

static void test_filter_removes_empty_containers(void **state)
{
    (void)state;
    pf_batch *b = build_sample_batch();
    assert_int_equal(pf_batch_filter_profiles(b, keep_none, NULL), 2);
    assert_int_equal(b->req->n_resource_profiles, 0);
    assert_int_equal(pf_batch_sample_count(b), 0);
    pf_batch_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_batch_has_zero_entries),
        cmocka_unit_test(test_interning_dedupes),
        cmocka_unit_test(test_pack_decode_round_trip_and_reindex),
        cmocka_unit_test(test_validate_names_bad_index),
        cmocka_unit_test(test_validate_inlines_attribute_references),
        cmocka_unit_test(test_validate_drops_only_invalid_profiles),
        cmocka_unit_test(test_decode_garbage_fails),
        cmocka_unit_test(test_clone_and_writable),
        cmocka_unit_test(test_filter_removes_empty_containers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
