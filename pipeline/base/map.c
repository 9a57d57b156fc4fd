/* map.c — the hash index (see map.h). */
#include "pipeline/base/map.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/base/xalloc.h"

static uint32_t *alloc_slots(pf_map *m, size_t cap)
{
    if (m->arena) return pf_arena_alloc(m->arena, cap * sizeof(uint32_t)); /* zeroed */
    return pf_xcalloc(cap, sizeof(uint32_t));
}

static void place(pf_map *m, uint64_t h, uint32_t entry)
{
    size_t i = (size_t)h & m->mask;
    while (m->slots[i]) i = (i + 1) & m->mask;
    m->slots[i] = entry + 1;
}

static void resize(pf_map *m, size_t cap, pf_map_hash_fn hash, const void *ctx)
{
    uint32_t *old = m->slots;
    size_t old_cap = old ? m->mask + 1 : 0;
    m->slots = alloc_slots(m, cap);
    m->mask = cap - 1;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i]) place(m, hash(ctx, old[i] - 1), old[i] - 1);
    if (!m->arena) free(old);
}

void pf_map_add(pf_map *m, uint64_t h, uint32_t entry, size_t first, pf_map_hash_fn hash, const void *ctx)
{
    if (!m->slots)
        resize(m, first, hash, ctx);
    else if ((m->count + 1) * 4 > (m->mask + 1) * 3)
        resize(m, (m->mask + 1) * 2, hash, ctx);
    place(m, h, entry);
    m->count++;
}

void pf_map_reset(pf_map *m)
{
    if (m->slots) memset(m->slots, 0, (m->mask + 1) * sizeof(uint32_t));
    m->count = 0;
}

void pf_map_free(pf_map *m)
{
    if (!m->arena) free(m->slots);
    m->slots = NULL;
    m->mask = m->count = 0;
}
