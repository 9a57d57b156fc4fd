/* test_robustness_compress.c — mutated gzip, zlib/raw deflate and zstd bodies (the gzipped pprof
 * fixtures as stored, and the raw pprofs compressed with each encoding) through pf_decompress with
 * small output limits. Every call either fails with a reason, leaving what the buffer held before
 * untouched, or appends at most max_out bytes; a success is exact: the same input decodes to the
 * same bytes under a limit of exactly its size, and is refused one byte below. */
#include <zlib.h>

#include "tests/unit/test_robustness_seeds.h"

typedef struct compress_ctx {
    const char *encoding;
    rb_rng rng; /* picks the limit of each call */
} compress_ctx;

#define KEPT "kept"

static pf_decompress_result decompress(const char *enc, const uint8_t *data, size_t len, size_t max_out, pf_buf *out)
{
    pf_buf_puts(out, KEPT);
    char err[256] = "";
    pf_decompress_result r = pf_decompress(enc, data, len, max_out, out, err, sizeof(err));
    assert_true(out->len >= strlen(KEPT));
    assert_memory_equal(out->data, KEPT, strlen(KEPT));
    if (r == PF_DECOMPRESS_OK) {
        assert_true(out->len - strlen(KEPT) <= max_out);
    } else {
        assert_true(r == PF_DECOMPRESS_TOO_LARGE || r == PF_DECOMPRESS_MALFORMED);
        assert_int_equal(out->len, strlen(KEPT));
        assert_true(err[0] != '\0');
    }
    return r;
}

static bool check_compressed(const uint8_t *data, size_t len, void *ctx)
{
    compress_ctx *cc = ctx;
    static const size_t limits[] = {0, 1, 100, 1024, 4096, 16384, 65536, 1 << 20};
    size_t max_out = limits[rb_below(&cc->rng, sizeof(limits) / sizeof(limits[0]))];
    pf_buf out = {0};
    bool ok = decompress(cc->encoding, data, len, max_out, &out) == PF_DECOMPRESS_OK;
    if (ok) {
        size_t n = out.len - strlen(KEPT);
        pf_buf exact = {0};
        assert_int_equal(decompress(cc->encoding, data, len, n, &exact), PF_DECOMPRESS_OK);
        assert_int_equal(exact.len, out.len);
        assert_memory_equal(exact.data, out.data, out.len);
        if (n > 0) {
            pf_buf_reset(&exact);
            assert_int_equal(decompress(cc->encoding, data, len, n - 1, &exact), PF_DECOMPRESS_TOO_LARGE);
        }
        pf_buf_free(&exact);
    }
    pf_buf_free(&out);
    return ok;
}

/* Raw deflate (no zlib header), which some peers send as Content-Encoding: deflate. */
static void raw_deflate(const pf_buf *in, pf_buf *out)
{
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    pf_buf_reserve(out, deflateBound(&zs, in->len));
    zs.next_in = (Bytef *)in->data;
    zs.avail_in = (uInt)in->len;
    zs.next_out = (Bytef *)out->data + out->len;
    zs.avail_out = (uInt)(out->cap - out->len - 1);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out->len += zs.total_out;
    deflateEnd(&zs);
}

/* The raw pprofs (first `n` fixtures) compressed with `encoding`. */
static void compressed_corpus(rb_corpus *c, const char *encoding, size_t n)
{
    rb_corpus raw = {0};
    rb_pprof_raw_corpus(&raw, n);
    for (size_t i = 0; i < raw.n; i++) {
        pf_buf packed = {0};
        assert_true(pf_compress(encoding, raw.items[i].data, raw.items[i].len, &packed));
        rb_corpus_add(c, packed.data, packed.len);
        pf_buf_free(&packed);
    }
    rb_corpus_free(&raw);
}

static void run(const char *encoding, rb_corpus *c, size_t n_cases, uint64_t seed)
{
    compress_ctx ctx = {encoding, {seed}};
    rb_tally t = rb_run(c, RB_BINARY, false, n_cases, seed, check_compressed, &ctx);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    rb_corpus_free(c);
}

static void test_gzip_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    rb_pprof_gzipped_corpus(&c, 6);
    compressed_corpus(&c, "gzip", 3);
    /* Two members back to back, which gzip readers must concatenate. */
    pf_buf two = {0};
    pf_buf_append(&two, c.items[0].data, c.items[0].len);
    pf_buf_append(&two, c.items[1].data, c.items[1].len);
    rb_corpus_add(&c, two.data, two.len);
    pf_buf_free(&two);
    run("gzip", &c, 6000, 0x6219);
}

static void test_deflate_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0}, raw = {0};
    compressed_corpus(&c, "deflate", 5);
    rb_pprof_raw_corpus(&raw, 3);
    for (size_t i = 0; i < raw.n; i++) {
        pf_buf packed = {0};
        raw_deflate(&raw.items[i], &packed);
        rb_corpus_add(&c, packed.data, packed.len);
        pf_buf_free(&packed);
    }
    rb_corpus_free(&raw);
    run("deflate", &c, 6000, 0xdef1);
}

static void test_zstd_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    compressed_corpus(&c, "zstd", 8);
    run("zstd", &c, 6000, 0x28b5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_mutants),
        cmocka_unit_test(test_deflate_mutants),
        cmocka_unit_test(test_zstd_mutants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
