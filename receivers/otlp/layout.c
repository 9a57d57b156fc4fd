/* layout.c — recognising an ExportProfilesServiceRequest written with the proto v1.9 Sample layout.
 *
 * opentelemetry-proto v1.10 renumbered Sample: v1.9 has values = 2 (packed int64), attribute_indices = 3
 * (packed int32), link_index = 4 (varint); v1.10+ has attribute_indices = 2, link_index = 3,
 * values = 4. The package name did not change, so a v1.9 request decodes "successfully" as v1.10 with
 * the values read as attribute indices and no values at all (Pyroscope stores such samples empty,
 * grafana/pyroscope-java#335), or fails to decode when a sample has attributes (a packed field 3
 * where v1.10 expects a varint).
 *
 * The scan walks the raw bytes ExportProfilesServiceRequest.resource_profiles(1) →
 * ResourceProfiles.scope_profiles(2) → ScopeProfiles.profiles(2) → Profile.samples(2) and looks at
 * each Sample's fields:
 *   - field 3 length-delimited: v1.9 packed attribute_indices (v1.10 link_index is a varint) — decisive;
 *   - field 4 as a varint: v1.9 link_index (v1.10 values are packed) — decisive;
 *   - no sample has field 4 at all, and some sample has field 2 without timestamps (field 5): a v1.10
 *     sample with attributes but neither values nor timestamps observes nothing, while a v1.9 sample
 *     with values looks exactly like that.
 * A v1.10 request has field 4 (packed values) in every sample that carries values, so none of the
 * signals fires on it. */
#include "receivers/otlp/otlp_receiver.h"

#include "pipeline/model/wire.h"

#include <stdint.h>

typedef struct wire {
    const uint8_t *p, *end;
} wire;

static bool varint(wire *w, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && w->p < w->end; shift += 7) {
        uint8_t b = *w->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Next field of a message: number, wire type and (for wire type 2) the payload. false at the end
 * or on malformed input. */
static bool next_field(wire *w, uint32_t *field, int *type, wire *payload)
{
    uint64_t tag, v;
    if (w->p >= w->end || !varint(w, &tag)) return false;
    *field = (uint32_t)(tag >> 3);
    *type = (int)(tag & 7);
    switch (*type) {
    case 0: return varint(w, &v);
    case 1:
        if (w->end - w->p < 8) return false;
        w->p += 8;
        return true;
    case 5:
        if (w->end - w->p < 4) return false;
        w->p += 4;
        return true;
    case 2:
        if (!varint(w, &v) || v > (uint64_t)(w->end - w->p)) return false;
        payload->p = w->p;
        payload->end = w->p + v;
        w->p += v;
        return true;
    default: return false; /* groups are not used by OTLP */
    }
}

typedef struct scan {
    size_t samples, with_values_field, v19_only, values_without_time;
} scan;

static void scan_sample(wire s, scan *sc)
{
    bool f2 = false, f4 = false, f5 = false;
    uint32_t field;
    int type;
    wire payload;
    while (next_field(&s, &field, &type, &payload)) {
        if (field == 2) f2 = true;
        if (field == 4) f4 = true;
        if (field == 5) f5 = true;
        if ((field == 3 && type == 2) || (field == 4 && type == 0)) sc->v19_only++;
    }
    sc->samples++;
    if (f4) sc->with_values_field++;
    if (f2 && !f4 && !f5) sc->values_without_time++;
}

/* Calls into the children numbered `child` of each level; depth 0 is the request. */
static void walk(wire m, int depth, scan *sc)
{
    static const uint32_t child[] = {1, 2, 2, 2}; /* resource_profiles, scope_profiles, profiles, samples */
    uint32_t field;
    int type;
    wire payload;
    while (next_field(&m, &field, &type, &payload)) {
        if (field != child[depth] || type != 2) continue;
        if (depth == 3)
            scan_sample(payload, sc);
        else
            walk(payload, depth + 1, sc);
    }
}

bool otlp_request_is_v1_9_layout(const uint8_t *buf, size_t len)
{
    scan sc = {0};
    walk((wire){buf, buf + len}, 0, &sc);
    return pf_wire_looks_v1_9(sc.v19_only, sc.with_values_field, sc.values_without_time);
}
