/* wire_validate.c — validating a serialized ExportProfilesServiceRequest without decoding it
 * (pf_wire_validate in wire.h).
 *
 * It checks what pf_batch_decode() + pf_batch_validate() check — the wire structure of every known
 * field (protobuf-c refuses a known field with another wire type, truncated or overlong varints,
 * packed fixed64 of a length that is not a multiple of 8, groups), every dictionary reference against
 * the table sizes (an empty table counts 1: validation adds its zero entry), id lengths, and equal
 * numbers of values and timestamps — and counts profiles and samples. It never accepts what the tree
 * path would refuse or change: where it is stricter (a singular field repeated is checked in every
 * occurrence, not only the last; nested attribute values are checked too), it answers false and the
 * caller takes the tree path, which decides and gives the message.
 *
 * Two passes: the dictionary's table sizes first (the dictionary may come after the profiles), then
 * every reference. Nothing is allocated. */
#include "pipeline/model/wire.h"

#include <stdint.h>

typedef struct rd {
    const uint8_t *p, *end;
} rd;

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

typedef struct limits {
    size_t strings, mappings, locations, functions, links, attrs, stacks;
    size_t *attribute_refs; /* counts key_strindex / string_value_strindex uses */
} limits;

typedef struct scan {
    limits n; /* counted entries (pass 1); limits used in pass 2 are at least 1 */
    size_t resources, profiles, samples;
    size_t v1_9_decisive, with_values, attrs_only; /* the v1.9 layout signals (pf_wire_looks_v1_9) */
} scan;

static inline bool varint(rd *r, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 70 && r->p < r->end; shift += 7) {
        uint8_t b = *r->p++;
        if (shift == 63 && b > 1) return false; /* more than 64 bits */
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

static inline bool tag(rd *r, uint32_t *field, int *wt)
{
    uint64_t k;
    if (!varint(r, &k) || k > UINT32_MAX) return false;
    *field = (uint32_t)(k >> 3);
    *wt = (int)(k & 7);
    return *field != 0;
}

static inline bool sub(rd *r, rd *s)
{
    uint64_t n;
    if (!varint(r, &n) || n > (uint64_t)(r->end - r->p)) return false;
    s->p = r->p;
    s->end = r->p + n;
    r->p += n;
    return true;
}

/* Skips a field of an unknown number; groups (3, 4) and wire types 6, 7 are refused like protobuf-c. */
static bool skip(rd *r, int wt)
{
    uint64_t v;
    rd s;
    switch (wt) {
    case WT_VARINT: return varint(r, &v);
    case WT_I64:
        if (r->end - r->p < 8) return false;
        r->p += 8;
        return true;
    case WT_LEN: return sub(r, &s);
    case WT_I32:
        if (r->end - r->p < 4) return false;
        r->p += 4;
        return true;
    default: return false;
    }
}

static inline bool index_ok(uint64_t v, size_t limit)
{
    int32_t i = (int32_t)(uint32_t)v; /* protobuf-c keeps the low 32 bits of an int32 varint */
    return i >= 0 && (size_t)i < (limit ? limit : 1);
}

/* One int32 index (varint) checked against limit. */
static inline bool one_index(rd *r, int wt, size_t limit)
{
    uint64_t v;
    return wt == WT_VARINT && varint(r, &v) && index_ok(v, limit);
}

/* A repeated int32 index field, packed or not: each element checked against limit. */
static bool indices(rd *r, int wt, size_t limit)
{
    if (wt == WT_VARINT) return one_index(r, wt, limit);
    rd s;
    if (wt != WT_LEN || !sub(r, &s)) return false;
    while (s.p < s.end) {
        uint64_t v;
        if (!varint(&s, &v) || !index_ok(v, limit)) return false;
    }
    return true;
}

/* A repeated int64/uint64 (varint) field, packed or not; adds the element count to *n. */
static bool varints(rd *r, int wt, size_t *n)
{
    uint64_t v;
    if (wt == WT_VARINT) {
        (*n)++;
        return varint(r, &v);
    }
    rd s;
    if (wt != WT_LEN || !sub(r, &s)) return false;
    while (s.p < s.end) {
        if (!varint(&s, &v)) return false;
        (*n)++;
    }
    return true;
}

/* A repeated fixed64 field, packed or not; adds the element count to *n. */
static bool fixed64s(rd *r, int wt, size_t *n)
{
    if (wt == WT_I64) {
        (*n)++;
        return skip(r, wt);
    }
    rd s;
    if (wt != WT_LEN || !sub(r, &s) || (s.end - s.p) % 8) return false;
    *n += (size_t)(s.end - s.p) / 8;
    return true;
}

static inline bool scalar(rd *r, int wt, int want) { return wt == want && skip(r, wt); }

/* bytes/string of one of the allowed lengths (a < 0: any). */
static bool bytes_len(rd *r, int wt, long a, long b)
{
    rd s;
    if (wt != WT_LEN || !sub(r, &s)) return false;
    long n = (long)(s.end - s.p);
    return a < 0 || n == a || n == b;
}

/* ---------------------------------------------------------------- common.proto */

static bool any_value(rd r, const limits *n, int depth);

static bool key_value(rd r, const limits *n, int depth)
{
    bool has_key = false, has_index = false, index_valid = true;
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        rd s;
        switch (f) {
        case 1:
            if (wt != WT_LEN || !sub(&r, &s)) return false;
            has_key = s.end > s.p; /* the last occurrence wins */
            break;
        case 2:
            if (wt != WT_LEN || !sub(&r, &s) || !any_value(s, n, depth + 1)) return false;
            break;
        case 3: {
            uint64_t v;
            if (wt != WT_VARINT || !varint(&r, &v)) return false;
            has_index = true;
            index_valid = index_valid && index_ok(v, n->strings);
            break;
        }
        default:
            if (!skip(&r, wt)) return false;
        }
    }
    /* validation checks key_strindex when the key is empty (an absent key_strindex is 0: valid) */
    if (has_index && !has_key) (*n->attribute_refs)++;
    return has_key || !has_index || index_valid;
}

static bool any_value(rd r, const limits *n, int depth)
{
    if (depth > 64) return false; /* the nesting guard already bounds it; the tree path decides */
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        rd s;
        bool ok;
        switch (f) {
        case 1:
        case 7: ok = wt == WT_LEN && sub(&r, &s); break;
        case 2:
        case 3: ok = scalar(&r, wt, WT_VARINT); break;
        case 4: ok = scalar(&r, wt, WT_I64); break;
        case 5:
        case 6: /* ArrayValue / KeyValueList: repeated field 1 */
            ok = wt == WT_LEN && sub(&r, &s);
            while (ok && s.p < s.end) {
                uint32_t f2;
                int wt2;
                rd e;
                ok = tag(&s, &f2, &wt2);
                if (!ok) break;
                if (f2 != 1) {
                    ok = skip(&s, wt2);
                    continue;
                }
                ok = wt2 == WT_LEN && sub(&s, &e) && (f == 5 ? any_value(e, n, depth + 1) : key_value(e, n, depth + 1));
            }
            break;
        case 8:
            ok = one_index(&r, wt, n->strings);
            (*n->attribute_refs)++;
            break;
        default: ok = skip(&r, wt); break;
        }
        if (!ok) return false;
    }
    return true;
}

/* Repeated KeyValue at field `field` of a message (Resource: 1, InstrumentationScope: 3); other known
 * fields are checked by `other`. */
static bool attributes_holder(rd r, const limits *n, uint32_t kv_field, bool (*other)(rd *r, uint32_t f, int wt))
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        rd s;
        if (f == kv_field) {
            if (wt != WT_LEN || !sub(&r, &s) || !key_value(s, n, 0)) return false;
        } else if (!other(&r, f, wt)) {
            return false;
        }
    }
    return true;
}

static bool resource_other(rd *r, uint32_t f, int wt)
{
    rd s;
    switch (f) {
    case 2: return scalar(r, wt, WT_VARINT);
    case 3: { /* EntityRef: strings only */
        if (wt != WT_LEN || !sub(r, &s)) return false;
        while (s.p < s.end) {
            uint32_t f2;
            int wt2;
            if (!tag(&s, &f2, &wt2)) return false;
            if (f2 >= 1 && f2 <= 4 ? !bytes_len(&s, wt2, -1, -1) : !skip(&s, wt2)) return false;
        }
        return true;
    }
    default: return skip(r, wt);
    }
}

static bool scope_other(rd *r, uint32_t f, int wt)
{
    switch (f) {
    case 1:
    case 2: return bytes_len(r, wt, -1, -1);
    case 4: return scalar(r, wt, WT_VARINT);
    default: return skip(r, wt);
    }
}

/* ---------------------------------------------------------------- profiles.proto */

static bool value_type(rd r, const limits *n)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        if (f == 1 || f == 2 ? !one_index(&r, wt, n->strings) : !skip(&r, wt)) return false;
    }
    return true;
}

static bool sample(rd r, const limits *n, scan *sc)
{
    size_t values = 0, timestamps = 0;
    bool attrs = false, values_field = false, timestamps_field = false;
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        bool ok;
        switch (f) {
        case 1: ok = one_index(&r, wt, n->stacks); break;
        case 2:
            ok = indices(&r, wt, n->attrs);
            attrs = true;
            break;
        case 3: ok = one_index(&r, wt, n->links); break; /* v1.9's packed attribute_indices fail here */
        case 4:
            ok = varints(&r, wt, &values);
            values_field = true;
            if (wt == WT_VARINT) sc->v1_9_decisive++; /* v1.9's link_index */
            break;
        case 5:
            ok = fixed64s(&r, wt, &timestamps);
            timestamps_field = true;
            break;
        default: ok = skip(&r, wt); break;
        }
        if (!ok) return false;
    }
    sc->with_values += values_field;
    sc->attrs_only += attrs && !values_field && !timestamps_field;
    return !(values && timestamps && values != timestamps);
}

static bool profile(rd r, const limits *n, scan *sc)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        rd s;
        bool ok;
        switch (f) {
        case 1:
        case 5: ok = wt == WT_LEN && sub(&r, &s) && value_type(s, n); break;
        case 2:
            ok = wt == WT_LEN && sub(&r, &s) && sample(s, n, sc);
            sc->samples++;
            break;
        case 3: ok = scalar(&r, wt, WT_I64); break;
        case 4:
        case 6:
        case 8: ok = scalar(&r, wt, WT_VARINT); break;
        case 7: ok = bytes_len(&r, wt, 0, 16); break;
        case 9:
        case 10: ok = bytes_len(&r, wt, -1, -1); break;
        case 11: ok = indices(&r, wt, n->attrs); break;
        default: ok = skip(&r, wt); break;
        }
        if (!ok) return false;
    }
    sc->profiles++;
    return true;
}

static bool scope_profiles(rd r, const limits *n, scan *sc)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        rd s;
        bool ok;
        switch (f) {
        case 1: ok = wt == WT_LEN && sub(&r, &s) && attributes_holder(s, n, 3, scope_other); break;
        case 2: ok = wt == WT_LEN && sub(&r, &s) && profile(s, n, sc); break;
        case 3: ok = bytes_len(&r, wt, -1, -1); break;
        default: ok = skip(&r, wt); break;
        }
        if (!ok) return false;
    }
    return true;
}

static bool resource_profiles(rd r, const limits *n, scan *sc)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        rd s;
        bool ok;
        switch (f) {
        case 1: ok = wt == WT_LEN && sub(&r, &s) && attributes_holder(s, n, 1, resource_other); break;
        case 2: ok = wt == WT_LEN && sub(&r, &s) && scope_profiles(s, n, sc); break;
        case 3: ok = bytes_len(&r, wt, -1, -1); break;
        default: ok = skip(&r, wt); break;
        }
        if (!ok) return false;
    }
    return true;
}

/* ---------------------------------------------------------------- dictionary */

static bool mapping(rd r, const limits *n)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        bool ok;
        switch (f) {
        case 1:
        case 2:
        case 3: ok = scalar(&r, wt, WT_VARINT); break;
        case 4: ok = one_index(&r, wt, n->strings); break;
        case 5: ok = indices(&r, wt, n->attrs); break;
        default: ok = skip(&r, wt); break;
        }
        if (!ok) return false;
    }
    return true;
}

static bool line(rd r, const limits *n)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        bool ok = f == 1             ? one_index(&r, wt, n->functions)
                  : f == 2 || f == 3 ? scalar(&r, wt, WT_VARINT)
                                     : skip(&r, wt);
        if (!ok) return false;
    }
    return true;
}

static bool location(rd r, const limits *n)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        rd s;
        bool ok;
        switch (f) {
        case 1: ok = one_index(&r, wt, n->mappings); break;
        case 2: ok = scalar(&r, wt, WT_VARINT); break;
        case 3: ok = wt == WT_LEN && sub(&r, &s) && line(s, n); break;
        case 4: ok = indices(&r, wt, n->attrs); break;
        default: ok = skip(&r, wt); break;
        }
        if (!ok) return false;
    }
    return true;
}

static bool function(rd r, const limits *n)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        bool ok = f >= 1 && f <= 3 ? one_index(&r, wt, n->strings) : f == 4 ? scalar(&r, wt, WT_VARINT) : skip(&r, wt);
        if (!ok) return false;
    }
    return true;
}

static bool link(rd r)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        bool ok = f == 1 ? bytes_len(&r, wt, 0, 16) : f == 2 ? bytes_len(&r, wt, 0, 8) : skip(&r, wt);
        if (!ok) return false;
    }
    return true;
}

static bool attribute(rd r, const limits *n)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        rd s;
        bool ok = f == 1 || f == 3 ? one_index(&r, wt, n->strings)
                  : f == 2         ? wt == WT_LEN && sub(&r, &s) && any_value(s, n, 0)
                                   : skip(&r, wt);
        if (!ok) return false;
    }
    return true;
}

static bool stack(rd r, const limits *n)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        if (f == 1 ? !indices(&r, wt, n->locations) : !skip(&r, wt)) return false;
    }
    return true;
}

/* count: pass 1 (table sizes into *counted); else pass 2 (every entry checked against *n). */
static bool dictionary(rd r, limits *counted, const limits *n, bool count)
{
    uint32_t f;
    int wt;
    while (r.p < r.end) {
        if (!tag(&r, &f, &wt)) return false;
        if (f < 1 || f > 7) {
            if (!skip(&r, wt)) return false;
            continue;
        }
        rd s;
        if (wt != WT_LEN || !sub(&r, &s)) return false;
        if (count) {
            size_t *c[8] = {NULL,
                            &counted->mappings,
                            &counted->locations,
                            &counted->functions,
                            &counted->links,
                            &counted->strings,
                            &counted->attrs,
                            &counted->stacks};
            (*c[f])++;
            continue;
        }
        bool ok;
        switch (f) {
        case 1: ok = mapping(s, n); break;
        case 2: ok = location(s, n); break;
        case 3: ok = function(s, n); break;
        case 4: ok = link(s); break;
        case 6: ok = attribute(s, n); break;
        case 7: ok = stack(s, n); break;
        default: ok = true; break; /* a string */
        }
        if (!ok) return false;
    }
    return true;
}

bool pf_wire_validate(const uint8_t *buf, size_t len, pf_wire_counts *out)
{
    scan sc = {0};
    size_t refs = 0;
    sc.n.attribute_refs = &refs;
    for (int pass = 1; pass <= 2; pass++) {
        rd r = {buf, buf + len};
        uint32_t f;
        int wt;
        while (r.p < r.end) {
            if (!tag(&r, &f, &wt)) return false;
            rd s;
            if (f == 1 || f == 2) {
                if (wt != WT_LEN || !sub(&r, &s)) return false;
                if (f == 2 && !dictionary(s, &sc.n, &sc.n, pass == 1)) return false;
                if (f == 1 && pass == 2 && !resource_profiles(s, &sc.n, &sc)) return false;
                if (f == 1 && pass == 2) sc.resources++;
            } else if (!skip(&r, wt)) {
                return false;
            }
        }
    }
    out->attribute_refs = refs;
    out->resources = sc.resources;
    out->profiles = sc.profiles;
    out->samples = sc.samples;
    out->v1_9_layout = pf_wire_looks_v1_9(sc.v1_9_decisive, sc.with_values, sc.attrs_only);
    return true;
}
