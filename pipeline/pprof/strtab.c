/* strtab.c — string → index interning for pprof string tables (see strtab.h). */
#include <string.h>

#include "pipeline/pprof/strtab.h"
#include "pipeline/base/hash.h"

static void place(pf_strtab *t, uint32_t index)
{
    size_t i = pf_hash_str(t->strings[index]) & t->mask;
    while (t->slots[i]) i = (i + 1) & t->mask;
    t->slots[i] = index + 1;
}

static void rehash(pf_strtab *t, size_t cap)
{
    t->slots = pf_arena_alloc(t->arena, cap * sizeof(*t->slots));
    t->mask = cap - 1;
    for (size_t i = 0; i < t->n; i++) place(t, (uint32_t)i);
}

void pf_strtab_init(pf_strtab *t, pf_arena *a)
{
    memset(t, 0, sizeof(*t));
    t->arena = a;
    t->cap = 64;
    t->strings = pf_arena_alloc(a, t->cap * sizeof(*t->strings));
    t->strings[t->n++] = "";
    rehash(t, 128);
}

int64_t pf_strtab_intern(pf_strtab *t, const char *s)
{
    for (size_t i = pf_hash_str(s) & t->mask; t->slots[i]; i = (i + 1) & t->mask)
        if (strcmp(t->strings[t->slots[i] - 1], s) == 0) return t->slots[i] - 1;
    PF_ARENA_GROW(t->arena, t->strings, t->cap, t->n + 1, 16);
    t->strings[t->n++] = (char *)s;
    if (t->n * 2 > t->mask + 1) rehash(t, (t->mask + 1) * 2);
    else place(t, (uint32_t)(t->n - 1));
    return (int64_t)(t->n - 1);
}
