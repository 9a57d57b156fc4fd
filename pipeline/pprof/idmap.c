/* idmap.c — open-addressing uint64 → uint32 map (see idmap.h). */
#include "pipeline/pprof/idmap.h"

static size_t slot_of(uint64_t key, size_t mask)
{
    /* Fibonacci hashing: pprof ids are often sequential, which would cluster with a plain modulo. */
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

static void alloc_slots(pf_idmap *m, size_t cap)
{
    m->keys = pf_arena_alloc(m->arena, cap * sizeof(*m->keys));
    m->values = pf_arena_alloc(m->arena, cap * sizeof(*m->values));
    m->mask = cap - 1;
    m->count = 0;
}

pf_idmap *pf_idmap_new(pf_arena *a, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    pf_idmap *m = pf_arena_alloc(a, sizeof(*m));
    m->arena = a;
    alloc_slots(m, cap);
    return m;
}

static void grow(pf_idmap *m)
{
    uint64_t *keys = m->keys;
    uint32_t *values = m->values;
    size_t cap = m->mask + 1;
    alloc_slots(m, cap * 2);
    for (size_t i = 0; i < cap; i++)
        if (keys[i]) pf_idmap_put(m, keys[i], values[i]);
}

bool pf_idmap_put(pf_idmap *m, uint64_t key, uint32_t value)
{
    if (m->count + 1 > (m->mask + 1) / 2) grow(m);
    for (size_t i = slot_of(key, m->mask);; i = (i + 1) & m->mask) {
        if (m->keys[i] == key) return false;
        if (m->keys[i] == 0) {
            m->keys[i] = key;
            m->values[i] = value;
            m->count++;
            return true;
        }
    }
}

bool pf_idmap_get(const pf_idmap *m, uint64_t key, uint32_t *value)
{
    if (key == 0) return false;
    for (size_t i = slot_of(key, m->mask);; i = (i + 1) & m->mask) {
        if (m->keys[i] == key) {
            *value = m->values[i];
            return true;
        }
        if (m->keys[i] == 0) return false;
    }
}
