/* fuzz_otlp_json.c — an OTLP/JSON ExportProfilesServiceRequest body as the otlp receiver's HTTP
 * endpoint gets it (Content-Type application/json): pf_pbjson_decode into the batch's arena the way
 * receivers/otlp/export.c does, pf_batch_validate (partial), then the exporters' conversions, and the
 * JSON encoder on the result (the receiver answers JSON clients in JSON). */
#include "opentelemetry/proto/collector/profiles/v1development/profiles_service.pb-c.h"
#include "pipeline/otlpjson/pbjson.h"
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
    char *json = fuzz_cstr(data, size);
    pf_batch *b = pf_batch_new();
    ProtobufCAllocator al = pf_arena_allocator(b->arena);
    ProtobufCMessage *msg = NULL;
    char err[512] = "";
    if (!pf_pbjson_decode(&otlp_request_descriptor, json, size, &al, &msg, err, sizeof(err))) {
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
        pf_batch_unref(b);
        free(json);
        return 0;
    }
    otlp_request *req = (otlp_request *)msg;
    if (!req->dictionary) req->dictionary = b->req->dictionary;
    b->req = req;
    b->wire_bytes = size;
    pf_buf again = {0};
    pf_pbjson_encode(&req->base, &again);
    size_t rejected = 0;
    if (pf_batch_validate(b, &rejected, err, sizeof(err)))
        fuzz_check_validated_batch(b);
    else
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
    /* What we write as JSON must read back. */
    pf_arena *a = pf_arena_create(4096);
    ProtobufCAllocator al2 = pf_arena_allocator(a);
    ProtobufCMessage *m2 = NULL;
    FUZZ_CHECK(pf_pbjson_decode(&otlp_request_descriptor, again.data ? again.data : "{}", again.len ? again.len : 2,
                                &al2, &m2, err, sizeof(err)),
               "own JSON does not decode: %s", err);
    pf_arena_destroy(a);
    pf_buf_free(&again);
    pf_batch_unref(b);
    free(json);
    return 0;
}
