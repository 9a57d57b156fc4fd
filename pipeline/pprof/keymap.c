/* keymap.c — open-addressing (linear probing) byte-key hash map in an arena; see keymap.h. */
#include "pipeline/pprof/keymap.h"

#include <string.h>

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a, then a final mix so low bits spread */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

void pf_keymap_init(pf_keymap *m, pf_arena *a)
{
    memset(m, 0, sizeof(*m));
    m->arena = a;
}

static pf_keymap_slot *find_slot(pf_keymap_slot *slots, size_t cap, const uint8_t *key, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        pf_keymap_slot *s = &slots[i];
        if (!s->key || (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0))
            return s;
        i = (i + 1) & (cap - 1);
    }
}

static void grow(pf_keymap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    pf_keymap_slot *slots = pf_arena_alloc(m->arena, cap * sizeof(*slots));
    for (size_t i = 0; i < m->cap; i++) {
        pf_keymap_slot *old = &m->slots[i];
        if (old->key)
            *find_slot(slots, cap, old->key, old->key_len, old->hash) = *old;
    }
    m->slots = slots;
    m->cap = cap;
}

uint64_t *pf_keymap_put(pf_keymap *m, const void *key, size_t key_len, uint64_t value_if_new, bool *inserted)
{
    if ((m->count + 1) * 4 > m->cap * 3)
        grow(m);
    uint64_t h = hash_bytes(key, key_len);
    pf_keymap_slot *s = find_slot(m->slots, m->cap, key, key_len, h);
    if (s->key) {
        if (inserted)
            *inserted = false;
        return &s->value;
    }
    /* A zero-length key still needs a non-NULL pointer to mark the slot used. */
    s->key = key_len ? pf_arena_memdup(m->arena, key, key_len) : (const uint8_t *)"";
    s->key_len = key_len;
    s->hash = h;
    s->value = value_if_new;
    m->count++;
    if (inserted)
        *inserted = true;
    return &s->value;
}

uint64_t *pf_keymap_get(const pf_keymap *m, const void *key, size_t key_len)
{
    if (!m->cap)
        return NULL;
    pf_keymap_slot *s = find_slot(m->slots, m->cap, key, key_len, hash_bytes(key, key_len));
    return s->key ? &s->value : NULL;
}

uint64_t *pf_keymap_put_u64(pf_keymap *m, uint64_t key, uint64_t value_if_new, bool *inserted)
{
    return pf_keymap_put(m, &key, sizeof(key), value_if_new, inserted);
}

uint64_t *pf_keymap_get_u64(const pf_keymap *m, uint64_t key) { return pf_keymap_get(m, &key, sizeof(key)); }
