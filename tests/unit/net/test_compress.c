/* test_compress.c — net/compress.h: round trips for every encoding, size limits (including a
 * gzip bomb whose trailer lies and a zstd bomb), malformed and truncated input, multi-member gzip,
 * raw vs zlib-wrapped deflate, and the gRPC framing helpers built on top of it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "net/compress.h"
#include "net/grpc_frame.h"

static void fill_text(pf_buf *b, size_t n)
{
    for (size_t i = 0; b->len < n; i++) pf_buf_printf(b, "line %zu: main;handle;parse %zu\n", i, i * 7919 % 1000);
    b->len = n;
    b->data[n] = '\0';
}

static void round_trip(const char *enc)
{
    pf_buf plain = {0}, packed = {0}, back = {0};
    fill_text(&plain, 200000);
    assert_true(pf_compress(enc, plain.data, plain.len, &packed));
    assert_true(packed.len < plain.len / 2);
    char err[256] = "";
    assert_int_equal(pf_decompress(enc, packed.data, packed.len, plain.len, &back, err, sizeof(err)), PF_DECOMPRESS_OK);
    assert_int_equal(back.len, plain.len);
    assert_memory_equal(back.data, plain.data, plain.len);
    /* one byte less than needed is TOO_LARGE, and nothing is left appended */
    pf_buf_reset(&back);
    pf_buf_puts(&back, "keep");
    assert_int_equal(pf_decompress(enc, packed.data, packed.len, plain.len - 1, &back, err, sizeof(err)),
                     PF_DECOMPRESS_TOO_LARGE);
    assert_int_equal(back.len, 4);
    assert_string_equal(back.data, "keep");
    pf_buf_free(&plain);
    pf_buf_free(&packed);
    pf_buf_free(&back);
}

static void test_round_trip_gzip(void **state)
{
    (void)state;
    round_trip("gzip");
}
static void test_round_trip_deflate(void **state)
{
    (void)state;
    round_trip("deflate");
}
static void test_round_trip_zstd(void **state)
{
    (void)state;
    round_trip("zstd");
}

static void test_identity(void **state)
{
    (void)state;
    pf_buf out = {0};
    char err[128];
    assert_int_equal(pf_decompress(NULL, "abc", 3, 3, &out, err, sizeof(err)), PF_DECOMPRESS_OK);
    assert_int_equal(pf_decompress("identity", "de", 2, 3, &out, err, sizeof(err)), PF_DECOMPRESS_OK);
    assert_string_equal(out.data, "abcde");
    assert_int_equal(pf_decompress("", "abcd", 4, 3, &out, err, sizeof(err)), PF_DECOMPRESS_TOO_LARGE);
    assert_true(pf_encoding_is_identity(NULL) && pf_encoding_is_identity("") && pf_encoding_is_identity("IDENTITY"));
    assert_false(pf_encoding_is_identity("gzip"));
    pf_buf_free(&out);
}

static void test_unsupported(void **state)
{
    (void)state;
    pf_buf out = {0};
    char err[128] = "";
    assert_int_equal(pf_decompress("br", "x", 1, 10, &out, err, sizeof(err)), PF_DECOMPRESS_UNSUPPORTED);
    assert_non_null(strstr(err, "\"br\""));
    assert_false(pf_compress("snappy", "x", 1, &out));
    assert_false(pf_encoding_supported("br"));
    assert_true(pf_encoding_supported("GZIP") && pf_encoding_supported("zstd"));
    assert_int_equal(out.len, 0);
    pf_buf_free(&out);
}

/* 64 MiB of zeros compresses to ~64 KiB; with a 1 MiB limit it must be refused, and also when the
 * ISIZE trailer is forged to claim a small size (so the one-shot path is tried first). */
static void test_gzip_bomb(void **state)
{
    (void)state;
    size_t big = 64u << 20;
    uint8_t *zeros = calloc(1, big);
    pf_buf bomb = {0}, out = {0};
    assert_true(pf_compress("gzip", zeros, big, &bomb));
    free(zeros);
    assert_true(bomb.len < big / 500);
    char err[256] = "";
    assert_int_equal(pf_decompress("gzip", bomb.data, bomb.len, 1u << 20, &out, err, sizeof(err)),
                     PF_DECOMPRESS_TOO_LARGE);
    assert_true(out.cap <= (1u << 20) + 1);
    assert_non_null(strstr(err, "limit"));
    uint8_t *trailer = (uint8_t *)bomb.data + bomb.len - 4;
    trailer[0] = 100, trailer[1] = trailer[2] = trailer[3] = 0;
    assert_int_equal(pf_decompress("gzip", bomb.data, bomb.len, 1u << 20, &out, err, sizeof(err)),
                     PF_DECOMPRESS_TOO_LARGE);
    assert_true(out.cap <= (1u << 20) + 1);
    assert_int_equal(out.len, 0);
    pf_buf_free(&bomb);
    pf_buf_free(&out);
}

static void test_zstd_bomb(void **state)
{
    (void)state;
    size_t big = 32u << 20;
    uint8_t *zeros = calloc(1, big);
    pf_buf bomb = {0}, out = {0};
    assert_true(pf_compress("zstd", zeros, big, &bomb));
    free(zeros);
    char err[256] = "";
    assert_int_equal(pf_decompress("zstd", bomb.data, bomb.len, 1u << 20, &out, err, sizeof(err)),
                     PF_DECOMPRESS_TOO_LARGE);
    assert_true(out.cap <= (1u << 20) + 1);
    pf_buf_free(&bomb);
    pf_buf_free(&out);
}

static void expect_malformed(const char *enc, const void *data, size_t len)
{
    pf_buf out = {0};
    char err[256] = "";
    assert_int_equal(pf_decompress(enc, data, len, 1u << 20, &out, err, sizeof(err)), PF_DECOMPRESS_MALFORMED);
    assert_true(err[0] != '\0');
    assert_int_equal(out.len, 0);
    pf_buf_free(&out);
}

static void test_malformed(void **state)
{
    (void)state;
    pf_buf plain = {0}, gz = {0}, zs = {0};
    fill_text(&plain, 50000);
    assert_true(pf_compress("gzip", plain.data, plain.len, &gz));
    assert_true(pf_compress("zstd", plain.data, plain.len, &zs));
    expect_malformed("gzip", "not gzip at all", 15);
    expect_malformed("gzip", gz.data, gz.len / 2);            /* truncated */
    expect_malformed("gzip", gz.data, 10);                    /* header only */
    expect_malformed("zstd", zs.data, zs.len - 3);            /* truncated */
    expect_malformed("zstd", "\x28\xb5\x2f\xfd garbage", 12); /* magic, then junk */
    expect_malformed("zstd", "", 0);
    expect_malformed("deflate", "\x78\x9c\xff\xff\xff", 5);
    /* corrupt a byte in the middle of the deflate stream: the CRC or the stream breaks */
    gz.data[gz.len / 2] ^= 0x55;
    expect_malformed("gzip", gz.data, gz.len);
    /* trailing junk after a valid member */
    pf_buf tail = {0};
    assert_true(pf_compress("gzip", "hello", 5, &tail));
    pf_buf_append(&tail, "JUNKJUNK", 8);
    expect_malformed("gzip", tail.data, tail.len);
    pf_buf_free(&tail);
    pf_buf_free(&plain);
    pf_buf_free(&gz);
    pf_buf_free(&zs);
}

static void test_multi_member_gzip(void **state)
{
    (void)state;
    pf_buf gz = {0}, out = {0};
    assert_true(pf_compress("gzip", "hello ", 6, &gz));
    assert_true(pf_compress("gzip", "world", 5, &gz));
    char err[256];
    assert_int_equal(pf_decompress("gzip", gz.data, gz.len, 100, &out, err, sizeof(err)), PF_DECOMPRESS_OK);
    assert_string_equal(out.data, "hello world");
    pf_buf_free(&gz);
    pf_buf_free(&out);
}

/* "deflate" in HTTP means zlib-wrapped, but raw deflate is common in the wild: accept both. */
static void test_raw_deflate(void **state)
{
    (void)state;
    const char *msg = "raw deflate body raw deflate body raw deflate body";
    uint8_t raw[256];
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)msg;
    zs.avail_in = (uInt)strlen(msg);
    zs.next_out = raw;
    zs.avail_out = sizeof(raw);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t raw_len = sizeof(raw) - zs.avail_out;
    deflateEnd(&zs);
    pf_buf out = {0};
    char err[256];
    assert_int_equal(pf_decompress("deflate", raw, raw_len, 1000, &out, err, sizeof(err)), PF_DECOMPRESS_OK);
    assert_string_equal(out.data, msg);
    pf_buf_free(&out);
}

static void test_grpc_unframe(void **state)
{
    (void)state;
    pf_buf framed = {0}, out = {0};
    char err[256];
    pf_grpc_frame("payload", 7, &framed);
    assert_int_equal(framed.len, 12);
    assert_int_equal(pf_grpc_unframe((uint8_t *)framed.data, framed.len, NULL, 100, &out, err, sizeof(err)),
                     PF_GRPC_OK);
    assert_string_equal(out.data, "payload");
    assert_int_equal(pf_grpc_unframe((uint8_t *)framed.data, framed.len, NULL, 6, &out, err, sizeof(err)),
                     PF_GRPC_RESOURCE_EXHAUSTED);
    assert_int_equal(pf_grpc_unframe((uint8_t *)framed.data, framed.len - 1, NULL, 100, &out, err, sizeof(err)),
                     PF_GRPC_INTERNAL);
    assert_int_equal(pf_grpc_unframe((uint8_t *)framed.data, 3, NULL, 100, &out, err, sizeof(err)), PF_GRPC_INTERNAL);
    /* compressed message */
    pf_buf gz = {0}, msg = {0};
    assert_true(pf_compress("gzip", "squeezed", 8, &gz));
    pf_grpc_frame(gz.data, gz.len, &msg);
    msg.data[0] = 1;
    pf_buf_reset(&out);
    assert_int_equal(pf_grpc_unframe((uint8_t *)msg.data, msg.len, "gzip", 100, &out, err, sizeof(err)), PF_GRPC_OK);
    assert_string_equal(out.data, "squeezed");
    assert_int_equal(pf_grpc_unframe((uint8_t *)msg.data, msg.len, "snappy", 100, &out, err, sizeof(err)),
                     PF_GRPC_UNIMPLEMENTED);
    assert_int_equal(pf_grpc_unframe((uint8_t *)msg.data, msg.len, NULL, 100, &out, err, sizeof(err)),
                     PF_GRPC_INTERNAL);
    assert_int_equal(pf_grpc_unframe((uint8_t *)msg.data, msg.len, "gzip", 4, &out, err, sizeof(err)),
                     PF_GRPC_RESOURCE_EXHAUSTED);
    pf_buf_free(&gz);
    pf_buf_free(&msg);
    pf_buf_free(&framed);
    pf_buf_free(&out);
}

static void test_grpc_timeout_and_message(void **state)
{
    (void)state;
    int64_t ns;
    assert_true(pf_grpc_parse_timeout("100m", &ns));
    assert_int_equal(ns, 100000000);
    assert_true(pf_grpc_parse_timeout("2S", &ns));
    assert_int_equal(ns, 2000000000);
    assert_true(pf_grpc_parse_timeout("1H", &ns));
    assert_int_equal(ns, 3600000000000LL);
    assert_true(pf_grpc_parse_timeout("5n", &ns));
    assert_int_equal(ns, 5);
    assert_false(pf_grpc_parse_timeout("123456789S", &ns)); /* more than 8 digits */
    assert_false(pf_grpc_parse_timeout("10x", &ns));
    assert_false(pf_grpc_parse_timeout("S", &ns));
    assert_false(pf_grpc_parse_timeout("1.5S", &ns));
    pf_buf b = {0};
    pf_grpc_percent_encode("bad index: 100%\nnext", &b);
    assert_string_equal(b.data, "bad index: 100%25%0Anext");
    pf_buf_free(&b);
    assert_string_equal(pf_grpc_status_name(PF_GRPC_RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
    assert_string_equal(pf_grpc_status_name(99), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_gzip),   cmocka_unit_test(test_round_trip_deflate),
        cmocka_unit_test(test_round_trip_zstd),   cmocka_unit_test(test_identity),
        cmocka_unit_test(test_unsupported),       cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_zstd_bomb),         cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_multi_member_gzip), cmocka_unit_test(test_raw_deflate),
        cmocka_unit_test(test_grpc_unframe),      cmocka_unit_test(test_grpc_timeout_and_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
