/* fuzz_otlp_proto.c — bytes of an OTLP ExportProfilesServiceRequest as the otlp receiver gets them
 * (gRPC message or HTTP protobuf body): the receiver's wire check first (pf_wire_validate, which
 * decides whether the request is forwarded as bytes), then pf_batch_decode → pf_batch_validate strict
 * and, on a copy, partial (the receiver's tree path) → a partially valid batch goes through every
 * processor with a fixed config (fuzz_pipeline.h) → the exporters' conversions (pprof,
 * re-serialization). What the wire check accepts, the tree path must accept whole, with the same
 * counts and the same v1.9-layout verdict. */
#include "pipeline/model/wire.h"
#include "receivers/otlp/otlp_receiver.h"
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
    pf_wire_counts wc = {0};
    bool wire_ok = pf_wire_validate(data, size, &wc);
    pf_batch *strict = pf_batch_decode(data, size);
    if (!strict) {
        FUZZ_CHECK(!wire_ok, "the wire check accepted a request that does not decode");
        return 0;
    }
    pf_batch *partial = pf_batch_clone(strict);
    char err[512] = "";
    bool strict_ok = pf_batch_validate(strict, NULL, err, sizeof(err));
    if (wire_ok) {
        FUZZ_CHECK(strict_ok, "the wire check accepted a request validation refuses: %s", err);
        FUZZ_CHECK(wc.samples == pf_batch_sample_count(strict) && wc.profiles == pf_batch_profile_count(strict),
                   "wire counts %zu samples / %zu profiles, the tree %zu / %zu", wc.samples, wc.profiles,
                   pf_batch_sample_count(strict), pf_batch_profile_count(strict));
        FUZZ_CHECK(wc.v1_9_layout == otlp_request_is_v1_9_layout(data, size), "v1.9 layout verdicts differ");
    }
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
