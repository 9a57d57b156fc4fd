/* fuzz_compress.c — request bodies with Content-Encoding (gzip, deflate, zstd) as every HTTP receiver
 * and the scraper decompress them: pf_decompress with a bounded output (decompression bombs must stop
 * at the limit). The first byte picks the encoding and the limit. Whatever decodes is compressed again
 * and must decode to the same bytes. */
#include "net/compress.h"
#include "tests/fuzz/fuzz_common.h"

static const char *const encodings[] = {"gzip", "deflate", "zstd", "x-gzip", "br", "identity"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *enc = encodings[data[0] % (sizeof(encodings) / sizeof(encodings[0]))];
    size_t max_out = data[0] & 0x80 ? 100 : 4u << 20;
    pf_buf out = {0};
    char err[512] = "";
    pf_decompress_result r = pf_decompress(enc, data + 1, size - 1, max_out, &out, err, sizeof(err));
    if (r == PF_DECOMPRESS_OK) {
        FUZZ_CHECK(out.len <= max_out, "%zu bytes above the %zu limit", out.len, max_out);
        if (pf_encoding_supported(enc) && !pf_encoding_is_identity(enc)) {
            pf_buf packed = {0}, back = {0};
            FUZZ_CHECK(pf_compress(enc, out.data, out.len, &packed), "%s: cannot compress again", enc);
            FUZZ_CHECK(pf_decompress(enc, packed.data, packed.len, max_out, &back, err, sizeof(err)) ==
                           PF_DECOMPRESS_OK,
                       "%s: own output does not decode: %s", enc, err);
            FUZZ_CHECK(back.len == out.len && (out.len == 0 || memcmp(back.data, out.data, out.len) == 0),
                       "%s: round trip differs", enc);
            pf_buf_free(&packed);
            pf_buf_free(&back);
        }
    } else {
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
    }
    pf_buf_free(&out);
    return 0;
}
