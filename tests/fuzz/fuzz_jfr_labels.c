/* fuzz_jfr_labels.c — the `labels` part of a multipart JFR upload (a LabelsSnapshot protobuf that
 * maps JFR context ids to label sets): pf_jfr_labels_decode, then lookups of every id. */
#include "receivers/pyroscope/jfr/labels.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_arena *a = pf_arena_create(4096);
    pf_jfr_labels l;
    char err[512] = "";
    if (pf_jfr_labels_decode(data, size, a, &l, err, sizeof(err))) {
        for (uint64_t id = 0; id < 64; id++) {
            const pf_jfr_context *c = pf_jfr_labels_context(&l, id);
            if (c) FUZZ_CHECK(c->n == 0 || c->labels != NULL, "context %llu: labels missing", (unsigned long long)id);
        }
    } else {
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
    }
    pf_arena_destroy(a);
    return 0;
}
