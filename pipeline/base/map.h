/* map.h — the one hash index: open addressing with linear probing over uint32 slots, each holding an
 * entry number + 1 (0 = empty). The entries and their keys live in the caller's own array; the caller
 * hashes a key (hash.h) and says whether entry e has a given key. The index is doubled, every entry
 * rehashed, before it is 3/4 full. There is no removal: a caller that forgets entries rebuilds the
 * index (pf_map_reset, then pf_map_add each entry).
 *
 * Ownership: the slots come from `arena` when pf_map_init was given one (they die with it), else from
 * the heap, freed by pf_map_free. */
#ifndef PF_MAP_H
#define PF_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"

#define PF_MAP_NONE UINT32_MAX

typedef struct pf_map {
    uint32_t *slots; /* entry + 1; 0 = empty. NULL until the first add */
    size_t mask;     /* capacity - 1 */
    size_t count;
    pf_arena *arena; /* NULL: slots are malloc'd */
} pf_map;

/* Whether entry `entry` has the key `key` (whatever the caller's key type is). */
typedef bool (*pf_map_equal_fn)(const void *ctx, uint32_t entry, const void *key);
/* The hash of entry `entry`'s key, as given to pf_map_add (for rehashing when the index grows). */
typedef uint64_t (*pf_map_hash_fn)(const void *ctx, uint32_t entry);

static inline void pf_map_init(pf_map *m, pf_arena *arena) { *m = (pf_map){.arena = arena}; }

/* The entry whose key equals `key` (of hash h), or PF_MAP_NONE. Inline so `equal` can be too. */
static inline uint32_t pf_map_find(const pf_map *m, uint64_t h, const void *key, pf_map_equal_fn equal, const void *ctx)
{
    if (!m->slots) return PF_MAP_NONE;
    for (size_t i = (size_t)h & m->mask; m->slots[i]; i = (i + 1) & m->mask)
        if (equal(ctx, m->slots[i] - 1, key)) return m->slots[i] - 1;
    return PF_MAP_NONE;
}

/* Indexes `entry` under hash h; the caller has checked that its key is not there yet. `first` is the
 * capacity of a new index (a power of two). */
void pf_map_add(pf_map *m, uint64_t h, uint32_t entry, size_t first, pf_map_hash_fn hash, const void *ctx);
/* Forgets every entry, keeping the slots. */
void pf_map_reset(pf_map *m);
void pf_map_free(pf_map *m);

#endif
