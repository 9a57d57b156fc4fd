/* test_parca_exporter.c — the parca exporter's WriteRawRequest (exporters/parca/write_raw.h), checked
 * by decoding it: one series per label set, __name__ present and no other reserved label, raw
 * profiles byte-identical to the gzipped pprofs, whose ids run 1..n. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "exporters/parca/write_raw.h"
#include "parca/profilestore/v1alpha1/profilestore.pb-c.h"
#include "tests/unit/test_pyroscope_exporter_batch.h"

static bool ids_sequential(const pf_series_pprof *item)
{
    pf_arena *a = pf_arena_create(4096);
    pf_pprof pp;
    char err[256];
    assert_true(pf_pprof_parse(a, item->pprof.gzipped.data, item->pprof.gzipped.len, 1 << 20, &pp, err, sizeof(err)));
    bool ok = true;
    for (size_t i = 0; i < pp.p->n_mapping; i++) ok = ok && pp.p->mapping[i]->id == i + 1;
    for (size_t i = 0; i < pp.p->n_location; i++) ok = ok && pp.p->location[i]->id == i + 1;
    for (size_t i = 0; i < pp.p->n_function; i++) ok = ok && pp.p->function[i]->id == i + 1;
    pf_arena_destroy(a);
    return ok;
}

static void test_write_raw_request(void **state)
{
    (void)state;
    pf_batch *b = test_batch();
    pf_resource_set_string(b, b->req->resource_profiles[0]->resource, "__delta__", "false");
    pf_series_pprofs s = {0};
    pf_series_options opts = {0};
    char err[256];
    assert_true(pf_series_pprofs_build(b, &opts, &s, err, sizeof(err)));
    pf_buf wire = {0};
    pf_parca_write_raw_encode(&s, &wire);
    Parca__Profilestore__V1alpha1__WriteRawRequest *req =
        parca__profilestore__v1alpha1__write_raw_request__unpack(NULL, wire.len, (const uint8_t *)wire.data);
    assert_non_null(req);
    assert_false(req->normalized);
    assert_int_equal(req->n_series, 3);
    size_t item = 0;
    for (size_t i = 0; i < req->n_series; i++) {
        const Parca__Profilestore__V1alpha1__LabelSet *ls = req->series[i]->labels;
        bool has_name = false;
        for (size_t k = 0; k < ls->n_labels; k++) {
            if (strcmp(ls->labels[k]->name, "__name__") == 0)
                has_name = true;
            else
                assert_true(strncmp(ls->labels[k]->name, "__", 2) != 0);
        }
        assert_true(has_name);
        for (size_t k = 0; k < req->series[i]->n_samples; k++, item++) {
            const ProtobufCBinaryData *raw = &req->series[i]->samples[k]->raw_profile;
            assert_int_equal(raw->len, s.items[item].pprof.gzipped.len);
            assert_memory_equal(raw->data, s.items[item].pprof.gzipped.data, raw->len);
            assert_true(ids_sequential(&s.items[item]));
        }
    }
    assert_int_equal(item, 4);
    assert_int_equal(req->series[1]->n_samples, 2);
    parca__profilestore__v1alpha1__write_raw_request__free_unpacked(req, NULL);
    pf_buf_free(&wire);
    pf_series_pprofs_free(&s);
    pf_batch_unref(b);
}

static void test_empty_batch(void **state)
{
    (void)state;
    pf_batch *b = pf_batch_new();
    pf_series_pprofs s = {0};
    pf_series_options opts = {0};
    char err[256];
    assert_true(pf_series_pprofs_build(b, &opts, &s, err, sizeof(err)));
    assert_int_equal(s.n, 0);
    pf_series_pprofs_free(&s);
    pf_batch_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_raw_request),
        cmocka_unit_test(test_empty_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
