/* encode.c — protobuf-c message -> compact OTLP/JSON (see pbjson.h for the mapping). */
#include "pipeline/otlpjson/pbjson.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/base/base64.h"
#include "pipeline/base/utf8.h"
#include "pipeline/otlpjson/codec.h"

static void encode_message(pf_buf *out, const ProtobufCMessage *m);

/* Proto strings must be UTF-8; invalid bytes become U+FFFD so the output always stays valid JSON. */
static void append_string(pf_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    pf_buf_reserve(out, len + 2);
    pf_buf_append(out, "\"", 1);
    size_t run = 0; /* bytes copied verbatim since the last escape */
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t seq = c < 0x80 ? 1 : pf_utf8_seq_len(p + i, len - i);
        const char *escape = NULL;
        char ctl[8];
        if (c == '"')
            escape = "\\\"";
        else if (c == '\\')
            escape = "\\\\";
        else if (c == '\n')
            escape = "\\n";
        else if (c == '\r')
            escape = "\\r";
        else if (c == '\t')
            escape = "\\t";
        else if (c < 0x20) {
            snprintf(ctl, sizeof(ctl), "\\u%04x", c);
            escape = ctl;
        } else if (seq == 0) {
            escape = "\\ufffd";
            seq = 1;
        }
        if (escape) {
            pf_buf_append(out, s + i - run, run);
            pf_buf_puts(out, escape);
            run = 0;
        } else {
            run += seq;
        }
        i += seq;
    }
    pf_buf_append(out, s + len - run, run);
    pf_buf_append(out, "\"", 1);
}

/* Shortest of %.15g..%.17g that reads back to exactly v (what Python's repr() and Go print). */
static void append_double(pf_buf *out, double v, int max_digits)
{
    if (isnan(v)) {
        pf_buf_puts(out, "\"NaN\"");
        return;
    }
    if (isinf(v)) {
        pf_buf_puts(out, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    char text[40];
    for (int digits = max_digits - 2; digits <= max_digits; digits++) {
        snprintf(text, sizeof(text), "%.*g", digits, v);
        if (max_digits == 9 ? strtof(text, NULL) == (float)v : strtod(text, NULL) == v) break;
    }
    pf_buf_puts(out, text);
}

static void encode_value(pf_buf *out, const ProtobufCFieldDescriptor *f, const void *v)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM: pf_buf_printf(out, "%" PRId32, *(const int32_t *)v); break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: pf_buf_printf(out, "%" PRIu32, *(const uint32_t *)v); break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: pf_buf_printf(out, "\"%" PRId64 "\"", *(const int64_t *)v); break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: pf_buf_printf(out, "\"%" PRIu64 "\"", *(const uint64_t *)v); break;
    case PROTOBUF_C_TYPE_FLOAT: append_double(out, *(const float *)v, 9); break;
    case PROTOBUF_C_TYPE_DOUBLE: append_double(out, *(const double *)v, 17); break;
    case PROTOBUF_C_TYPE_BOOL: pf_buf_puts(out, *(const protobuf_c_boolean *)v ? "true" : "false"); break;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)v;
        append_string(out, s ? s : "", s ? strlen(s) : 0);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = v;
        pf_buf_append(out, "\"", 1);
        if (pf_pbjson_is_hex_field(f))
            pf_pbjson_hex_append(out, bd->data, bd->len);
        else
            pf_base64_append(out, bd->data, bd->len);
        pf_buf_append(out, "\"", 1);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)v;
        if (sub)
            encode_message(out, sub);
        else
            pf_buf_puts(out, "{}");
        break;
    }
    }
}

/* Mirrors protobuf-c's rule for proto3 singular fields, so JSON omits exactly what the wire omits. */
static bool is_zero_value(const ProtobufCFieldDescriptor *f, const void *v)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)v;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)v)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE: return *(ProtobufCMessage *const *)v == NULL;
    case PROTOBUF_C_TYPE_FLOAT: return *(const float *)v == 0;
    case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)v == 0;
    case PROTOBUF_C_TYPE_BOOL: return !*(const protobuf_c_boolean *)v;
    default: {
        static const uint8_t zero[8];
        return memcmp(v, zero, pf_pbjson_value_size(f->type)) == 0;
    }
    }
}

static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const void *v)
{
    const char *base = (const char *)m;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
    switch (f->label) {
    case PROTOBUF_C_LABEL_REQUIRED: return true;
    case PROTOBUF_C_LABEL_REPEATED: return *(const size_t *)(base + f->quantifier_offset) > 0;
    case PROTOBUF_C_LABEL_OPTIONAL:
        if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING) return *(void *const *)v != NULL;
        return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
    case PROTOBUF_C_LABEL_NONE: return !is_zero_value(f, v);
    }
    return false;
}

static void encode_message(pf_buf *out, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    bool first = true;
    pf_buf_append(out, "{", 1);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *v = (const char *)m + f->offset;
        if (!field_present(m, f, v)) continue;
        char name[PF_PBJSON_NAME_MAX];
        pf_pbjson_json_name(f->name, name);
        pf_buf_printf(out, "%s\"%s\":", first ? "" : ",", name);
        first = false;
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            encode_value(out, f, v);
            continue;
        }
        size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
        const char *items = *(const char *const *)v;
        size_t step = pf_pbjson_value_size(f->type);
        pf_buf_append(out, "[", 1);
        for (size_t k = 0; k < n; k++) {
            if (k) pf_buf_append(out, ",", 1);
            encode_value(out, f, items + k * step);
        }
        pf_buf_append(out, "]", 1);
    }
    pf_buf_append(out, "}", 1);
}

void pf_pbjson_encode(const ProtobufCMessage *m, pf_buf *out) { encode_message(out, m); }
