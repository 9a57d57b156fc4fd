/* keymap.c — byte-key hash map in an arena: entries in an array, found through a pf_map (see keymap.h). */
#include "pipeline/pprof/keymap.h"

#include <string.h>

#include "pipeline/base/hash.h"

void pf_keymap_init(pf_keymap *m, pf_arena *a)
{
    memset(m, 0, sizeof(*m));
    m->arena = a;
    pf_map_init(&m->index, a);
}

typedef struct lookup {
    const void *key;
    size_t len;
    uint64_t hash;
} lookup;

static bool same_key(const void *ctx, uint32_t entry, const void *key)
{
    const pf_keymap_entry *e = &((const pf_keymap *)ctx)->entries[entry];
    const lookup *k = key;
    return e->hash == k->hash && e->key_len == k->len && memcmp(e->key, k->key, k->len) == 0;
}

static uint64_t entry_hash(const void *ctx, uint32_t entry) { return ((const pf_keymap *)ctx)->entries[entry].hash; }

uint64_t *pf_keymap_put(pf_keymap *m, const void *key, size_t key_len, uint64_t value_if_new, bool *inserted)
{
    lookup k = {key, key_len, pf_hash_bytes(key, key_len)};
    uint32_t found = pf_map_find(&m->index, k.hash, &k, same_key, m);
    if (inserted) *inserted = found == PF_MAP_NONE;
    if (found != PF_MAP_NONE) return &m->entries[found].value;
    PF_ARENA_GROW(m->arena, m->entries, m->cap, m->count + 1, 64);
    pf_keymap_entry *e = &m->entries[m->count];
    *e = (pf_keymap_entry){key_len ? pf_arena_memdup(m->arena, key, key_len) : (const uint8_t *)"", key_len, k.hash,
                           value_if_new};
    pf_map_add(&m->index, k.hash, (uint32_t)m->count++, 64, entry_hash, m);
    return &e->value;
}

uint64_t *pf_keymap_get(const pf_keymap *m, const void *key, size_t key_len)
{
    lookup k = {key, key_len, pf_hash_bytes(key, key_len)};
    uint32_t found = pf_map_find(&m->index, k.hash, &k, same_key, m);
    return found == PF_MAP_NONE ? NULL : &m->entries[found].value;
}

uint64_t *pf_keymap_put_u64(pf_keymap *m, uint64_t key, uint64_t value_if_new, bool *inserted)
{
    return pf_keymap_put(m, &key, sizeof(key), value_if_new, inserted);
}

uint64_t *pf_keymap_get_u64(const pf_keymap *m, uint64_t key) { return pf_keymap_get(m, &key, sizeof(key)); }
