/* fuzz_http1.c — the HTTP/1.1 request path of the server: bytes on a fresh connection through
 * protocol detection, libhttp-parser callbacks, header/URL collection, limits (413, 431, 400),
 * keep-alive and pipelining, up to routing (auth, 404/405) and the handlers (fuzz_http_common.h). */
#include "tests/fuzz/fuzz_http_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_http_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_http_feed(data, size, NULL, 0);
    return 0;
}
