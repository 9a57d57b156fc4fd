/* arena.c — chunked bump allocator (see arena.h). */
#include "pipeline/base/arena.h"
#include "pipeline/base/xalloc.h"

#include <stdint.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} chunk;

struct pf_arena {
    chunk *head;
    size_t next_size, total_used;
};

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

static chunk *chunk_new(size_t size)
{
    chunk *c = pf_xmalloc(sizeof(chunk) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

pf_arena *pf_arena_create(size_t first_chunk_size)
{
    pf_arena *a = pf_xcalloc(1, sizeof(*a));
    a->next_size = first_chunk_size < 1024 ? 1024 : first_chunk_size;
    a->head = chunk_new(a->next_size);
    return a;
}

void pf_arena_destroy(pf_arena *a)
{
    if (!a) return;
    for (chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void *pf_arena_alloc(pf_arena *a, size_t size)
{
    size = ALIGN16(size ? size : 1);
    chunk *c = a->head;
    if (c->size - c->used < size) {
        /* Chunks double so a large batch needs O(log n) mallocs; a huge single object gets its own. */
        if (a->next_size < (64u << 20)) a->next_size *= 2;
        size_t want = size > a->next_size ? size : a->next_size;
        c = chunk_new(want);
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    a->total_used += size;
    memset(p, 0, size);
    return p;
}

void *pf_arena_grow(pf_arena *a, void *old, size_t old_size, size_t new_size)
{
    if (new_size <= old_size) return old;
    void *p = pf_arena_alloc(a, new_size);
    if (old && old_size) memcpy(p, old, old_size);
    return p;
}

void *pf_arena_grow_array(pf_arena *a, void *items, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap) return items;
    size_t old = *cap;
    *cap = pf_grow_cap(old, need, first);
    return pf_arena_grow(a, items, old * size, *cap * size);
}

char *pf_arena_strndup(pf_arena *a, const char *s, size_t n)
{
    char *p = pf_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pf_arena_strdup(pf_arena *a, const char *s) { return pf_arena_strndup(a, s, strlen(s)); }

void *pf_arena_memdup(pf_arena *a, const void *p, size_t n)
{
    void *d = pf_arena_alloc(a, n);
    if (n) memcpy(d, p, n);
    return d;
}

size_t pf_arena_used(const pf_arena *a) { return a->total_used; }

static void *pb_alloc(void *data, size_t size) { return pf_arena_alloc(data, size); }
static void pb_free(void *data, void *p) { (void)data; (void)p; }

ProtobufCAllocator pf_arena_allocator(pf_arena *a)
{
    ProtobufCAllocator al = {.alloc = pb_alloc, .free = pb_free, .allocator_data = a};
    return al;
}
