/* fuzz_folded.c — /ingest text bodies: `folded` ("a;b;c 123" lines, the default format) and `lines`
 * (one stack per line). The first byte picks the format and the legacy app-name suffix (cpu, alloc
 * objects, inuse space, wall, …) that decides sample types and units; the rest is the body. */
#include "tests/fuzz/fuzz_pyro_common.h"

static const char *const queries[] = {
    "name=app.cpu%7Bregion%3Deu%7D&from=1700000000&until=1700000010&sampleRate=100",
    "name=app.alloc_objects&format=folded&spyName=gospy",
    "name=app.inuse_space&format=folded&units=bytes&aggregationType=average",
    "name=app.wall&format=lines&sampleRate=1000",
    "name=app.cpu&format=lines",
    "name=app.mutex_count&format=groups",
    "name=app.block_duration&format=folded&from=now-10s&until=now",
    "name=app.goroutines%7B%7D&format=folded&sampleRate=0",
};

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
    const char *q = queries[data[0] % (sizeof(queries) / sizeof(queries[0]))];
    uint8_t *body = malloc(size - 1 ? size - 1 : 1);
    memcpy(body, data + 1, size - 1);
    (void)fuzz_pyro_body(q, data[0] & 0x80 ? "text/plain" : NULL, body, size - 1);
    free(body);
    return 0;
}
