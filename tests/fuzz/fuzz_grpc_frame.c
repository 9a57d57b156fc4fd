/* fuzz_grpc_frame.c — gRPC message framing as the server unframes a request body: 5-byte prefix
 * (compressed flag, length), the grpc-encoding named by the first input byte (identity, gzip,
 * deflate, zstd, or one we do not support), the max_recv_msg_size limit; also the grpc-timeout
 * header parser and the grpc-message percent-encoder on the same bytes. */
#include "net/grpc_frame.h"
#include "tests/fuzz/fuzz_common.h"

static const char *const encodings[] = {NULL, "identity", "gzip", "deflate", "zstd", "snappy", ""};

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
    size_t max_msg = data[0] & 0x80 ? 64 : 1u << 20;
    uint8_t *body = malloc(size - 1 ? size - 1 : 1);
    memcpy(body, data + 1, size - 1);
    pf_buf out = {0};
    char err[512] = "";
    int st = pf_grpc_unframe(body, size - 1, enc, max_msg, &out, err, sizeof(err));
    if (st == PF_GRPC_OK)
        FUZZ_CHECK(out.len <= max_msg, "message of %zu bytes above the %zu limit", out.len, max_msg);
    else
        FUZZ_CHECK(err[0] != '\0' && pf_grpc_status_name(st) != NULL, "refusal without a message");
    pf_buf_free(&out);
    free(body);

    char *s = fuzz_cstr(data + 1, size - 1);
    int64_t ns;
    if (pf_grpc_parse_timeout(s, &ns)) FUZZ_CHECK(ns >= 0, "negative timeout");
    pf_buf pct = {0};
    pf_grpc_percent_encode(s, &pct);
    for (size_t i = 0; i < pct.len; i++)
        FUZZ_CHECK(pct.data[i] >= 0x20 && pct.data[i] <= 0x7e, "unencoded byte 0x%02x", (unsigned char)pct.data[i]);
    pf_buf_free(&pct);
    free(s);
    return 0;
}
