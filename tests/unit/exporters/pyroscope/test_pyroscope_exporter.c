/* test_pyroscope_exporter.c — the pyroscope exporter's encodings (exporters/pyroscope): labeled pprofs
 * of a batch (series_pprof.h), the PushRequest, the /ingest URL and multipart body,, checked by decoding what was produced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "exporters/pyroscope/pyroscope_exporter.h"
#include "push/v1/push.pb-c.h"
#include "tests/unit/test_pyroscope_exporter_batch.h"

static const pf_strmap *external(void)
{
    static char *keys[] = {"cluster"}, *values[] = {"eu1"};
    static const pf_strmap m = {keys, values, 1};
    return &m;
}

static void build(pf_batch *b, pf_series_pprofs *s)
{
    pf_series_options opts = {.external_labels = external(), .keep_reserved = pf_pyro_reserved_labels};
    char err[256];
    assert_true(pf_series_pprofs_build(b, &opts, s, err, sizeof(err)));
    pf_pyro_default_delta(s);
}

/* "name=value,..." of a label set, in its (sorted) order. */
static char *labels_text(const pf_labels *ls)
{
    pf_buf t = {0};
    for (size_t i = 0; i < ls->n; i++)
        pf_buf_printf(&t, "%s%s=%s", i ? "," : "", ls->items[i].name, ls->items[i].value);
    pf_buf_append(&t, "", 1);
    return t.data;
}

static int64_t value_sum(const pf_series_pprof *item, size_t type, size_t *n_types)
{
    pf_arena *a = pf_arena_create(4096);
    pf_pprof pp;
    char err[256];
    assert_true(pf_pprof_parse(a, item->pprof.gzipped.data, item->pprof.gzipped.len, 1 << 20, &pp, err, sizeof(err)));
    *n_types = pp.p->n_sample_type;
    int64_t sum = 0;
    for (size_t i = 0; i < pp.p->n_sample; i++) sum += pp.p->sample[i]->value[type];
    pf_arena_destroy(a);
    return sum;
}

static void test_series_labels_and_grouping(void **state)
{
    (void)state;
    pf_batch *b = test_batch();
    pf_series_pprofs s = {0};
    build(b, &s);
    assert_int_equal(s.n, 4);
    const char *want[] = {
        "__delta__=false,__name__=goroutine,cluster=eu1,process_executable_name=worker,service_name=unknown_service:"
        "worker",
        "__delta__=false,__name__=process_cpu,cluster=eu1,host_name=h1,region=eu,service_name=checkout",
        "__delta__=false,__name__=process_cpu,cluster=eu1,host_name=h1,region=eu,service_name=checkout",
        "__delta__=false,__name__=process_cpu,cluster=eu1,host_name=h1,region=us,service_name=checkout",
    };
    for (size_t i = 0; i < s.n; i++) {
        char *got = labels_text(&s.items[i].labels);
        assert_string_equal(got, want[i]);
        free(got);
    }
    /* Sorted stably: P0+P1 (2 sample types, sums 30 and 3) come before P3 (7). */
    size_t n_types;
    assert_int_equal(value_sum(&s.items[1], 0, &n_types), 30);
    assert_int_equal(n_types, 2);
    assert_int_equal(value_sum(&s.items[1], 1, &n_types), 3);
    assert_int_equal(value_sum(&s.items[2], 0, &n_types), 7);
    assert_int_equal(value_sum(&s.items[3], 0, &n_types), 5);
    assert_int_equal(pf_series_run(&s, 0), 1);
    assert_int_equal(pf_series_run(&s, 1), 2);
    assert_int_equal(pf_series_run(&s, 3), 1);
    pf_series_pprofs_free(&s);
    pf_batch_unref(b);
}

static void test_delta_attribute_is_kept(void **state)
{
    (void)state;
    pf_batch *b = test_batch();
    pf_resource_set_string(b, b->req->resource_profiles[1]->resource, "__delta__", "true");
    pf_resource_set_string(b, b->req->resource_profiles[1]->resource, "__private__", "x");
    pf_series_pprofs s = {0};
    build(b, &s);
    assert_string_equal(pf_labels_get(&s.items[0].labels, "__delta__"), "true");
    assert_null(pf_labels_get(&s.items[0].labels, "__private__"));
    assert_string_equal(pf_labels_get(&s.items[1].labels, "__delta__"), "false");
    pf_series_pprofs_free(&s);
    pf_batch_unref(b);
}

static bool is_uuid_v4(const char *s)
{
    if (strlen(s) != 36 || s[14] != '4' || !strchr("89ab", s[19])) return false;
    for (size_t i = 0; i < 36; i++)
        if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !strchr("0123456789abcdef", s[i])) return false;
    return true;
}

static void test_push_request(void **state)
{
    (void)state;
    pf_batch *b = test_batch();
    pf_series_pprofs s = {0};
    build(b, &s);
    pf_buf wire = {0};
    pf_pyro_push_encode(&s, &wire);
    Push__V1__PushRequest *req = push__v1__push_request__unpack(NULL, wire.len, (const uint8_t *)wire.data);
    assert_non_null(req);
    assert_int_equal(req->n_series, 3);
    size_t expect_samples[] = {1, 2, 1}, item = 0;
    for (size_t i = 0; i < req->n_series; i++) {
        const Push__V1__RawProfileSeries *ser = req->series[i];
        assert_int_equal(ser->n_samples, expect_samples[i]);
        assert_int_equal(ser->n_labels, s.items[item].labels.n);
        for (size_t k = 0; k < ser->n_labels; k++) {
            assert_string_equal(ser->labels[k]->name, s.items[item].labels.items[k].name);
            assert_string_equal(ser->labels[k]->value, s.items[item].labels.items[k].value);
        }
        for (size_t k = 0; k < ser->n_samples; k++, item++) {
            assert_true(is_uuid_v4(ser->samples[k]->id));
            assert_int_equal(ser->samples[k]->raw_profile.len, s.items[item].pprof.gzipped.len);
            assert_memory_equal(ser->samples[k]->raw_profile.data, s.items[item].pprof.gzipped.data,
                                s.items[item].pprof.gzipped.len);
        }
    }
    assert_string_not_equal(req->series[1]->samples[0]->id, req->series[1]->samples[1]->id);
    push__v1__push_request__free_unpacked(req, NULL);
    pf_buf_free(&wire);
    pf_series_pprofs_free(&s);
    pf_batch_unref(b);
}

static void test_ingest_url(void **state)
{
    (void)state;
    pf_batch *b = test_batch();
    pf_series_pprofs s = {0};
    build(b, &s);
    pf_labels_set(&s.items[3].labels, "odd", "a,b=c{d}");
    char *url = pf_pyro_ingest_url("http://pyro:4040/", &s.items[3]);
    /* name = checkout{cluster=eu1,host_name=h1,odd=a_b_c_d_,region=us}, percent-encoded */
    assert_string_equal(url, "http://pyro:4040/ingest?name=checkout%7Bcluster%3Deu1%2Chost_name%3Dh1%2Codd%3Da_b_c_d_"
                             "%2Cregion%3Dus%7D&from=1700000000&until=1700000010&spyName=proflow");
    free(url);
    pf_series_pprofs_free(&s);
    pf_batch_unref(b);
}

static void test_ingest_body(void **state)
{
    (void)state;
    pf_batch *b = test_batch();
    pf_series_pprofs s = {0};
    build(b, &s);
    pf_buf body = {0};
    char err[256];
    char *content_type = pf_pyro_ingest_body(&s.items[1], &body, err, sizeof(err));
    assert_non_null(content_type);
    const char *boundary = strstr(content_type, "boundary=") + 9;
    pf_buf_append(&body, "", 1);
    char *profile_head =
        pf_xasprintf("--%s\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n",
                     boundary);
    assert_memory_equal(body.data, profile_head, strlen(profile_head));
    assert_memory_equal(body.data + strlen(profile_head), s.items[1].pprof.gzipped.data, s.items[1].pprof.gzipped.len);
    const char *config_part = strstr(body.data + strlen(profile_head) + s.items[1].pprof.gzipped.len,
                                     "name=\"sample_type_config\"; filename=\"sample_type_config\"");
    assert_non_null(config_part);
    const char *json_text = strstr(config_part, "\r\n\r\n") + 4;
    json_error_t jerr;
    json_t *config = json_loadb(json_text, strcspn(json_text, "\r"), 0, &jerr);
    assert_non_null(config);
    assert_int_equal(json_object_size(config), 2);
    assert_true(json_is_true(json_object_get(json_object_get(config, "cpu"), "sampled")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(config, "samples"), "units")), "samples");
    json_decref(config);
    char *closing = pf_xasprintf("--%s--\r\n", boundary);
    assert_string_equal(body.data + body.len - 1 - strlen(closing), closing);
    free(closing);
    free(profile_head);
    free(content_type);
    pf_buf_free(&body);
    pf_series_pprofs_free(&s);
    pf_batch_unref(b);
}

static void test_uuid_v4(void **state)
{
    (void)state;
    char a[37], c[37];
    pf_uuid_v4(a);
    pf_uuid_v4(c);
    assert_true(is_uuid_v4(a));
    assert_string_not_equal(a, c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series_labels_and_grouping),
        cmocka_unit_test(test_delta_attribute_is_kept),
        cmocka_unit_test(test_push_request),
        cmocka_unit_test(test_ingest_url),
        cmocka_unit_test(test_ingest_body),
        cmocka_unit_test(test_uuid_v4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
