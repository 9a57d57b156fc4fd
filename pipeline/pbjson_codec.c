/* pbjson_codec.c — field-name spelling and the base64/hex codecs of the JSON mapping (pbjson_codec.h). */
#include "pipeline/pbjson_codec.h"

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
           (strcmp(f->name, "trace_id") == 0 || strcmp(f->name, "span_id") == 0 ||
            strcmp(f->name, "profile_id") == 0);
}

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void pf_pbjson_base64_append(pf_buf *out, const uint8_t *data, size_t len)
{
    pf_buf_reserve(out, (len + 2) / 3 * 4);
    char *w = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *w++ = base64_alphabet[v >> 18];
        *w++ = base64_alphabet[(v >> 12) & 63];
        *w++ = base64_alphabet[(v >> 6) & 63];
        *w++ = base64_alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);
        *w++ = base64_alphabet[v >> 18];
        *w++ = base64_alphabet[(v >> 12) & 63];
        *w++ = i + 1 < len ? base64_alphabet[(v >> 6) & 63] : '=';
        *w++ = '=';
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
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

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool pf_pbjson_base64_decode(const char *s, size_t len, uint8_t *out, size_t *out_len)
{
    while (len > 0 && s[len - 1] == '=') len--;
    if (len % 4 == 1) return false;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int v = base64_value(s[i]);
        if (v < 0) return false;
        acc = ((acc << 6) | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    *out_len = n;
    return true;
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
