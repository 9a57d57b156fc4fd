/* export_test_batch.h — a realistic ExportProfilesServiceRequest shared by the pbjson, file exporter
 * and debug exporter tests: two resources, every AnyValue kind, links, inlined frames, timestamps,
 * a profile id and an original payload, so every JSON mapping rule is exercised.
 *
 * The CPU profile of resource "checkout" has these stacks (leaf first) and values:
 *   parse <- handle <- main                 30
 *   handle <- main                          20
 *   mallocgc <- parse <- handle <- main     10   (mallocgc is inlined into parse: one location, 2 lines)
 *   fib <- fib <- main                       5   (recursion: fib counts once in cumulative)
 * so flat: parse 30, handle 20, mallocgc 10, fib 5 and cum: main 65, handle 60, parse 40, mallocgc 10,
 * fib 5, over a total of 65. The "cart" resource adds an alloc profile with 3 samples.
 *
 * Header-only (static functions) because each test is its own executable. The returned batch holds
 * one reference owned by the caller. */
#ifndef PF_EXPORT_TEST_BATCH_H
#define PF_EXPORT_TEST_BATCH_H

#include <string.h>

#include "pipeline/model/batch.h"
#include "pipeline/model/dict.h"

#define EXPORT_TEST_SAMPLES  7 /* 4 (checkout cpu) + 3 (cart alloc) */
#define EXPORT_TEST_PROFILES 2
#define EXPORT_TEST_TIME     1700000000123456789ull

static void export_test_add_sample(pf_batch *b, otlp_profile *p, const int32_t *stack, size_t depth, int64_t value,
                                   int32_t link, uint64_t timestamp)
{
    otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
    *s = (otlp_sample)OTLP_SAMPLE_INIT;
    s->stack_index = pf_dict_stack(b, stack, depth);
    s->n_values = 1;
    s->values = pf_arena_memdup(b->arena, &value, sizeof(value));
    if (timestamp) {
        s->n_timestamps_unix_nano = 1;
        s->timestamps_unix_nano = pf_arena_memdup(b->arena, &timestamp, sizeof(timestamp));
    }
    s->link_index = link;
    int32_t attr = pf_dict_attr_string(b, "thread.name", "worker-1", 0);
    s->n_attribute_indices = 1;
    s->attribute_indices = pf_arena_memdup(b->arena, &attr, sizeof(attr));
    otlp_sample **grown =
        pf_arena_grow(b->arena, p->samples, p->n_samples * sizeof(*grown), (p->n_samples + 1) * sizeof(*grown));
    grown[p->n_samples++] = s;
    p->samples = grown;
}

static int32_t export_test_frame(pf_batch *b, int32_t mapping, uint64_t address, const char *fn, int64_t line)
{
    otlp_line l = OTLP_LINE_INIT;
    l.function_index =
        pf_dict_function(b, pf_dict_string(b, fn), pf_dict_string(b, fn), pf_dict_string(b, "app/main.go"), 10);
    l.line = line;
    l.column = 3;
    return pf_dict_location(b, mapping, address, &l, 1, NULL, 0);
}

static otlp_any_value *export_test_value(pf_batch *b, int kind)
{
    otlp_any_value *v = pf_arena_alloc(b->arena, sizeof(*v));
    *v = (otlp_any_value)OTLP_ANY_VALUE_INIT;
    v->value_case = kind;
    switch (kind) {
    case OTLP_VALUE_STRING: v->string_value = pf_arena_strdup(b->arena, "tab\there \"quoted\" \xc3\xa9"); break;
    case OTLP_VALUE_BOOL: v->bool_value = 0; break;                 /* a set oneof member holding its zero value */
    case OTLP_VALUE_INT: v->int_value = -9007199254740993ll; break; /* not representable as a double */
    case OTLP_VALUE_DOUBLE: v->double_value = 0.1; break;
    case OTLP_VALUE_BYTES:
        v->bytes_value.len = 5;
        v->bytes_value.data = pf_arena_memdup(b->arena, "\x00\xff\x10hi", 5);
        break;
    case OTLP_VALUE_STRINDEX: v->string_value_strindex = pf_dict_string(b, "interned"); break;
    }
    return v;
}

static void export_test_add_attr(pf_batch *b, otlp_resource *r, const char *key, otlp_any_value *v)
{
    otlp_kv *kv = pf_arena_alloc(b->arena, sizeof(*kv));
    *kv = (otlp_kv)OTLP_KV_INIT;
    kv->key = pf_arena_strdup(b->arena, key);
    kv->value = v;
    otlp_kv **grown = pf_arena_grow(b->arena, r->attributes, r->n_attributes * sizeof(*grown),
                                    (r->n_attributes + 1) * sizeof(*grown));
    grown[r->n_attributes++] = kv;
    r->attributes = grown;
}

static void export_test_value_type(pf_batch *b, otlp_value_type **out, const char *type, const char *unit)
{
    *out = pf_arena_alloc(b->arena, sizeof(**out));
    **out = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
    (*out)->type_strindex = pf_dict_string(b, type);
    (*out)->unit_strindex = pf_dict_string(b, unit);
}

static void export_test_checkout(pf_batch *b)
{
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp->resource, "service.name", "checkout");
    const int kinds[] = {OTLP_VALUE_STRING, OTLP_VALUE_BOOL,  OTLP_VALUE_INT,
                         OTLP_VALUE_DOUBLE, OTLP_VALUE_BYTES, OTLP_VALUE_STRINDEX};
    const char *keys[] = {"k.string", "k.bool", "k.int", "k.double", "k.bytes", "k.strindex"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        export_test_add_attr(b, rp->resource, keys[i], export_test_value(b, kinds[i]));
    otlp_any_value *array = pf_arena_alloc(b->arena, sizeof(*array));
    *array = (otlp_any_value)OTLP_ANY_VALUE_INIT;
    array->value_case = OTLP_VALUE_ARRAY;
    array->array_value = pf_arena_alloc(b->arena, sizeof(otlp_array_value));
    *array->array_value = (otlp_array_value)OTLP_ARRAY_VALUE_INIT;
    array->array_value->n_values = 2;
    array->array_value->values = pf_arena_alloc(b->arena, 2 * sizeof(otlp_any_value *));
    array->array_value->values[0] = export_test_value(b, OTLP_VALUE_INT);
    array->array_value->values[1] = export_test_value(b, OTLP_VALUE_STRING);
    export_test_add_attr(b, rp->resource, "k.array", array);
    rp->schema_url = pf_arena_strdup(b->arena, "https://opentelemetry.io/schemas/1.30.0");

    otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, "proflow-test", "1.0");
    otlp_profile *p = pf_batch_add_profile(b, sp);
    export_test_value_type(b, &p->sample_type, "cpu", "nanoseconds");
    export_test_value_type(b, &p->period_type, "cpu", "nanoseconds");
    p->period = 10000000;
    p->time_unix_nano = EXPORT_TEST_TIME;
    p->duration_nano = 10000000000ull;
    static const uint8_t id[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xff};
    p->profile_id.len = 16;
    p->profile_id.data = pf_arena_memdup(b->arena, id, 16);
    p->original_payload_format = pf_arena_strdup(b->arena, "pprof");
    p->original_payload.len = 4;
    p->original_payload.data = pf_arena_memdup(b->arena, "\x1f\x8b\x08\x00", 4);
    int32_t pattr = pf_dict_attr_int(b, "profile.frame.count", 4, pf_dict_string(b, "{frame}"));
    p->n_attribute_indices = 1;
    p->attribute_indices = pf_arena_memdup(b->arena, &pattr, sizeof(pattr));

    int32_t bin = pf_dict_string(b, "/usr/bin/checkout");
    int32_t build = pf_dict_attr_string(b, "process.executable.build_id.gnu", "abc123", 0);
    int32_t mapping = pf_dict_mapping(b, 0x400000, 0x800000, 0, bin, &build, 1);
    int32_t main_ = export_test_frame(b, mapping, 0x401000, "main", 12);
    int32_t handle = export_test_frame(b, mapping, 0x402000, "handle", 40);
    int32_t fib = export_test_frame(b, mapping, 0x404000, "fib", 7);
    otlp_line inlined[2] = {OTLP_LINE_INIT, OTLP_LINE_INIT};
    inlined[0].function_index = pf_dict_function(b, pf_dict_string(b, "runtime.mallocgc"), 0, 0, 0);
    inlined[0].line = 1000;
    inlined[1].function_index = pf_dict_function(b, pf_dict_string(b, "parse"), 0, 0, 0);
    inlined[1].line = 77;
    int32_t malloc_in_parse = pf_dict_location(b, mapping, 0x403000, inlined, 2, NULL, 0);
    int32_t parse = pf_dict_location(b, mapping, 0x403100, &inlined[1], 1, NULL, 0);

    static const uint8_t trace[16] = {0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
                                      0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c};
    static const uint8_t span[8] = {0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74};
    int32_t link = pf_dict_link(b, trace, span);

    const int32_t s1[] = {parse, handle, main_};
    const int32_t s2[] = {handle, main_};
    const int32_t s3[] = {malloc_in_parse, handle, main_};
    const int32_t s4[] = {fib, fib, main_};
    export_test_add_sample(b, p, s1, 3, 30, link, EXPORT_TEST_TIME + 1);
    export_test_add_sample(b, p, s2, 2, 20, 0, 0);
    export_test_add_sample(b, p, s3, 3, 10, 0, EXPORT_TEST_TIME + 3);
    export_test_add_sample(b, p, s4, 3, 5, 0, 0);
}

static void export_test_cart(pf_batch *b)
{
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp->resource, "service.name", "cart");
    otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, "proflow-test", "1.0");
    otlp_profile *p = pf_batch_add_profile(b, sp);
    export_test_value_type(b, &p->sample_type, "alloc_space", "bytes");
    export_test_value_type(b, &p->period_type, "space", "bytes");
    p->period = 524288;
    p->time_unix_nano = EXPORT_TEST_TIME + 5;
    int32_t alloc = export_test_frame(b, 0, 0x1000, "alloc", 1);
    int32_t grow = export_test_frame(b, 0, 0x2000, "grow", 2);
    const int32_t s1[] = {alloc};
    const int32_t s2[] = {grow, alloc};
    export_test_add_sample(b, p, s1, 1, 1024, 0, 0);
    export_test_add_sample(b, p, s2, 2, 2048, 0, 0);
    export_test_add_sample(b, p, s1, 1, 4096, 0, 0);
}

static pf_batch *export_test_batch(void)
{
    pf_batch *b = pf_batch_new();
    export_test_checkout(b);
    export_test_cart(b);
    return b;
}

#endif
