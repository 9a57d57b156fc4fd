/* codec.c — field-name spelling and the hex codec of the JSON mapping (codec.h). */
#include "pipeline/otlpjson/codec.h"

#include <string.h>

void pf_pbjson_json_name(const char *proto_name, char out[PF_PBJSON_NAME_MAX])
{
    size_t n = 0;
    bool upper_next = false;
    for (const char *p = proto_name; *p && n + 1 < PF_PBJSON_NAME_MAX; p++) {
        if (*p == '_') {
            upper_next = true;
            continue;
        }
        char c = *p;
        if (upper_next && c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        upper_next = false;
        out[n++] = c;
    }
    out[n] = '\0';
}

size_t pf_pbjson_value_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    default: return 4;
    }
}

bool pf_pbjson_is_hex_field(const ProtobufCFieldDescriptor *f)
{
    return f->type == PROTOBUF_C_TYPE_BYTES &&
           (strcmp(f->name, "trace_id") == 0 || strcmp(f->name, "span_id") == 0 || strcmp(f->name, "profile_id") == 0);
}

void pf_pbjson_hex_append(pf_buf *out, const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    pf_buf_reserve(out, len * 2);
    char *w = out->data + out->len;
    for (size_t i = 0; i < len; i++) {
        *w++ = digits[data[i] >> 4];
        *w++ = digits[data[i] & 15];
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool pf_pbjson_hex_decode(const char *s, size_t len, uint8_t *out, size_t *out_len)
{
    if (len % 2) return false;
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = len / 2;
    return true;
}
