/* sample_cache.c — from an attribute_indices list to its relabel outcome (see sample_cache.h): the
 * outcomes in an array, found through a pf_map. */
#include "processors/relabel/sample_cache.h"

#include <string.h>

#include "pipeline/base/xalloc.h"
#include "pipeline/base/hash.h"

struct sample_cache_entry {
    uint64_t hash;
    const int32_t *key;
    size_t key_len;
    sample_outcome outcome;
};

typedef struct lookup {
    uint64_t hash;
    const int32_t *idx;
    size_t n;
} lookup;

static uint64_t hash_indices(const int32_t *idx, size_t n) { return pf_hash_bytes(idx, n * sizeof(*idx)); }

static bool same_list(const void *ctx, uint32_t entry, const void *key)
{
    const sample_cache_entry *e = &((const sample_cache *)ctx)->entries[entry];
    const lookup *k = key;
    return e->hash == k->hash && e->key_len == k->n &&
           (k->n == 0 || memcmp(e->key, k->idx, k->n * sizeof(int32_t)) == 0);
}

static uint64_t entry_hash(const void *ctx, uint32_t entry) { return ((const sample_cache *)ctx)->entries[entry].hash; }

const sample_outcome *sample_cache_get(const sample_cache *c, const int32_t *idx, size_t n)
{
    lookup k = {hash_indices(idx, n), idx, n};
    uint32_t found = pf_map_find(&c->index, k.hash, &k, same_list, c);
    return found == PF_MAP_NONE ? NULL : &c->entries[found].outcome;
}

void sample_cache_put(sample_cache *c, const int32_t *idx, size_t n, sample_outcome outcome)
{
    uint64_t hash = hash_indices(idx, n);
    PF_GROW(c->entries, c->cap, c->n + 1, 64);
    c->entries[c->n] = (sample_cache_entry){hash, idx, n, outcome};
    pf_map_add(&c->index, hash, (uint32_t)c->n++, 128, entry_hash, c);
}

void sample_cache_free(sample_cache *c)
{
    free(c->entries);
    pf_map_free(&c->index);
    memset(c, 0, sizeof(*c));
}
