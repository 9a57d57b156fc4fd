/* idmap.c — uint64 → uint32 map: keys and values in arrays, found through a pf_map (see idmap.h). */
#include "pipeline/pprof/idmap.h"

#include "pipeline/base/hash.h"
#include "pipeline/base/xalloc.h"

/* pprof ids are often sequential; the finalizer spreads them over the slots. */
static uint64_t key_hash(uint64_t key) { return pf_hash_mix64(key); }

static bool same_key(const void *ctx, uint32_t entry, const void *key)
{
    return ((const pf_idmap *)ctx)->keys[entry] == *(const uint64_t *)key;
}

static uint64_t entry_hash(const void *ctx, uint32_t entry) { return key_hash(((const pf_idmap *)ctx)->keys[entry]); }

pf_idmap *pf_idmap_new(pf_arena *a, size_t expected)
{
    pf_idmap *m = pf_arena_alloc(a, sizeof(*m));
    m->arena = a;
    pf_map_init(&m->index, a);
    PF_ARENA_GROW(a, m->keys, m->cap, expected ? expected : 1, 16);
    m->values = pf_arena_alloc(a, m->cap * sizeof(*m->values));
    return m;
}

bool pf_idmap_put(pf_idmap *m, uint64_t key, uint32_t value)
{
    if (key == 0) return false; /* reserved, as the header says */
    uint64_t h = key_hash(key);
    if (pf_map_find(&m->index, h, &key, same_key, m) != PF_MAP_NONE) return false;
    if (m->count == m->cap) {
        size_t old = m->cap;
        PF_ARENA_GROW(m->arena, m->keys, m->cap, m->count + 1, 16);
        m->values = pf_arena_grow(m->arena, m->values, old * sizeof(*m->values), m->cap * sizeof(*m->values));
    }
    m->keys[m->count] = key;
    m->values[m->count] = value;
    /* first: room for `expected` keys at the index's 3/4 load before it grows */
    pf_map_add(&m->index, h, (uint32_t)m->count++, pf_grow_cap(16, m->cap * 4 / 3 + 1, 16), entry_hash, m);
    return true;
}

bool pf_idmap_get(const pf_idmap *m, uint64_t key, uint32_t *value)
{
    if (key == 0) return false;
    uint32_t found = pf_map_find(&m->index, key_hash(key), &key, same_key, m);
    if (found == PF_MAP_NONE) return false;
    *value = m->values[found];
    return true;
}
