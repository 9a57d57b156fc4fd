/* test_multipart.c — multipart/form-data parsing (boundaries, CRLF/LF, preamble, look-alike
 * delimiters, truncation) and the multipart /ingest forms: pprof with sample_type_config and
 * prev_profile, JFR with a gzipped `jfr` part and a `labels` part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/compress.h"
#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/ingest/multipart.h"
#include "receivers/pyroscope/ingest/name.h"
#include "tests/unit/fixture.h"

static void test_boundary(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    const char *b;
    char err[256];
    assert_true(pf_multipart_boundary("multipart/form-data; boundary=----formdata-undici-015730558743", a, &b, err,
                                      sizeof(err)));
    assert_string_equal(b, "----formdata-undici-015730558743");
    assert_true(
        pf_multipart_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\"", a, &b, err, sizeof(err)));
    assert_string_equal(b, "a b:c");
    assert_false(pf_multipart_boundary("multipart/mixed; boundary=x", a, &b, err, sizeof(err)));
    assert_string_equal(err, "Content-Type \"multipart/mixed; boundary=x\" is not multipart/form-data");
    assert_false(pf_multipart_boundary("multipart/form-data; boundary=\"x", a, &b, err, sizeof(err)));
    assert_string_equal(err, "multipart Content-Type has an unterminated quoted parameter");
    assert_false(pf_multipart_boundary("multipart/form-data; boundary=0123456789012345678901234567890123456789"
                                       "01234567890123456789012345678901",
                                       a, &b, err, sizeof(err)));
    assert_string_equal(err, "multipart boundary is longer than 70 characters");
    assert_false(pf_multipart_is_form_data("multipart/form-datax"));
    pf_arena_destroy(a);
}

static void test_parse_parts(void **state)
{
    (void)state;
    static const char body[] = "preamble to ignore\r\n"
                               "--XyZ\r\n"
                               "content-disposition: form-data; name=\"profile\"; filename=\"p.pprof\"\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "\r\n"
                               "line1\r\n--XyZ-not-a-delimiter\r\nline3\r\n"
                               "--XyZ  \r\n"
                               "Content-Disposition: form-data; name=field\r\n"
                               "\r\n"
                               "\r\n"
                               "--XyZ\n"
                               "Content-Disposition: form-data; name=\"e\\\"q\"; filename=\"\"\n"
                               "\n"
                               "lf only\n"
                               "--XyZ--\r\nepilogue";
    pf_arena *a = pf_arena_create(4096);
    pf_multipart_part *parts;
    size_t n;
    char err[256];
    if (!pf_multipart_parse((const uint8_t *)body, sizeof(body) - 1, "XyZ", a, &parts, &n, err, sizeof(err)))
        fail_msg("%s", err);
    assert_int_equal(n, 3);
    assert_string_equal(parts[0].name, "profile");
    assert_string_equal(parts[0].filename, "p.pprof");
    assert_string_equal(parts[0].content_type, "application/octet-stream");
    assert_int_equal(parts[0].len, strlen("line1\r\n--XyZ-not-a-delimiter\r\nline3"));
    assert_memory_equal(parts[0].data, "line1\r\n--XyZ-not-a-delimiter\r\nline3", parts[0].len);
    /* Zero-copy: the data points into the body. */
    assert_ptr_equal(parts[0].data, (const uint8_t *)strstr(body, "line1"));
    assert_string_equal(parts[1].name, "field");
    assert_null(parts[1].filename);
    assert_int_equal(parts[1].len, 0);
    assert_string_equal(parts[2].name, "e\"q");
    assert_string_equal(parts[2].filename, "");
    assert_memory_equal(parts[2].data, "lf only", parts[2].len);
    assert_ptr_equal(pf_multipart_find(parts, n, "field"), &parts[1]);
    assert_null(pf_multipart_find(parts, n, "missing"));

    static const struct {
        const char *body, *msg;
    } bad[] = {
        {"no delimiter at all", "multipart body has no \"--XyZ\" delimiter"},
        {"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\ndata", "multipart body is truncated: part \"a\" has "
                                                                        "no closing delimiter"},
        {"--XyZ\r\nContent-Disposition: form-data; name=a\r\n", "multipart part headers are not terminated by an "
                                                                "empty line"},
        {"--XyZ\r\nbroken header\r\n\r\n--XyZ--", "malformed multipart header line \"broken header\""},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n--XyZ--",
         "multipart Content-Disposition has an unterminated quoted parameter"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(pf_multipart_parse((const uint8_t *)bad[i].body, strlen(bad[i].body), "XyZ", a, &parts, &n, err,
                                        sizeof(err)));
        assert_string_equal(err, bad[i].msg);
    }
    pf_arena_destroy(a);
}

static void add_part(pf_buf *b, const char *disposition, const void *data, size_t len)
{
    pf_buf_printf(b, "--BOUND\r\nContent-Disposition: form-data; %s\r\nContent-Type: application/octet-stream\r\n\r\n",
                  disposition);
    pf_buf_append(b, data, len);
    pf_buf_puts(b, "\r\n");
}

static pf_pyro_status decode_form(const char *qs, const pf_buf *body, pf_arena *a, pf_pyro_profile **ps, size_t *n,
                                  char *err, size_t errlen)
{
    pf_pyro_query q;
    assert_true(pf_pyro_parse_query(qs, &q, a, err, errlen));
    return pf_pyro_decode_body(&q, "multipart/form-data; boundary=BOUND", (const uint8_t *)body->data, body->len,
                               16 << 20, a, ps, n, err, errlen);
}

static void test_pprof_form(void **state)
{
    (void)state;
    pf_buf pprof = fixture_read("pyroscope-push/nodejs-0.4.13-multipart/req-002.part-profile.pb.gz");
    pf_arena *a = pf_arena_create(1 << 16);
    pf_pyro_profile *ps;
    size_t n;
    char err[256];

    /* sample_type_config renames inuse_objects to something with "cpu": the __name__ follows it. */
    pf_buf body = {0};
    add_part(&body, "name=\"profile\"; filename=\"profile.pprof\"", pprof.data, pprof.len);
    static const char stc[] = "{\"inuse_objects\": {\"units\": \"objects\", \"display-name\": \"fake_cpu\", "
                              "\"aggregation\": \"average\", \"sampled\": false}}";
    add_part(&body, "name=\"sample_type_config\"; filename=\"sample_type_config.json\"", stc, strlen(stc));
    add_part(&body, "name=\"prev_profile\"; filename=\"profile.pprof\"", "", 0);
    pf_buf_puts(&body, "--BOUND--\r\n");
    assert_int_equal(decode_form("name=app%7Bk%3Dv%7D", &body, a, &ps, &n, err, sizeof(err)), PF_PYRO_OK);
    assert_int_equal(n, 1);
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "__name__"), "process_cpu");
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "k"), "v");
    assert_int_equal(ps[0].pprof->n_sample, 16); /* summary.json num_samples */
    pf_buf_free(&body);

    /* Without a config the default mapping applies: inuse_* is memory. */
    add_part(&body, "name=\"profile\"; filename=\"profile\"", pprof.data, pprof.len);
    pf_buf_puts(&body, "--BOUND--\r\n");
    assert_int_equal(decode_form("name=app", &body, a, &ps, &n, err, sizeof(err)), PF_PYRO_OK);
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "__name__"), "memory");
    pf_buf_free(&body);

    add_part(&body, "name=\"profile\"; filename=\"profile\"", pprof.data, pprof.len);
    add_part(&body, "name=\"prev_profile\"; filename=\"profile\"", pprof.data, pprof.len);
    pf_buf_puts(&body, "--BOUND--\r\n");
    assert_int_equal(decode_form("name=app", &body, a, &ps, &n, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_non_null(strstr(err, "unsupported client version"));
    pf_buf_free(&body);

    add_part(&body, "name=\"profile\"", pprof.data, pprof.len);
    pf_buf_puts(&body, "--BOUND--\r\n");
    assert_int_equal(decode_form("name=app", &body, a, &ps, &n, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "multipart part \"profile\" has no filename= (it must be sent as a file)");
    pf_buf_free(&body);

    add_part(&body, "name=\"profile\"; filename=\"p\"", pprof.data, pprof.len);
    add_part(&body, "name=\"sample_type_config\"; filename=\"c.json\"", "{\"a\": {\"sampled\": 1}}", 21);
    pf_buf_puts(&body, "--BOUND--\r\n");
    assert_int_equal(decode_form("name=app", &body, a, &ps, &n, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "sample_type_config: \"a\".\"sampled\" must be a boolean");
    pf_buf_free(&body);

    add_part(&body, "name=\"other\"; filename=\"p\"", pprof.data, pprof.len);
    pf_buf_puts(&body, "--BOUND--\r\n");
    assert_int_equal(decode_form("name=app", &body, a, &ps, &n, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "multipart form has no \"profile\" part");
    pf_buf_free(&body);

    pf_arena_destroy(a);
    pf_buf_free(&pprof);
}

static void test_jfr_form(void **state)
{
    (void)state;
    pf_buf jfr = fixture_read("jfr/java17-profile.jfr");
    pf_buf gz = {0};
    assert_true(pf_compress("gzip", jfr.data, jfr.len, &gz));
    /* LabelsSnapshot: contexts[1] = {2: 3}, strings 2 = "k", 3 = "v" (no event of this JDK recording
     * has a contextId, so it must decode and change nothing). */
    static const uint8_t labels[] = {0x0a, 0x0a, 0x08, 0x01, 0x12, 0x06, 0x0a, 0x04, 0x08, 0x02, 0x10, 0x03, 0x12,
                                     0x05, 0x08, 0x02, 0x12, 0x01, 'k',  0x12, 0x05, 0x08, 0x03, 0x12, 0x01, 'v'};
    pf_buf body = {0};
    add_part(&body, "name=\"jfr\"; filename=\"jfr\"", gz.data, gz.len);
    add_part(&body, "name=\"labels\"; filename=\"labels\"", labels, sizeof(labels));
    pf_buf_puts(&body, "--BOUND--\r\n");
    pf_arena *a = pf_arena_create(1 << 16);
    pf_pyro_profile *ps;
    size_t n;
    char err[256];
    if (decode_form("name=java-app&format=jfr&sampleRate=50", &body, a, &ps, &n, err, sizeof(err)) != PF_PYRO_OK)
        fail_msg("%s", err);
    assert_int_equal(n, 3);
    int64_t cpu = 0;
    for (size_t i = 0; i < ps[0].pprof->n_sample; i++) cpu += ps[0].pprof->sample[i]->value[0];
    assert_string_equal(pf_pyro_label_get(&ps[0].labels, "__name__"), "process_cpu");
    assert_int_equal(cpu, 442LL * 20000000);
    pf_buf_free(&body);

    add_part(&body, "name=\"labels\"; filename=\"labels\"", labels, sizeof(labels));
    pf_buf_puts(&body, "--BOUND--\r\n");
    assert_int_equal(decode_form("name=java-app&format=jfr", &body, a, &ps, &n, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "multipart form has no \"jfr\" part");
    pf_buf_free(&body);

    add_part(&body, "name=\"jfr\"; filename=\"jfr\"", gz.data, gz.len);
    add_part(&body, "name=\"labels\"; filename=\"labels\"", labels, 7);
    pf_buf_puts(&body, "--BOUND--\r\n");
    assert_int_equal(decode_form("name=java-app&format=jfr", &body, a, &ps, &n, err, sizeof(err)), PF_PYRO_BAD_REQUEST);
    assert_string_equal(err, "labels: malformed LabelsSnapshot protobuf");
    pf_buf_free(&body);

    pf_arena_destroy(a);
    pf_buf_free(&gz);
    pf_buf_free(&jfr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_parse_parts),
        cmocka_unit_test(test_pprof_form),
        cmocka_unit_test(test_jfr_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
