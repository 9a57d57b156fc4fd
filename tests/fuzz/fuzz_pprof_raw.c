/* fuzz_pprof_raw.c — an uncompressed pprof Profile (see fuzz_pprof_common.h). Seeds are the pprof
 * fixtures gunzipped, so mutations reach the protobuf directly. */
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
    return 0;
}
