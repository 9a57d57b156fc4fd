/* fuzz_jfr.c — a JFR recording as Java agents post it to /ingest?format=jfr (raw body): the chunk
 * decoder (header, metadata, constant pools, execution/allocation/monitor/park events) into pprofs,
 * then the receiver's batch. */
#include "tests/fuzz/fuzz_pyro_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)fuzz_pyro_body("name=java.app%7Benv%3Dfuzz%7D&format=jfr&from=1700000000&until=1700000010&spyName=javaspy",
                         "application/octet-stream", data, size);
    return 0;
}
