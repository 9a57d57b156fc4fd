/* fuzz_http2.c — the nghttp2 server session fed raw frames: the connection preface is supplied, the
 * input is everything after it (SETTINGS, HEADERS/CONTINUATION with HPACK, DATA, RST_STREAM, PING,
 * WINDOW_UPDATE, GOAWAY …), through pf_h2_feed, stream collection, body limits, gRPC unframing and
 * grpc-timeout, the handlers and the responses and trailers (fuzz_http_common.h). */
#include "tests/fuzz/fuzz_http_common.h"

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_http_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_http_feed(data, size, preface, sizeof(preface) - 1);
    return 0;
}
