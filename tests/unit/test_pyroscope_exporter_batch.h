/* test_pyroscope_exporter_batch.h — the batch the pyroscope and parca exporter unit tests convert.
 *
 * Resource "checkout" (service.name, host.name) has one scope with four profiles:
 *   P0 cpu/nanoseconds   region=eu  time T   samples 10, 20
 *   P1 samples/count     region=eu  time T   samples 1, 2        → one pprof with P0 (2 sample types)
 *   P2 cpu/nanoseconds   region=us + pprof.profile.doc_url  time T  sample 5   → its own pprof
 *   P3 cpu/nanoseconds   region=eu  time T+10s  sample 7        → its own pprof, same labels as P0+P1
 * Resource 2 has no service.name but process.executable.name=worker, with a goroutine profile (3).
 * So: 4 pprofs, 3 distinct label sets. The returned batch holds one reference owned by the caller. */
#ifndef TEST_PYROSCOPE_EXPORTER_BATCH_H
#define TEST_PYROSCOPE_EXPORTER_BATCH_H

#include "pipeline/model/batch.h"
#include "pipeline/model/dict.h"

#define TEST_T 1700000000000000000ull

static otlp_value_type *test_value_type(pf_batch *b, const char *type, const char *unit)
{
    otlp_value_type *vt = pf_arena_alloc(b->arena, sizeof(*vt));
    *vt = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
    vt->type_strindex = pf_dict_string(b, type);
    vt->unit_strindex = pf_dict_string(b, unit);
    return vt;
}

static otlp_profile *test_profile(pf_batch *b, otlp_scope_profiles *sp, const char *type, const char *unit,
                                  uint64_t time, const int64_t *values, size_t n, const int32_t *attrs, size_t n_attrs)
{
    otlp_profile *p = pf_batch_add_profile(b, sp);
    p->sample_type = test_value_type(b, type, unit);
    p->period_type = test_value_type(b, "cpu", "nanoseconds");
    p->period = 10000000;
    p->time_unix_nano = time;
    p->duration_nano = 10000000000ull;
    p->attribute_indices = pf_arena_memdup(b->arena, attrs, n_attrs * sizeof(*attrs));
    p->n_attribute_indices = n_attrs;
    otlp_line line = OTLP_LINE_INIT;
    line.function_index =
        pf_dict_function(b, pf_dict_string(b, "main"), pf_dict_string(b, "main"), pf_dict_string(b, "main.go"), 1);
    line.line = 3;
    int32_t loc = pf_dict_location(b, 0, 0x1000, &line, 1, NULL, 0);
    p->samples = pf_arena_alloc(b->arena, n * sizeof(*p->samples));
    for (size_t i = 0; i < n; i++) {
        otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
        *s = (otlp_sample)OTLP_SAMPLE_INIT;
        s->stack_index = pf_dict_stack(b, &loc, 1);
        s->values = pf_arena_memdup(b->arena, &values[i], sizeof(int64_t));
        s->n_values = 1;
        p->samples[i] = s;
    }
    p->n_samples = n;
    return p;
}

static pf_batch *test_batch(void)
{
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp->resource, "service.name", "checkout");
    pf_resource_set_string(b, rp->resource, "host.name", "h1");
    otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, "test", "1");
    int32_t eu = pf_dict_attr_string(b, "region", "eu", 0);
    int32_t us[2] = {pf_dict_attr_string(b, "region", "us", 0),
                     pf_dict_attr_string(b, "pprof.profile.doc_url", "https://example.com", 0)};
    test_profile(b, sp, "cpu", "nanoseconds", TEST_T, (int64_t[]){10, 20}, 2, &eu, 1);
    test_profile(b, sp, "samples", "count", TEST_T, (int64_t[]){1, 2}, 2, &eu, 1);
    test_profile(b, sp, "cpu", "nanoseconds", TEST_T, (int64_t[]){5}, 1, us, 2);
    test_profile(b, sp, "cpu", "nanoseconds", TEST_T + 10000000000ull, (int64_t[]){7}, 1, &eu, 1);
    otlp_resource_profiles *rp2 = pf_batch_add_resource(b);
    pf_resource_set_string(b, rp2->resource, "process.executable.name", "worker");
    test_profile(b, pf_batch_add_scope(b, rp2, "test", "1"), "goroutine", "count", TEST_T, (int64_t[]){3}, 1, NULL, 0);
    return b;
}

#endif
