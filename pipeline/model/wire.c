/* wire.c — a batch's received bytes (see wire.h). */
#include "pipeline/model/wire.h"

#include <string.h>
#include <strings.h>

#include "pipeline/base/hash.h"
#include "pipeline/base/log.h"
#include "pipeline/base/map.h"
#include "pipeline/model/payload.h"

static const char *kept_encoding(const char *encoding)
{
    if (!encoding) return NULL;
    if (strcasecmp(encoding, "gzip") == 0) return "gzip";
    if (strcasecmp(encoding, "zstd") == 0) return "zstd";
    return NULL;
}

void pf_batch_wire_keep(pf_batch *b, const void *plain, size_t plain_len, const char *encoding, const void *encoded,
                        size_t encoded_len)
{
    pf_batch_wire *w = pf_arena_alloc(b->arena, sizeof(*w));
    w->plain = pf_arena_memdup(b->arena, plain, plain_len);
    w->plain_len = plain_len;
    w->encoding = kept_encoding(encoding);
    if (w->encoding && encoded) {
        w->encoded = pf_arena_memdup(b->arena, encoded, encoded_len);
        w->encoded_len = encoded_len;
    } else {
        w->encoding = NULL;
    }
    b->wire = w;
}

const pf_batch_wire *pf_batch_wire_get(const pf_batch *b) { return b->wire; }

void pf_batch_wire_drop(pf_batch *b)
{
    b->wire = NULL;
    /* Payloads exporters already made of it (payload.h) no longer match either. */
    if (b->encoded) pf_batch_encoded_release(b);
}

pf_batch *pf_batch_new_lazy(const void *plain, size_t plain_len, const char *encoding, const void *encoded,
                            size_t encoded_len, const pf_wire_counts *counts)
{
    pf_batch *b = pf_batch_new_empty_lazy(plain_len + (encoded ? encoded_len : 0) + 4096);
    pf_batch_wire_keep(b, plain, plain_len, encoding, encoded, encoded_len);
    b->wire->counts = *counts;
    b->wire_bytes = plain_len;
    return b;
}

bool pf_batch_materialize(pf_batch *b)
{
    if (b->req) return true;
    const pf_batch_wire *w = b->wire;
    ProtobufCAllocator al = pf_arena_allocator(b->arena);
    otlp_request *req =
        (otlp_request *)protobuf_c_message_unpack(&otlp_request_descriptor, &al, w->plain_len, w->plain);
    char err[256] = "";
    if (req) {
        b->req = req;
        if (!req->dictionary) {
            otlp_request *empty = pf_batch_new_tree(b);
            req->dictionary = empty->dictionary;
        }
        if (pf_batch_validate(b, NULL, err, sizeof err)) return true;
    }
    /* pf_wire_validate accepted bytes that the tree path refuses: a bug, but never a crash */
    pf_log(PF_LOG_ERROR, NULL,
           "a request validated on the wire does not decode (%zu bytes): %s; its %zu samples are dropped", w->plain_len,
           req ? err : "protobuf decoding failed", w->counts.samples);
    b->req = pf_batch_new_tree(b);
    pf_batch_wire_drop(b);
    return false;
}

/* ---- scope sources ---- */

struct pf_scope_sources {
    pf_scope_source *items;
    size_t n, cap;
    pf_map index; /* by scope pointer */
};

static uint64_t scope_hash(const otlp_scope_profiles *scope) { return pf_hash_mix64((uint64_t)(uintptr_t)scope); }

static bool source_is(const void *ctx, uint32_t entry, const void *key)
{
    return ((const struct pf_scope_sources *)ctx)->items[entry].scope == key;
}

static uint64_t source_hash(const void *ctx, uint32_t entry)
{
    return scope_hash(((const struct pf_scope_sources *)ctx)->items[entry].scope);
}

void pf_batch_scope_source_keep(pf_batch *b, const otlp_scope_profiles *scope, const void *gzipped, size_t len,
                                size_t samples)
{
    struct pf_scope_sources *s = b->scope_sources;
    if (!s) {
        s = b->scope_sources = pf_arena_alloc(b->arena, sizeof(*s));
        pf_map_init(&s->index, b->arena);
    }
    uint64_t h = scope_hash(scope);
    uint32_t at = pf_map_find(&s->index, h, scope, source_is, s);
    if (at == PF_MAP_NONE) {
        PF_ARENA_GROW(b->arena, s->items, s->cap, s->n + 1, 8);
        at = (uint32_t)s->n++;
        pf_map_add(&s->index, h, at, 16, source_hash, s);
    }
    s->items[at] = (pf_scope_source){scope, pf_arena_memdup(b->arena, gzipped, len), len, samples};
}

static pf_scope_source *source_find(const pf_batch *b, const otlp_scope_profiles *scope)
{
    const struct pf_scope_sources *s = b->scope_sources;
    if (!s) return NULL;
    uint32_t at = pf_map_find(&s->index, scope_hash(scope), scope, source_is, s);
    return at == PF_MAP_NONE ? NULL : &s->items[at];
}

void pf_batch_scope_source_forget(pf_batch *b, const otlp_scope_profiles *scope)
{
    pf_scope_source *src = source_find(b, scope);
    if (src) src->gzipped = NULL; /* the index has no removal; a forgotten entry has no bytes */
}

const pf_scope_source *pf_batch_scope_source(const pf_batch *b, const otlp_scope_profiles *scope)
{
    const pf_scope_source *src = source_find(b, scope);
    return src && src->gzipped ? src : NULL;
}
