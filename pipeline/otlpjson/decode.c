/* decode.c — OTLP/JSON -> protobuf-c message tree (see pbjson.h for the mapping).
 *
 * jansson parses the text; we then walk the message descriptor and pull each field out of the JSON
 * object, so unknown keys are ignored for free. The tree is kept consistent at every step (arrays
 * zeroed, counts set before elements are filled) so a failure part-way can be undone with
 * protobuf_c_message_free_unpacked(). */
#include "pipeline/otlpjson/pbjson.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/base/base64.h"
#include "pipeline/otlpjson/codec.h"

typedef struct decoder {
    ProtobufCAllocator *al;
    char path[1024];
    size_t path_len;
    char *err;
    size_t errlen;
} decoder;

static bool fail(decoder *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(decoder *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (d->errlen) snprintf(d->err, d->errlen, "%s%s%s", d->path, d->path_len ? ": " : "", msg);
    return false;
}

/* Appends ".name" or "[i]" to the path; returns the length to restore afterwards. */
static size_t path_push_name(decoder *d, const char *name)
{
    size_t saved = d->path_len;
    int n = snprintf(d->path + d->path_len, sizeof(d->path) - d->path_len, "%s%s", saved ? "." : "", name);
    if (n > 0) d->path_len += (size_t)n;
    if (d->path_len >= sizeof(d->path)) d->path_len = sizeof(d->path) - 1;
    return saved;
}

static size_t path_push_index(decoder *d, size_t i)
{
    size_t saved = d->path_len;
    int n = snprintf(d->path + d->path_len, sizeof(d->path) - d->path_len, "[%zu]", i);
    if (n > 0) d->path_len += (size_t)n;
    if (d->path_len >= sizeof(d->path)) d->path_len = sizeof(d->path) - 1;
    return saved;
}

static void path_pop(decoder *d, size_t saved)
{
    d->path_len = saved;
    d->path[saved] = '\0';
}

static void *zalloc(decoder *d, size_t size)
{
    void *p = d->al->alloc(d->al->allocator_data, size ? size : 1);
    if (!p) {
        fprintf(stderr, "proflow: out of memory allocating %zu bytes\n", size);
        abort();
    }
    memset(p, 0, size);
    return p;
}

static void *heap_alloc(void *unused, size_t size)
{
    (void)unused;
    return pf_xmalloc(size);
}

static void heap_free(void *unused, void *p)
{
    (void)unused;
    free(p);
}

/* ---- scalars ---- */

/* Integer from a JSON number, an integral real, or a decimal string. */
static bool json_to_int(decoder *d, const json_t *v, int64_t min, int64_t max, int64_t *out)
{
    long long x;
    if (json_is_integer(v)) {
        x = json_integer_value(v);
    } else if (json_is_real(v)) {
        double r = json_real_value(v);
        if (r != floor(r) || r < -9.2233720368547758e18 || r >= 9.2233720368547758e18)
            return fail(d, "expected an integer, got %g", r);
        x = (long long)r;
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        x = strtoll(s, &end, 10);
        if (!*s || (*s != '-' && (*s < '0' || *s > '9')) || *end || errno == ERANGE)
            return fail(d, "expected an integer, got \"%s\"", s);
    } else {
        return fail(d, "expected an integer");
    }
    if (x < min || x > max) return fail(d, "%lld out of range [%lld, %lld]", x, (long long)min, (long long)max);
    *out = x;
    return true;
}

static bool json_to_uint(decoder *d, const json_t *v, uint64_t max, uint64_t *out)
{
    unsigned long long x;
    if (json_is_string(v) && json_string_value(v)[0] != '-') {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        x = strtoull(s, &end, 10);
        if (*s < '0' || *s > '9' || *end || errno == ERANGE) return fail(d, "expected an integer, got \"%s\"", s);
    } else if (json_is_real(v) && json_real_value(v) >= 0) {
        double r = json_real_value(v);
        if (r != floor(r) || r >= 1.8446744073709552e19) return fail(d, "expected an integer, got %g", r);
        x = (unsigned long long)r;
    } else {
        /* Negative numbers and non-numbers: the signed parser gives the right message. */
        int64_t negative = 0;
        if (!json_to_int(d, v, INT64_MIN, INT64_MAX, &negative)) return false;
        if (negative < 0) return fail(d, "%lld out of range [0, %llu]", (long long)negative, (unsigned long long)max);
        x = (unsigned long long)negative;
    }
    if (x > max) return fail(d, "%llu out of range [0, %llu]", x, (unsigned long long)max);
    *out = x;
    return true;
}

static bool json_to_double(decoder *d, const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcmp(s, "NaN") == 0)
            *out = NAN;
        else if (strcmp(s, "Infinity") == 0)
            *out = INFINITY;
        else if (strcmp(s, "-Infinity") == 0)
            *out = -INFINITY;
        else {
            char *end;
            *out = strtod(s, &end);
            if (!*s || *end) return fail(d, "expected a number, got \"%s\"", s);
        }
        return true;
    }
    return fail(d, "expected a number");
}

static bool json_to_enum(decoder *d, const ProtobufCFieldDescriptor *f, const json_t *v, int32_t *out)
{
    if (json_is_string(v) && f->descriptor) {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, json_string_value(v));
        if (!ev) return fail(d, "unknown enum value \"%s\"", json_string_value(v));
        *out = ev->value;
        return true;
    }
    int64_t x;
    if (!json_to_int(d, v, INT32_MIN, INT32_MAX, &x)) return false;
    *out = (int32_t)x;
    return true;
}

static bool json_to_bytes(decoder *d, const ProtobufCFieldDescriptor *f, const json_t *v, ProtobufCBinaryData *out)
{
    if (!json_is_string(v)) return fail(d, "expected a %s string", pf_pbjson_is_hex_field(f) ? "hex" : "base64");
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    uint8_t *data = zalloc(d, len);
    size_t n = 0;
    bool hex = pf_pbjson_is_hex_field(f);
    bool ok = hex ? pf_pbjson_hex_decode(s, len, data, &n) : pf_base64_decode(s, len, data, &n);
    if (!ok || n == 0) {
        d->al->free(d->al->allocator_data, data);
        if (!ok) return fail(d, "invalid %s string", hex ? "hex" : "base64");
        data = NULL;
    }
    out->data = data;
    out->len = n;
    return true;
}

static bool decode_message(decoder *d, const ProtobufCMessageDescriptor *desc, const json_t *obj,
                           ProtobufCMessage **out);

/* Decodes one value of field f into the storage at slot (a struct member or an array element). */
static bool decode_value(decoder *d, const ProtobufCFieldDescriptor *f, const json_t *v, void *slot)
{
    int64_t i;
    uint64_t u;
    double r;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!json_to_int(d, v, INT32_MIN, INT32_MAX, &i)) return false;
        *(int32_t *)slot = (int32_t)i;
        return true;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!json_to_uint(d, v, UINT32_MAX, &u)) return false;
        *(uint32_t *)slot = (uint32_t)u;
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!json_to_int(d, v, INT64_MIN, INT64_MAX, &i)) return false;
        *(int64_t *)slot = i;
        return true;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (!json_to_uint(d, v, UINT64_MAX, &u)) return false;
        *(uint64_t *)slot = u;
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
        if (!json_to_double(d, v, &r)) return false;
        *(float *)slot = (float)r;
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_to_double(d, v, &r)) return false;
        *(double *)slot = r;
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v)) return fail(d, "expected true or false");
        *(protobuf_c_boolean *)slot = json_is_true(v);
        return true;
    case PROTOBUF_C_TYPE_ENUM: return json_to_enum(d, f, v, (int32_t *)slot);
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(v)) return fail(d, "expected a string");
        size_t len = json_string_length(v);
        char *s = zalloc(d, len + 1);
        memcpy(s, json_string_value(v), len);
        *(char **)slot = s;
        return true;
    }
    case PROTOBUF_C_TYPE_BYTES: return json_to_bytes(d, f, v, slot);
    case PROTOBUF_C_TYPE_MESSAGE: return decode_message(d, f->descriptor, v, slot);
    }
    return fail(d, "unsupported field type %d", (int)f->type);
}

static bool decode_repeated(decoder *d, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const json_t *v)
{
    if (!json_is_array(v)) return fail(d, "expected an array");
    size_t n = json_array_size(v);
    if (n == 0) return true;
    size_t step = pf_pbjson_value_size(f->type);
    char *items = zalloc(d, n * step);
    *(void **)((char *)m + f->offset) = items;
    *(size_t *)((char *)m + f->quantifier_offset) = n;
    for (size_t k = 0; k < n; k++) {
        const json_t *item = json_array_get(v, k);
        size_t saved = path_push_index(d, k);
        if (json_is_null(item)) return fail(d, "null is not allowed in an array");
        if (!decode_value(d, f, item, items + k * step)) return false;
        path_pop(d, saved);
    }
    return true;
}

/* Finds the JSON value of field f under its lowerCamelCase or its original name. */
static bool lookup_field(decoder *d, const json_t *obj, const ProtobufCFieldDescriptor *f, const char *json_name,
                         const json_t **out)
{
    const json_t *camel = json_object_get(obj, json_name);
    const json_t *original = strcmp(json_name, f->name) ? json_object_get(obj, f->name) : NULL;
    if (camel && original) return fail(d, "both \"%s\" and \"%s\" given", json_name, f->name);
    *out = camel ? camel : original;
    return true;
}

static const char *field_name_by_id(const ProtobufCMessageDescriptor *desc, uint32_t id)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(desc, id);
    return f ? f->name : "?";
}

static bool decode_field(decoder *d, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const json_t *v)
{
    char *base = (char *)m;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) return decode_repeated(d, m, f, v);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *which = (uint32_t *)(base + f->quantifier_offset);
        if (*which)
            return fail(d, "conflicts with \"%s\" (only one member of a oneof may be set)",
                        field_name_by_id(m->descriptor, *which));
        /* A default-initialized oneof string member would point at protobuf_c_empty_string; clear the
         * union first so a failure leaves nothing free_unpacked would mistake for allocated memory. */
        memset(base + f->offset, 0, pf_pbjson_value_size(f->type));
        *which = f->id;
    }
    if (!decode_value(d, f, v, base + f->offset)) return false;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
        f->type != PROTOBUF_C_TYPE_STRING)
        *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
    return true;
}

static bool decode_message(decoder *d, const ProtobufCMessageDescriptor *desc, const json_t *obj,
                           ProtobufCMessage **out)
{
    if (!json_is_object(obj)) return fail(d, "expected an object");
    ProtobufCMessage *m = zalloc(d, desc->sizeof_message);
    desc->message_init(m);
    *out = m;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const json_t *v = NULL;
        char json_name[PF_PBJSON_NAME_MAX];
        pf_pbjson_json_name(f->name, json_name);
        size_t saved = path_push_name(d, json_name);
        if (!lookup_field(d, obj, f, json_name, &v)) return false;
        if (v && !json_is_null(v) && !decode_field(d, m, f, v)) return false;
        path_pop(d, saved);
    }
    return true;
}

bool pf_pbjson_decode(const ProtobufCMessageDescriptor *desc, const char *json, size_t len, ProtobufCAllocator *al,
                      ProtobufCMessage **out, char *err, size_t errlen)
{
    ProtobufCAllocator heap = {.alloc = heap_alloc, .free = heap_free};
    decoder d = {.al = al ? al : &heap, .err = err, .errlen = errlen};
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        fail(&d, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return false;
    }
    ProtobufCMessage *m = NULL;
    bool ok = decode_message(&d, desc, root, &m);
    json_decref(root);
    if (!ok) {
        protobuf_c_message_free_unpacked(m, d.al);
        return false;
    }
    *out = m;
    return true;
}
