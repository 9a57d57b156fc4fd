/* test_robustness_pprof.c — mutated pprof files, gzipped as the scraper and Pyroscope receive them
 * and raw, through pf_pprof_parse → pf_pprof_to_otlp. A pprof the parser accepts must translate
 * into a batch that validates strictly and exports again (rb_check_validated_batch); a rejected one
 * must say why. Raw mutants are also gzipped and must get the same verdict that way. */
#include "tests/unit/test_robustness_seeds.h"

typedef struct pprof_ctx {
    size_t max_bytes;
    bool regzip; /* also parse gzip(input) and compare verdicts */
} pprof_ctx;

static bool parse_and_translate(const uint8_t *data, size_t len, size_t max_bytes)
{
    pf_arena *a = pf_arena_create(1 << 16);
    pf_pprof pp;
    char err[512] = "";
    bool ok = pf_pprof_parse(a, data, len, max_bytes, &pp, err, sizeof(err));
    if (!ok) {
        assert_true(err[0] != '\0');
    } else {
        pf_batch *b = pf_batch_new();
        otlp_resource_profiles *rp = pf_batch_add_resource(b);
        otlp_scope_profiles *sp = pf_pprof_to_otlp(b, rp, &pp, "process_cpu");
        assert_non_null(sp);
        assert_int_equal(sp->n_profiles, pp.p->n_sample_type);
        if (!pf_batch_validate(b, NULL, err, sizeof(err))) fail_msg("translated pprof is not a valid batch: %s", err);
        rb_check_validated_batch(b);
        pf_batch_unref(b);
    }
    pf_arena_destroy(a);
    return ok;
}

static bool check_pprof(const uint8_t *data, size_t len, void *ctx)
{
    const pprof_ctx *pc = ctx;
    bool ok = parse_and_translate(data, len, pc->max_bytes);
    if (pc->regzip) {
        pf_buf gz = {0};
        assert_true(pf_compress("gzip", data, len, &gz));
        uint8_t *exact = malloc(gz.len);
        memcpy(exact, gz.data, gz.len);
        assert_int_equal(parse_and_translate(exact, gz.len, pc->max_bytes), ok);
        free(exact);
        pf_buf_free(&gz);
    }
    return ok;
}

static void test_raw_pprof_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    rb_pprof_raw_corpus(&c, RB_N_PPROF_FIXTURES);
    pprof_ctx ctx = {.max_bytes = PF_PPROF_DEFAULT_MAX_BYTES, .regzip = false};
    rb_check_seeds(&c, check_pprof, &ctx);
    rb_tally t = rb_run(&c, RB_PROTOBUF, false, 4000, 0x9f0f, check_pprof, &ctx);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

/* Fewer cases: each is parsed twice, raw and gzipped. */
static void test_raw_pprof_mutants_regzipped(void **state)
{
    (void)state;
    rb_corpus c = {0};
    rb_pprof_raw_corpus(&c, 6);
    pprof_ctx ctx = {.max_bytes = PF_PPROF_DEFAULT_MAX_BYTES, .regzip = true};
    rb_tally t = rb_run(&c, RB_PROTOBUF, false, 1000, 0x6a1b, check_pprof, &ctx);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

static void test_gzipped_pprof_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    rb_pprof_gzipped_corpus(&c, RB_N_PPROF_FIXTURES);
    pprof_ctx ctx = {.max_bytes = PF_PPROF_DEFAULT_MAX_BYTES, .regzip = false};
    rb_check_seeds(&c, check_pprof, &ctx);
    rb_tally t = rb_run(&c, RB_BINARY, false, 3000, 0x1f8b, check_pprof, &ctx);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

/* A decompressed-size limit below most inputs: refusals, never an over-allocation or a crash. */
static void test_gzipped_pprof_small_limit(void **state)
{
    (void)state;
    rb_corpus c = {0};
    rb_pprof_gzipped_corpus(&c, RB_N_PPROF_FIXTURES);
    pprof_ctx ctx = {.max_bytes = 4096, .regzip = false};
    rb_tally t = rb_run(&c, RB_BINARY, false, 500, 0x4096, check_pprof, &ctx);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_pprof_mutants),
        cmocka_unit_test(test_raw_pprof_mutants_regzipped),
        cmocka_unit_test(test_gzipped_pprof_mutants),
        cmocka_unit_test(test_gzipped_pprof_small_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
