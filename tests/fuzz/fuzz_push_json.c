/* fuzz_push_json.c — push.v1.PusherService/Push bodies in the Connect JSON codec (application/json):
 * pf_pbjson_decode (base64 raw_profile, enum and int64 forms), see fuzz_push_common.h. */
#include "pipeline/otlpjson/pbjson.h"
#include "tests/fuzz/fuzz_push_common.h"

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
    pf_arena *a = pf_arena_create(1 << 14);
    ProtobufCAllocator al = pf_arena_allocator(a);
    ProtobufCMessage *m = NULL;
    char err[512] = "";
    if (pf_pbjson_decode(&push__v1__push_request__descriptor, json, size, &al, &m, err, sizeof(err)))
        fuzz_push_request((Push__V1__PushRequest *)m, a);
    else
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
    pf_arena_destroy(a);
    free(json);
    return 0;
}
