/* pbjson_convert.c — test tool driving pipeline/otlpjson/pbjson.h for the Python cross-check
 * (tests/integration/test_pbjson_python.py). Reads stdin, writes stdout:
 *   --json-to-proto   ExportProfilesServiceRequest as OTLP/JSON -> serialized protobuf
 *                     (exit 1 with the decoder's message on stderr when the JSON is rejected)
 *   --proto-to-json   serialized protobuf -> OTLP/JSON
 *   --sample-proto    (no input) the realistic request of tests/unit/export_test_batch.h, serialized */
#include <stdio.h>
#include <string.h>

#include "pipeline/otlpjson/pbjson.h"
#include "tests/tools/tool_util.h"
#include "tests/unit/export_test_batch.h"

static int json_to_proto(const pf_buf *in, pf_buf *out)
{
    pf_arena *a = pf_arena_create(4096);
    ProtobufCAllocator al = pf_arena_allocator(a);
    ProtobufCMessage *m;
    char err[512];
    int rc = 0;
    if (pf_pbjson_decode(&otlp_request_descriptor, in->data, in->len, &al, &m, err, sizeof(err))) {
        pf_buf_reserve(out, protobuf_c_message_get_packed_size(m));
        out->len = protobuf_c_message_pack(m, (uint8_t *)out->data);
    } else {
        fprintf(stderr, "%s\n", err);
        rc = 1;
    }
    pf_arena_destroy(a);
    return rc;
}

static int proto_to_json(const pf_buf *in, pf_buf *out)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(&otlp_request_descriptor, NULL, in->len, (const uint8_t *)in->data);
    if (!m) {
        fprintf(stderr, "input is not a serialized ExportProfilesServiceRequest\n");
        return 1;
    }
    pf_pbjson_encode(m, out);
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    pf_buf in = {0}, out = {0};
    int rc;
    if (strcmp(mode, "--sample-proto") == 0) {
        pf_batch *b = export_test_batch();
        pf_batch_pack(b, &out);
        pf_batch_unref(b);
        rc = 0;
    } else if (strcmp(mode, "--json-to-proto") == 0 || strcmp(mode, "--proto-to-json") == 0) {
        tool_read_stream(stdin, &in);
        rc = mode[2] == 'j' ? json_to_proto(&in, &out) : proto_to_json(&in, &out);
    } else {
        fprintf(stderr, "usage: pbjson_convert --json-to-proto | --proto-to-json | --sample-proto\n");
        rc = 2;
    }
    if (rc == 0) fwrite(out.data, 1, out.len, stdout);
    pf_buf_free(&in);
    pf_buf_free(&out);
    return rc;
}
