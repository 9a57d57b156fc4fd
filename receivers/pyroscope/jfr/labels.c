/* labels.c — hand-written protobuf decoding of LabelsSnapshot; see labels.h. */
#include "receivers/pyroscope/jfr/labels.h"

#include <stdio.h>
#include <string.h>

typedef struct wire {
    const uint8_t *p, *end;
    bool ok;
} wire;

static uint64_t wire_varint(wire *w)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (w->p >= w->end) break;
        uint8_t b = *w->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    w->ok = false;
    w->p = w->end;
    return 0;
}

/* Reads a length-delimited payload as a sub-reader. */
static wire wire_bytes(wire *w)
{
    uint64_t n = wire_varint(w);
    wire sub = {w->p, w->p, false};
    if (!w->ok || n > (uint64_t)(w->end - w->p)) {
        w->ok = false;
        w->p = w->end;
        return sub;
    }
    sub.end = w->p + n;
    sub.ok = true;
    w->p += n;
    return sub;
}

static void wire_skip(wire *w, uint32_t wire_type)
{
    switch (wire_type) {
    case 0: wire_varint(w); return;
    case 1:
    case 5: {
        size_t n = wire_type == 1 ? 8 : 4;
        if ((size_t)(w->end - w->p) < n) w->ok = false;
        w->p = w->ok ? w->p + n : w->end;
        return;
    }
    case 2: wire_bytes(w); return;
    default: w->ok = false; w->p = w->end;
    }
}

/* A map entry: key (field 1, varint) and value (field 2): either a varint or bytes. */
typedef struct map_entry {
    int64_t key;
    uint64_t value_int;
    wire value_bytes;
} map_entry;

static map_entry read_entry(wire *w)
{
    static const uint8_t none[1];
    map_entry e = {.value_bytes = {none, none, true}}; /* an absent value is an empty message/string */
    wire sub = wire_bytes(w);
    while (w->ok && sub.ok && sub.p < sub.end) {
        uint64_t tag = wire_varint(&sub);
        uint32_t field = (uint32_t)(tag >> 3), type = (uint32_t)(tag & 7);
        if (field == 1 && type == 0)
            e.key = (int64_t)wire_varint(&sub);
        else if (field == 2 && type == 0)
            e.value_int = wire_varint(&sub);
        else if (field == 2 && type == 2)
            e.value_bytes = wire_bytes(&sub);
        else
            wire_skip(&sub, type);
    }
    if (!sub.ok) w->ok = false;
    return e;
}

typedef struct raw_context {
    int64_t id;
    wire body;
} raw_context;

bool pf_jfr_labels_decode(const uint8_t *p, size_t len, pf_arena *a, pf_jfr_labels *out, char *err, size_t errlen)
{
    pf_keymap_init(&out->contexts, a);
    pf_keymap strings;
    pf_keymap_init(&strings, a);
    /* Contexts refer to strings that may come later in the message: resolve in a second pass. */
    raw_context *raw = NULL;
    size_t n_raw = 0, cap_raw = 0;
    wire w = {p, p + len, true};
    while (w.ok && w.p < w.end) {
        uint64_t tag = wire_varint(&w);
        uint32_t field = (uint32_t)(tag >> 3), type = (uint32_t)(tag & 7);
        if (type != 2) {
            wire_skip(&w, type);
            continue;
        }
        map_entry e = read_entry(&w);
        if (field == 2) {
            const char *s =
                pf_arena_strndup(a, (const char *)e.value_bytes.p, (size_t)(e.value_bytes.end - e.value_bytes.p));
            *pf_keymap_put_u64(&strings, (uint64_t)e.key, 0, NULL) = (uint64_t)(uintptr_t)s;
        } else if (field == 1) {
            PF_ARENA_GROW(a, raw, cap_raw, n_raw + 1, 16);
            raw[n_raw++] = (raw_context){e.key, e.value_bytes};
        }
    }
    for (size_t i = 0; i < n_raw && w.ok; i++) {
        pf_jfr_context *ctx = pf_arena_alloc(a, sizeof(*ctx));
        size_t cap = 0;
        wire body = raw[i].body;
        while (body.ok && body.p < body.end) {
            uint64_t tag = wire_varint(&body);
            if ((tag >> 3) != 1 || (tag & 7) != 2) {
                wire_skip(&body, (uint32_t)(tag & 7));
                continue;
            }
            map_entry e = read_entry(&body);
            uint64_t *k = pf_keymap_get_u64(&strings, (uint64_t)e.key);
            uint64_t *v = pf_keymap_get_u64(&strings, e.value_int);
            if (!k || !v) continue; /* a pair naming an unknown string cannot be shown */
            PF_ARENA_GROW(a, ctx->labels, cap, ctx->n + 1, 4);
            ctx->labels[ctx->n++] = (pf_pprof_str_label){(const char *)(uintptr_t)*k, (const char *)(uintptr_t)*v};
        }
        if (!body.ok) w.ok = false;
        *pf_keymap_put_u64(&out->contexts, (uint64_t)raw[i].id, 0, NULL) = (uint64_t)(uintptr_t)ctx;
    }
    if (!w.ok) {
        snprintf(err, errlen, "labels: malformed LabelsSnapshot protobuf");
        return false;
    }
    return true;
}

const pf_jfr_context *pf_jfr_labels_context(const pf_jfr_labels *l, uint64_t context_id)
{
    uint64_t *v = pf_keymap_get_u64(&l->contexts, context_id);
    return v ? (const pf_jfr_context *)(uintptr_t)*v : NULL;
}
