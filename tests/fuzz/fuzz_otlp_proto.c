/* fuzz_otlp_proto.c — bytes of an OTLP ExportProfilesServiceRequest as the otlp receiver gets them
 * (gRPC message or HTTP protobuf body): pf_batch_decode → pf_batch_validate strict and, on a copy,
 * partial (what the receiver does) → a partially valid batch goes through every processor with a
 * fixed config (fuzz_pipeline.h) → the exporters' conversions (pprof, re-serialization). */
#include "tests/fuzz/fuzz_pipeline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    fuzz_pipeline_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_batch *strict = pf_batch_decode(data, size);
    if (!strict) return 0;
    pf_batch *partial = pf_batch_clone(strict);
    char err[512] = "";
    bool strict_ok = pf_batch_validate(strict, NULL, err, sizeof(err));
    if (!strict_ok)
        FUZZ_CHECK(err[0] != '\0', "strict refusal without a message");
    else
        fuzz_check_validated_batch(strict);
    size_t rejected = 0;
    err[0] = '\0';
    bool partial_ok = pf_batch_validate(partial, &rejected, err, sizeof(err));
    if (!partial_ok || rejected) FUZZ_CHECK(err[0] != '\0', "partial refusal without a message");
    if (strict_ok) FUZZ_CHECK(partial_ok && rejected == 0, "partial mode refused what strict accepted");
    pf_batch_unref(strict);
    if (partial_ok) {
        pf_batch_set_tenant(partial, size % 2 ? "tenant-a" : "tenant-b");
        fuzz_pipeline_run(partial, 2);
    } else {
        pf_batch_unref(partial);
    }
    return 0;
}
