/* fuzz_otlp_reply.c — what an OTLP backend answers the otlp/otlphttp exporters: an
 * ExportProfilesServiceResponse in protobuf (first input byte even) or OTLP/JSON (odd), read by
 * pf_otlp_reply_read for its partial_success (rejected count into a metric, message into a log). */
#include "receivers/helper/otlp_reply.h"
#include "tests/fuzz/fuzz_common.h"

static pf_otlp_reply reply;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    pf_otlp_reply_init(&reply, "otlphttp/fuzz");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t *body = malloc(size - 1 ? size - 1 : 1);
    memcpy(body, data + 1, size - 1);
    (void)pf_otlp_reply_read(&reply, body, size - 1, data[0] & 1);
    free(body);
    return 0;
}
