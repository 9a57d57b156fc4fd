/* fuzz_push_proto.c — push.v1.PusherService/Push bodies in protobuf (Connect application/proto, or
 * the unframed gRPC message), see fuzz_push_common.h. */
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
    pf_arena *a = pf_arena_create(1 << 14);
    ProtobufCAllocator al = pf_arena_allocator(a);
    Push__V1__PushRequest *pr = push__v1__push_request__unpack(&al, size, data);
    if (pr) fuzz_push_request(pr, a);
    pf_arena_destroy(a);
    return 0;
}
