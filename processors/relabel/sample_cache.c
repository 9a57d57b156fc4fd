/* sample_cache.c — open-addressing hash table from an attribute_indices list to its relabel outcome
 * (see sample_cache.h). Linear probing, kept at most half full. */
#include "processors/relabel/sample_cache.h"

#include <string.h>

#include "pipeline/base/xalloc.h"

struct sample_cache_slot {
    uint64_t hash;
    const int32_t *key; /* NULL: free slot (an empty list is stored with a non-NULL key, see put) */
    size_t key_len;
    sample_outcome outcome;
};

static uint64_t hash_indices(const int32_t *idx, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ n; /* FNV-1a over whole indices, then a final mix */
    for (size_t i = 0; i < n; i++) h = (h ^ (uint32_t)idx[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static bool same_list(const sample_cache_slot *s, uint64_t hash, const int32_t *idx, size_t n)
{
    return s->hash == hash && s->key_len == n && (n == 0 || memcmp(s->key, idx, n * sizeof(int32_t)) == 0);
}

/* The slot holding the list, or the free slot where it belongs. cap is a power of two. */
static sample_cache_slot *find_slot(sample_cache_slot *slots, size_t cap, uint64_t hash, const int32_t *idx, size_t n)
{
    for (size_t i = (size_t)hash & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!slots[i].key || same_list(&slots[i], hash, idx, n)) return &slots[i];
}

const sample_outcome *sample_cache_get(const sample_cache *c, const int32_t *idx, size_t n)
{
    if (!c->cap) return NULL;
    const sample_cache_slot *s = find_slot(c->slots, c->cap, hash_indices(idx, n), idx, n);
    return s->key ? &s->outcome : NULL;
}

static void grow(sample_cache *c)
{
    size_t cap = c->cap ? c->cap * 2 : 64;
    sample_cache_slot *slots = pf_xcalloc(cap, sizeof(*slots));
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].key)
            *find_slot(slots, cap, c->slots[i].hash, c->slots[i].key, c->slots[i].key_len) = c->slots[i];
    free(c->slots);
    c->slots = slots;
    c->cap = cap;
}

void sample_cache_put(sample_cache *c, const int32_t *idx, size_t n, sample_outcome outcome)
{
    static const int32_t empty_list[1];
    if (2 * (c->n + 1) > c->cap) grow(c);
    uint64_t hash = hash_indices(idx, n);
    sample_cache_slot *s = find_slot(c->slots, c->cap, hash, idx, n);
    *s = (sample_cache_slot){hash, n ? idx : empty_list, n, outcome};
    c->n++;
}

void sample_cache_free(sample_cache *c)
{
    free(c->slots);
    *c = (sample_cache){0};
}
