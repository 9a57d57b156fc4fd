/* fuzz_pprof_gz.c — a gzipped pprof as targets serve it (see fuzz_pprof_common.h): the bytes as
 * given (gzip framing, truncation, bombs bounded by max_bytes), and the same bytes gzipped by us so
 * every input also reaches the Profile decoder through a valid gzip stream. */
#include "net/compress.h"
#include "tests/fuzz/fuzz_pprof_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_pprof_input(data, size);
    if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) {
        pf_buf gz = {0};
        FUZZ_CHECK(pf_compress("gzip", data, size, &gz), "gzip failed");
        fuzz_pprof_input((const uint8_t *)gz.data, gz.len);
        pf_buf_free(&gz);
    }
    return 0;
}
