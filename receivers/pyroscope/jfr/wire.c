/* wire.c — JFR primitive encodings: LEB128 or big-endian integers, floats, strings; see
 * jfr_internal.h. */
#include <string.h>

#include "receivers/pyroscope/jfr/jfr_internal.h"

void jfr_rd_init(jfr_rd *r, const uint8_t *p, size_t len, bool compressed)
{
    r->start = r->p = p;
    r->end = p + len;
    r->compressed = compressed;
    r->ok = true;
    r->why = NULL;
}

void jfr_rd_fail(jfr_rd *r, const char *why)
{
    if (r->ok) r->why = why;
    r->ok = false;
    r->p = r->end;
}

size_t jfr_rd_offset(const jfr_rd *r) { return (size_t)(r->p - r->start); }
size_t jfr_rd_left(const jfr_rd *r) { return (size_t)(r->end - r->p); }

uint8_t jfr_rd_u8(jfr_rd *r)
{
    if (r->p >= r->end) {
        jfr_rd_fail(r, "unexpected end of data");
        return 0;
    }
    return *r->p++;
}

static uint64_t read_be(jfr_rd *r, size_t n)
{
    if (jfr_rd_left(r) < n) {
        jfr_rd_fail(r, "unexpected end of data");
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = (v << 8) | r->p[i];
    r->p += n;
    return v;
}

/* JFR's LEB128 variant: at most 9 bytes, the 9th contributing all 8 bits. */
static uint64_t read_varint(jfr_rd *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t b = jfr_rd_u8(r);
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) return v;
    }
    return v | ((uint64_t)jfr_rd_u8(r) << 56);
}

int64_t jfr_rd_long(jfr_rd *r) { return (int64_t)(r->compressed ? read_varint(r) : read_be(r, 8)); }
int32_t jfr_rd_int(jfr_rd *r) { return (int32_t)(uint32_t)(r->compressed ? read_varint(r) : read_be(r, 4)); }
int16_t jfr_rd_short(jfr_rd *r) { return (int16_t)(uint16_t)(r->compressed ? read_varint(r) : read_be(r, 2)); }

float jfr_rd_float(jfr_rd *r)
{
    uint32_t bits = (uint32_t)read_be(r, 4);
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

double jfr_rd_double(jfr_rd *r)
{
    uint64_t bits = read_be(r, 8);
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

size_t jfr_rd_count(jfr_rd *r, size_t min_item_bytes)
{
    int32_t n = jfr_rd_int(r);
    if (n < 0 || (size_t)n > jfr_rd_left(r) / (min_item_bytes ? min_item_bytes : 1)) {
        jfr_rd_fail(r, "element count larger than the remaining data");
        return 0;
    }
    return (size_t)n;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

enum { STR_NULL = 0, STR_EMPTY = 1, STR_CPOOL = 2, STR_UTF8 = 3, STR_CHARS = 4, STR_LATIN1 = 5 };

const char *jfr_rd_string(jfr_rd *r, pf_arena *a, int64_t *cp_id)
{
    if (cp_id) *cp_id = -1;
    uint8_t enc = jfr_rd_u8(r);
    switch (enc) {
    case STR_NULL: return NULL;
    case STR_EMPTY: return a ? "" : NULL;
    case STR_CPOOL: {
        int64_t id = jfr_rd_long(r);
        if (cp_id) *cp_id = id;
        return NULL;
    }
    case STR_UTF8: {
        size_t n = jfr_rd_count(r, 1);
        const uint8_t *p = r->p;
        r->p += n;
        return a && r->ok ? pf_arena_strndup(a, (const char *)p, n) : NULL;
    }
    case STR_LATIN1: {
        size_t n = jfr_rd_count(r, 1);
        const uint8_t *p = r->p;
        r->p += n;
        if (!a || !r->ok) return NULL;
        char *s = pf_arena_alloc(a, 2 * n + 1);
        size_t o = 0;
        for (size_t i = 0; i < n; i++) o += put_utf8(s + o, p[i]);
        s[o] = '\0';
        return s;
    }
    case STR_CHARS: {
        size_t n = jfr_rd_count(r, 1);
        char *s = a ? pf_arena_alloc(a, 4 * n + 1) : NULL;
        size_t o = 0;
        uint32_t high = 0;
        for (size_t i = 0; i < n && r->ok; i++) {
            uint32_t unit = (uint16_t)jfr_rd_short(r);
            if (!s) continue;
            if (unit >= 0xd800 && unit < 0xdc00) {
                high = unit;
                continue;
            }
            uint32_t cp = unit;
            if (unit >= 0xdc00 && unit < 0xe000 && high) cp = 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00);
            high = 0;
            o += put_utf8(s + o, cp);
        }
        if (s) s[o] = '\0';
        return r->ok ? s : NULL;
    }
    default: jfr_rd_fail(r, "unknown string encoding"); return NULL;
    }
}
