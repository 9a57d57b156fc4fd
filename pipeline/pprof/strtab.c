/* strtab.c — string → index interning for pprof string tables (see strtab.h). */
#include <string.h>

#include "pipeline/pprof/strtab.h"
#include "pipeline/base/hash.h"

static bool same_string(const void *ctx, uint32_t entry, const void *key)
{
    return strcmp(((const pf_strtab *)ctx)->strings[entry], key) == 0;
}

static uint64_t string_hash(const void *ctx, uint32_t entry)
{
    return pf_hash_str(((const pf_strtab *)ctx)->strings[entry]);
}

void pf_strtab_init(pf_strtab *t, pf_arena *a)
{
    memset(t, 0, sizeof(*t));
    t->arena = a;
    t->cap = 64;
    t->strings = pf_arena_alloc(a, t->cap * sizeof(*t->strings));
    t->strings[t->n++] = "";
    pf_map_init(&t->index, a);
    pf_map_add(&t->index, pf_hash_str(""), 0, 128, string_hash, t);
}

int64_t pf_strtab_intern(pf_strtab *t, const char *s)
{
    uint64_t h = pf_hash_str(s);
    uint32_t found = pf_map_find(&t->index, h, s, same_string, t);
    if (found != PF_MAP_NONE) return found;
    PF_ARENA_GROW(t->arena, t->strings, t->cap, t->n + 1, 16);
    t->strings[t->n++] = (char *)s;
    pf_map_add(&t->index, h, (uint32_t)(t->n - 1), 128, string_hash, t);
    return (int64_t)(t->n - 1);
}
