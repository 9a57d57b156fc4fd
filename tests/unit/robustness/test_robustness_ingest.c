/* test_robustness_ingest.c — mutated Pyroscope `/ingest` requests, taken from the ones the Node.js
 * SDK sent (tests/fixtures/pyroscope-push): query strings (pf_pyro_parse_query_status), multipart
 * Content-Types and bodies (multipart.h), raw pprof bodies gzipped and not, and folded / lines text
 * made from the pprof fixtures, each through pf_pyro_decode_body. Whatever is decoded must become a
 * batch as the receiver builds it (pyro_batch_add_profile), validate strictly and export again; every
 * refusal carries a message. JFR bodies have their own such test in test_pyroscope_jfr.c. */
#include <jansson.h>

#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/ingest/multipart.h"
#include "receivers/pyroscope/pyroscope_receiver.h"
#include "tests/unit/test_robustness_seeds.h"

#define MAX_BODY (8u << 20)

/* One captured request: its raw query, Content-Type and body file. */
typedef struct captured {
    char query[1024];
    char content_type[256];
    char body_file[512];
} captured;

static bool load_captured(const char *dir, int seq, captured *out)
{
    char rel[512];
    snprintf(rel, sizeof(rel), "pyroscope-push/%s/req-%03d.meta.json", dir, seq);
    char *path = fixture_path(rel);
    json_t *meta = json_load_file(path, 0, NULL);
    free(path);
    if (!meta) return false;
    const char *url = json_string_value(json_object_get(meta, "url"));
    const char *ct = json_string_value(json_object_get(json_object_get(meta, "headers"), "content-type"));
    assert_non_null(url);
    assert_non_null(ct);
    const char *q = strchr(url, '?');
    snprintf(out->query, sizeof(out->query), "%s", q ? q + 1 : "");
    snprintf(out->content_type, sizeof(out->content_type), "%s", ct);
    snprintf(out->body_file, sizeof(out->body_file), "pyroscope-push/%s/req-%03d.body", dir, seq);
    json_decref(meta);
    return true;
}

static const char *const capture_dirs[] = {"nodejs", "nodejs-cpu-auth-tenant", "nodejs-0.4.13-multipart"};

/* The receiver's next stage: every decoded profile into one batch that validates and exports. */
static void check_profiles(pf_arena *a, pf_pyro_profile *ps, size_t n)
{
    pf_batch *b = pf_batch_new();
    char err[512] = "";
    for (size_t i = 0; i < n; i++) {
        assert_non_null(ps[i].pprof);
        if (!pyro_batch_add_profile(b, a, &ps[i].labels, ps[i].pprof, MAX_BODY, err, sizeof(err))) {
            assert_true(err[0] != '\0');
            pf_batch_unref(b);
            return;
        }
    }
    if (!pf_batch_validate(b, NULL, err, sizeof(err))) fail_msg("decoded /ingest body is not a valid batch: %s", err);
    rb_check_validated_batch(b);
    pf_batch_unref(b);
}

/* pf_pyro_decode_body and the next stage; true when the body decoded. */
static bool decode_body(const pf_pyro_query *q, const char *content_type, const uint8_t *body, size_t len, pf_arena *a)
{
    pf_pyro_profile *ps = NULL;
    size_t n = 0;
    char err[512] = "";
    pf_pyro_status st = pf_pyro_decode_body(q, content_type, body, len, MAX_BODY, a, &ps, &n, err, sizeof(err));
    if (st != PF_PYRO_OK) {
        assert_true(err[0] != '\0');
        assert_true(pf_pyro_http_status(st) >= 400);
        return false;
    }
    check_profiles(a, ps, n);
    return true;
}

static void parse_query(const char *qs, pf_pyro_query *q, pf_arena *a)
{
    char err[512];
    if (pf_pyro_parse_query_status(qs, q, a, err, sizeof(err)) != PF_PYRO_OK) fail_msg("%s: %s", qs, err);
}

/* ---- query strings ---- */

typedef struct query_ctx {
    pf_buf body; /* a real pprof body each accepted query is used with */
} query_ctx;

static bool check_query(const uint8_t *data, size_t len, void *ctx)
{
    query_ctx *qc = ctx;
    assert_int_equal(strlen((const char *)data), strnlen((const char *)data, len)); /* NUL-terminated copy */
    pf_arena *a = pf_arena_create(1 << 14);
    pf_pyro_query q;
    char err[512] = "";
    pf_pyro_status st = pf_pyro_parse_query_status((const char *)data, &q, a, err, sizeof(err));
    if (st == PF_PYRO_OK) {
        assert_non_null(q.name);
        assert_non_null(q.spy_name);
        assert_non_null(q.units);
        assert_non_null(q.aggregation_type);
        for (size_t i = 0; i < q.labels.n; i++) {
            assert_non_null(q.labels.items[i].name);
            assert_non_null(q.labels.items[i].value);
        }
        (void)decode_body(&q, "application/octet-stream", (const uint8_t *)qc->body.data, qc->body.len, a);
    } else {
        assert_true(st == PF_PYRO_BAD_REQUEST || st == PF_PYRO_UNSUPPORTED_MEDIA);
        assert_true(err[0] != '\0');
    }
    pf_arena_destroy(a);
    return st == PF_PYRO_OK;
}

static void test_query_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    query_ctx ctx = {0};
    for (size_t d = 0; d < 3; d++) {
        captured cap;
        for (int seq = 1; load_captured(capture_dirs[d], seq, &cap); seq++)
            rb_corpus_add(&c, cap.query, strlen(cap.query));
    }
    /* Parameters the SDK did not send, in Pyroscope's spelling. */
    static const char extra[] = "name=my.app.alloc_space%7Bk%3D%22v%201%22%2Cx%3Dy%7D&from=now-10s&until=now&"
                                "format=folded&sampleRate=100&spyName=gospy&units=bytes&aggregationType=average";
    rb_corpus_add(&c, extra, strlen(extra));
    ctx.body = fixture_read("pyroscope-push/nodejs/req-001.body");
    rb_check_seeds(&c, check_query, &ctx);
    rb_tally t = rb_run(&c, RB_TEXT, true, 3000, 0x9e5, check_query, &ctx);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    pf_buf_free(&ctx.body);
    rb_corpus_free(&c);
}

/* ---- multipart Content-Types and bodies ---- */

static bool check_content_type(const uint8_t *data, size_t len, void *ctx)
{
    (void)len;
    (void)ctx;
    pf_arena *a = pf_arena_create(4096);
    const char *boundary = NULL;
    char err[512] = "";
    bool ok = pf_multipart_boundary((const char *)data, a, &boundary, err, sizeof(err));
    if (ok) {
        assert_non_null(boundary);
        assert_true(strlen(boundary) <= 70);
        assert_true(pf_multipart_is_form_data((const char *)data));
    } else {
        assert_true(err[0] != '\0');
    }
    pf_arena_destroy(a);
    return ok;
}

static void test_content_type_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    captured cap;
    for (int seq = 1; load_captured("nodejs-0.4.13-multipart", seq, &cap); seq++)
        rb_corpus_add(&c, cap.content_type, strlen(cap.content_type));
    static const char quoted[] = "Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\\\"d\"";
    rb_corpus_add(&c, quoted, strlen(quoted));
    rb_check_seeds(&c, check_content_type, NULL);
    rb_tally t = rb_run(&c, RB_TEXT, true, 2000, 0xb0d, check_content_type, NULL);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

typedef struct multipart_ctx {
    captured first; /* every body is rewritten to this request's boundary */
    const char *boundary;
    pf_arena *arena; /* holds boundary */
} multipart_ctx;

static void replace_all(pf_buf *b, const char *from, const char *to)
{
    size_t from_len = strlen(from), to_len = strlen(to);
    for (size_t i = 0; i + from_len <= b->len; i++) {
        if (memcmp(b->data + i, from, from_len) == 0) {
            rb_replace(b, i, from_len, to, to_len);
            i += to_len - 1;
        }
    }
}

/* The captured multipart bodies on one boundary, plus one with a sample_type_config part as newer
 * SDKs send it. */
static void multipart_corpus(rb_corpus *c, multipart_ctx *mc)
{
    mc->arena = pf_arena_create(4096);
    char err[256];
    assert_true(load_captured("nodejs-0.4.13-multipart", 1, &mc->first));
    assert_true(pf_multipart_boundary(mc->first.content_type, mc->arena, &mc->boundary, err, sizeof(err)));
    captured cap;
    for (int seq = 1; load_captured("nodejs-0.4.13-multipart", seq, &cap); seq++) {
        const char *own;
        assert_true(pf_multipart_boundary(cap.content_type, mc->arena, &own, err, sizeof(err)));
        pf_buf body = fixture_read(cap.body_file);
        replace_all(&body, own, mc->boundary);
        rb_corpus_add(c, body.data, body.len);
        if (seq == 2) {
            pf_buf close = {0};
            pf_buf_printf(&close, "--%s--", mc->boundary);
            char *end = memmem(body.data, body.len, close.data, close.len);
            assert_non_null(end);
            pf_buf part = {0};
            pf_buf_printf(&part,
                          "--%s\r\nContent-Disposition: form-data; name=\"sample_type_config\"; "
                          "filename=\"sample_type_config.json\"\r\nContent-Type: application/json\r\n\r\n"
                          "{\"inuse_space\":{\"units\":\"bytes\",\"aggregation\":\"average\",\"display-name\":"
                          "\"inuse_space_bytes\",\"sampled\":false},\"inuse_objects\":{\"units\":\"objects\"}}\r\n",
                          mc->boundary);
            rb_replace(&body, (size_t)(end - body.data), 0, part.data, part.len);
            rb_corpus_add(c, body.data, body.len);
            pf_buf_free(&part);
            pf_buf_free(&close);
        }
        pf_buf_free(&body);
    }
}

static bool check_multipart(const uint8_t *data, size_t len, void *ctx)
{
    const multipart_ctx *mc = ctx;
    pf_arena *a = pf_arena_create(1 << 14);
    pf_multipart_part *parts = NULL;
    size_t n = 0;
    char err[512] = "";
    bool parsed = pf_multipart_parse(data, len, mc->boundary, a, &parts, &n, err, sizeof(err));
    if (parsed) {
        for (size_t i = 0; i < n; i++) {
            assert_non_null(parts[i].name);
            assert_true(parts[i].data >= data && parts[i].len <= len && parts[i].data + parts[i].len <= data + len);
        }
    } else {
        assert_true(err[0] != '\0');
    }
    pf_pyro_query q;
    parse_query(mc->first.query, &q, a);
    if (decode_body(&q, mc->first.content_type, data, len, a)) assert_true(parsed);
    pf_arena_destroy(a);
    return parsed;
}

static void test_multipart_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    multipart_ctx ctx = {0};
    multipart_corpus(&c, &ctx);
    rb_check_seeds(&c, check_multipart, &ctx);
    rb_tally t = rb_run(&c, RB_BINARY, false, 3000, 0x3a1f, check_multipart, &ctx);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    pf_arena_destroy(ctx.arena);
    rb_corpus_free(&c);
}

/* ---- raw pprof bodies ---- */

typedef struct body_ctx {
    const char *query;
    const char *content_type;
} body_ctx;

static bool check_body(const uint8_t *data, size_t len, void *ctx)
{
    const body_ctx *bc = ctx;
    pf_arena *a = pf_arena_create(1 << 14);
    pf_pyro_query q;
    parse_query(bc->query, &q, a);
    bool ok = decode_body(&q, bc->content_type, data, len, a);
    pf_arena_destroy(a);
    return ok;
}

static void pprof_body_corpus(rb_corpus *c, bool gunzipped, captured *first)
{
    for (size_t d = 0; d < 2; d++) {
        captured cap;
        for (int seq = 1; load_captured(capture_dirs[d], seq, &cap); seq++) {
            if (d == 0 && seq == 1) *first = cap;
            pf_buf body = fixture_read(cap.body_file), raw = {0};
            char err[256];
            if (gunzipped)
                assert_int_equal(pf_decompress("gzip", body.data, body.len, MAX_BODY, &raw, err, sizeof(err)),
                                 PF_DECOMPRESS_OK);
            const pf_buf *use = gunzipped ? &raw : &body;
            rb_corpus_add(c, use->data, use->len);
            pf_buf_free(&body);
            pf_buf_free(&raw);
        }
    }
}

static void run_pprof_bodies(bool gunzipped, size_t n_cases, uint64_t seed)
{
    rb_corpus c = {0};
    captured first;
    pprof_body_corpus(&c, gunzipped, &first);
    body_ctx ctx = {first.query, first.content_type};
    rb_check_seeds(&c, check_body, &ctx);
    rb_tally t = rb_run(&c, gunzipped ? RB_PROTOBUF : RB_BINARY, false, n_cases, seed, check_body, &ctx);
    if (gunzipped) assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

static void test_gzipped_pprof_body_mutants(void **state)
{
    (void)state;
    run_pprof_bodies(false, 2000, 0x8b1f);
}

static void test_raw_pprof_body_mutants(void **state)
{
    (void)state;
    run_pprof_bodies(true, 3000, 0x0a0d);
}

/* ---- folded and lines text ---- */

/* Appends the stacks of a pprof fixture as folded text (root first, ';'-separated, then the first
 * value) or as lines (one stack per line, no count). */
static void text_of_pprof(const pf_buf *gz, bool with_counts, pf_buf *out)
{
    pf_arena *a = pf_arena_create(1 << 16);
    pf_pprof pp;
    char err[256];
    if (!pf_pprof_parse(a, gz->data, gz->len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err))) fail_msg("%s", err);
    for (size_t i = 0; i < pp.p->n_sample; i++) {
        const pprof_sample *s = pp.p->sample[i];
        if (!s->n_value || s->value[0] <= 0) continue;
        bool first = true;
        for (size_t k = s->n_location_id; k-- > 0;) {
            const pprof_location *l = pf_pprof_location(&pp, s->location_id[k]);
            for (size_t j = l->n_line; j-- > 0;) {
                const pprof_function *fn = pf_pprof_function(&pp, l->line[j]->function_id);
                pf_buf_printf(out, "%s%s", first ? "" : ";", fn ? pf_pprof_string(&pp, fn->name) : "?");
                first = false;
            }
        }
        if (with_counts) pf_buf_printf(out, " %lld", (long long)s->value[0]);
        pf_buf_puts(out, "\n");
    }
    pf_arena_destroy(a);
}

static void run_text(const char *format, bool with_counts, uint64_t seed)
{
    rb_corpus gz = {0}, c = {0};
    rb_pprof_gzipped_corpus(&gz, 8);
    for (size_t i = 0; i < gz.n; i++) {
        pf_buf text = {0};
        text_of_pprof(&gz.items[i], with_counts, &text);
        rb_corpus_add(&c, text.data, text.len);
        pf_buf_free(&text);
    }
    char query[256];
    snprintf(query, sizeof(query),
             "name=robustness.app.cpu%%7Benv%%3Dci%%7D&from=1795253940&until=1795253950&sampleRate=100&format=%s",
             format);
    body_ctx ctx = {query, "text/plain"};
    rb_check_seeds(&c, check_body, &ctx);
    rb_tally t = rb_run(&c, RB_TEXT, false, 2500, seed, check_body, &ctx);
    assert_true(t.accepted > 0);
    rb_corpus_free(&c);
    rb_corpus_free(&gz);
}

static void test_folded_mutants(void **state)
{
    (void)state;
    run_text("folded", true, 0xf01d);
}

static void test_lines_mutants(void **state)
{
    (void)state;
    run_text("lines", false, 0x11e5);
}

/* Inputs the mutation runs found crashing, kept so they stay fixed. */
static void test_inputs_that_crashed(void **state)
{
    (void)state;
    static const struct {
        const char *query, *content_type, *body;
    } found[] = {
        /* Two folded lines with one stack, each count in range alone: the merged sample's sum
         * overflowed int64 in the pprof builder (UBSan: signed integer overflow). */
        {"name=app.cpu&sampleRate=100&format=folded", NULL, "a;b 900000000000\na;b 900000000000\n"},
    };
    for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
        body_ctx ctx = {found[i].query, found[i].content_type};
        (void)check_body((const uint8_t *)found[i].body, strlen(found[i].body), &ctx);
    }
    static const char *const queries[] = {
        /* A YYYYMMDD date after 2262: days * 86400e9 overflowed int64 in the from/until parser. */
        "name=app.cpu&from=99991231&until=now",
        /* from before 1970 and until near INT64_MAX: until - from overflowed in the folded decoder
         * (now refused: "from: time \"now-126y\" is before 1970"). */
        "name=app.cpu&from=now-126y&until=9223372036854775807&format=folded",
    };
    query_ctx qc = {0};
    pf_buf_puts(&qc.body, "a;b 1\n");
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
        (void)check_query((const uint8_t *)queries[i], strlen(queries[i]), &qc);
    pf_buf_free(&qc.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_mutants),          cmocka_unit_test(test_content_type_mutants),
        cmocka_unit_test(test_multipart_mutants),      cmocka_unit_test(test_gzipped_pprof_body_mutants),
        cmocka_unit_test(test_raw_pprof_body_mutants), cmocka_unit_test(test_folded_mutants),
        cmocka_unit_test(test_lines_mutants),          cmocka_unit_test(test_inputs_that_crashed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
