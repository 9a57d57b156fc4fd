/* test_push_handler.c — replays every /ingest request captured from the real @pyroscope/nodejs
 * SDK (0.6.4 raw gzipped pprof, 0.4.13 multipart) through query + body decoding, and checks sample
 * counts, per-type value sums, time and labels against the fixture's summary.json (decoded with
 * Python protobuf). Also the dispatch errors: 415 for unsupported formats, 400/413 for bad bodies. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "net/compress.h"
#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/ingest/name.h"
#include "tests/unit/fixture.h"

static const char *str(const Perftools__Profiles__Profile *p, int64_t i) { return p->string_table[i]; }

/* Replays one captured request and compares it with its summary.json entry. */
static void replay(const char *dir, const char *meta_name, json_t *summary)
{
    char path[2300];
    snprintf(path, sizeof(path), "%s/%s", dir, meta_name);
    json_t *meta = json_load_file(path, 0, NULL);
    assert_non_null(meta);
    const char *url = json_string_value(json_object_get(meta, "url"));
    const char *ct = json_string_value(json_object_get(json_object_get(meta, "headers"), "content-type"));
    const char *body_file = json_string_value(json_object_get(meta, "body_file"));
    snprintf(path, sizeof(path), "%s/%s", dir, body_file);
    pf_buf body = fixture_read_path(path);

    /* The summary is keyed by the body file, or by the extracted part for multipart captures. */
    char key[64];
    snprintf(key, sizeof(key), "%.7s.part-profile.pb.gz", body_file);
    json_t *want = json_object_get(summary, body_file);
    if (!want) want = json_object_get(summary, key);
    assert_non_null(want);

    pf_arena *a = pf_arena_create(1 << 16);
    pf_pyro_query q;
    char err[512];
    if (!pf_pyro_parse_query(strchr(url, '?') + 1, &q, a, err, sizeof(err))) fail_msg("%s: %s", meta_name, err);
    assert_string_equal(q.name, "fixture-app");
    assert_string_equal(pf_pyro_label_get(&q.labels, "env"), "test");
    assert_string_equal(pf_pyro_label_get(&q.labels, "region"), "local");
    assert_string_equal(q.spy_name, "nodespy");

    pf_pyro_profile *ps;
    size_t n;
    pf_pyro_status st =
        pf_pyro_decode_body(&q, ct, (const uint8_t *)body.data, body.len, 16 << 20, a, &ps, &n, err, sizeof(err));
    if (st != PF_PYRO_OK) fail_msg("%s: %s", meta_name, err);
    assert_int_equal(n, 1);
    const Perftools__Profiles__Profile *p = ps[0].pprof;
    assert_int_equal(p->n_sample, json_integer_value(json_object_get(want, "num_samples")));
    assert_int_equal(p->time_nanos, json_integer_value(json_object_get(want, "time_nanos")));
    assert_int_equal(p->period, json_integer_value(json_object_get(want, "period")));
    json_t *sums = json_object_get(want, "value_sums");
    assert_int_equal(p->n_sample_type, json_object_size(sums));
    for (size_t t = 0; t < p->n_sample_type; t++) {
        char name[128];
        snprintf(name, sizeof(name), "%s/%s", str(p, p->sample_type[t]->type), str(p, p->sample_type[t]->unit));
        int64_t sum = 0;
        for (size_t i = 0; i < p->n_sample; i++) sum += p->sample[i]->value[t];
        json_t *w = json_object_get(sums, name);
        if (!w || sum != json_integer_value(w))
            fail_msg("%s %s: want %lld got %lld", meta_name, name, (long long)json_integer_value(w), (long long)sum);
    }
    /* wall profiles (they have a wall sample type) vs heap snapshots. */
    bool wall = json_object_get(sums, "wall/nanoseconds") != NULL;
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "__name__"), wall ? "wall" : "memory");
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "service_name"), "fixture-app");
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "pyroscope_spy"), "nodespy");

    pf_arena_destroy(a);
    pf_buf_free(&body);
    json_decref(meta);
}

static void replay_dir(const char *sub, int expected_requests)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "pyroscope-push/%s", sub);
    char *dir = fixture_path(rel);
    char path[1100];
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    json_t *summary = json_load_file(path, 0, NULL);
    assert_non_null(summary);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int replayed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 10 && strcmp(e->d_name + l - 10, ".meta.json") == 0) {
            replay(dir, e->d_name, summary);
            replayed++;
        }
    }
    closedir(d);
    assert_int_equal(replayed, expected_requests);
    json_decref(summary);
    free(dir);
}

static void test_nodejs_064_raw_pprof(void **state)
{
    (void)state;
    replay_dir("nodejs", 9);
}

static void test_nodejs_064_cpu_auth_tenant(void **state)
{
    (void)state;
    replay_dir("nodejs-cpu-auth-tenant", 5);
}

static void test_nodejs_0413_multipart(void **state)
{
    (void)state;
    replay_dir("nodejs-0.4.13-multipart", 5);
}

static pf_pyro_status decode(const char *qs, const char *ct, const void *body, size_t len, size_t max, char *err,
                             size_t errlen)
{
    pf_arena *a = pf_arena_create(4096);
    pf_pyro_query q;
    assert_true(pf_pyro_parse_query(qs, &q, a, err, errlen));
    pf_pyro_profile *ps;
    size_t n;
    pf_pyro_status st = pf_pyro_decode_body(&q, ct, body, len, max, a, &ps, &n, err, errlen);
    pf_arena_destroy(a);
    return st;
}

static void test_dispatch_errors(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(decode("name=app&format=trie", NULL, "x", 1, 1024, err, sizeof(err)), PF_PYRO_UNSUPPORTED_MEDIA);
    assert_string_equal(err, "format trie is not supported by proflow (send pprof, jfr, folded or lines)");
    assert_int_equal(pf_pyro_http_status(PF_PYRO_UNSUPPORTED_MEDIA), 415);
    assert_int_equal(decode("name=app", "binary/octet-stream+tree", "x", 1, 1024, err, sizeof(err)),
                     PF_PYRO_UNSUPPORTED_MEDIA);
    assert_int_equal(decode("name=app&format=speedscope", NULL, "{}", 2, 1024, err, sizeof(err)),
                     PF_PYRO_UNSUPPORTED_MEDIA);

    assert_int_equal(decode("name=app&format=pprof", NULL, "\x0a\xff", 2, 1024, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "profile: not a valid pprof protobuf (2 bytes)");
    assert_int_equal(pf_pyro_http_status(PF_PYRO_BAD_REQUEST), 400);
    /* Pyroscope answers an empty pprof body with 200 and stores nothing. */
    assert_int_equal(decode("name=app&format=pprof", NULL, "", 0, 1024, err, sizeof(err)), PF_PYRO_OK);
    assert_int_equal(decode("name=app&format=pprof", NULL, "\x1f\x8b\x08\x00garbage", 12, 1024, err, sizeof(err)),
                     PF_PYRO_BAD_REQUEST);

    /* A gzip bomb: 1 MiB of zeros against a 64 KiB limit. */
    static uint8_t zeros[1 << 20];
    pf_buf gz = {0};
    assert_true(pf_compress("gzip", zeros, sizeof(zeros), &gz));
    assert_int_equal(decode("name=app&format=pprof", NULL, gz.data, gz.len, 64 << 10, err, sizeof(err)),
                     PF_PYRO_TOO_LARGE);
    assert_int_equal(pf_pyro_http_status(PF_PYRO_TOO_LARGE), 413);
    pf_buf_free(&gz);

    assert_int_equal(decode("name=app&format=jfr", NULL, "not a recording", 15, 1024, err, sizeof(err)),
                     PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "JFR chunk at offset 0: truncated chunk header");
    assert_int_equal(decode("name=my.app", NULL, "a;b 1", 5, 1024, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "unknown profile type: app (from name suffix \".app\")");
    assert_int_equal(decode("name=app", "multipart/form-data", "x", 1, 1024, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "multipart Content-Type has no boundary parameter");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodejs_064_raw_pprof),
        cmocka_unit_test(test_nodejs_064_cpu_auth_tenant),
        cmocka_unit_test(test_nodejs_0413_multipart),
        cmocka_unit_test(test_dispatch_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
