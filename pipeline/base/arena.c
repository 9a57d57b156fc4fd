/* arena.c — chunked bump allocator (see arena.h).
 *
 * Chunks are recycled: pf_arena_destroy() keeps up to POOL_MAX_CHUNKS / POOL_MAX_BYTES of them in a
 * per-thread pool, and pf_arena_create() / chunk growth take a pooled chunk of the right size before
 * asking malloc. Without it every request's decode arena (several hundred KB to several MB) went back
 * to glibc, which returned it to the kernel (mmap threshold / heap trimming), and the next request
 * faulted the same pages in again and zeroed them: 19% of a forwarder's CPU in perf (issue 11).
 * High-water trimming: every TRIM_PERIOD chunk requests, pooled chunks that none of them took are
 * freed, so the pool shrinks back after a burst of large requests. */
#include "pipeline/base/arena.h"
#include "pipeline/base/memory_budget.h"
#include "pipeline/base/xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define PF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PF_ASAN 1
#endif
#endif
#ifdef PF_ASAN
#include <sanitizer/asan_interface.h>
/* A pooled chunk's data is poisoned, so a use after pf_arena_destroy() is still reported. */
#define POISON(c)   ASAN_POISON_MEMORY_REGION((c)->data, (c)->size)
#define UNPOISON(c) ASAN_UNPOISON_MEMORY_REGION((c)->data, (c)->size)
#else
#define POISON(c)   ((void)(c))
#define UNPOISON(c) ((void)(c))
#endif

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    bool taken; /* pooled: taken since the last trim (then returned) */
    _Alignas(16) unsigned char data[];
} chunk;

struct pf_arena {
    chunk *head;
    size_t next_size, total_used;
    size_t accounted; /* bytes counted in the memory budget: what was handed out (touched), in steps */
};

/* The budget counts what an arena handed out, not the chunks it reserved: a chunk's untouched tail
 * is address space, not memory. Counted in steps of ACCOUNT_STEP to keep allocation cheap. */
#define ACCOUNT_STEP (64u << 10)

#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

#define POOL_MAX_CHUNKS 16
#define POOL_MAX_BYTES  ((size_t)64 << 20)
#define POOL_MAX_CHUNK  ((size_t)32 << 20)
#define TRIM_PERIOD     256

typedef struct chunk_pool {
    chunk *free; /* singly linked through next */
    size_t n, bytes;
    unsigned requests; /* since the last trim */
} chunk_pool;

/* Per thread: an arena is used by one thread at a time, and a chunk freed on another thread simply
 * joins that thread's pool. */
static _Thread_local chunk_pool pool;

static void pool_trim(void)
{
    chunk **pp = &pool.free;
    while (*pp) {
        chunk *c = *pp;
        if (!c->taken) {
            *pp = c->next;
            pool.n--;
            pool.bytes -= c->size;
            free(c);
            continue;
        }
        c->taken = false;
        pp = &c->next;
    }
}

/* The smallest pooled chunk of at least `size` bytes that does not waste much (at most 4x + 64 KiB),
 * or NULL. */
static chunk *pool_take(size_t size)
{
    if (++pool.requests >= TRIM_PERIOD) {
        pool.requests = 0;
        pool_trim();
    }
    chunk **best = NULL;
    for (chunk **pp = &pool.free; *pp; pp = &(*pp)->next) {
        size_t s = (*pp)->size;
        if (s >= size && s <= size * 4 + (64u << 10) && (!best || s < (*best)->size)) best = pp;
    }
    if (!best) return NULL;
    chunk *c = *best;
    *best = c->next;
    pool.n--;
    pool.bytes -= c->size;
    UNPOISON(c);
    return c;
}

static void pool_put(chunk *c)
{
    if (c->size > POOL_MAX_CHUNK || pool.n >= POOL_MAX_CHUNKS || pool.bytes + c->size > POOL_MAX_BYTES) {
        free(c);
        return;
    }
    POISON(c);
    c->taken = true; /* it was in use during this period */
    c->next = pool.free;
    pool.free = c;
    pool.n++;
    pool.bytes += c->size;
}

static chunk *chunk_new(size_t size)
{
    chunk *c = pool_take(size);
    if (!c) {
        c = pf_xmalloc(sizeof(chunk) + size);
        c->size = size;
    }
    c->next = NULL;
    c->used = 0;
    c->taken = false;
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
    if (a->accounted) pf_memory_add(PF_MEM_DECODED, -(int64_t)a->accounted);
    for (chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        pool_put(c);
    }
    free(a);
}

void pf_arena_pool_release(void)
{
    for (chunk *c = pool.free, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    pool = (chunk_pool){0};
}

size_t pf_arena_pool_bytes(void) { return pool.bytes; }

/* Uninitialized memory. */
static void *arena_take(pf_arena *a, size_t size)
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
    if (a->total_used >= a->accounted + ACCOUNT_STEP) {
        size_t step = a->total_used - a->accounted;
        a->accounted += step;
        pf_memory_add(PF_MEM_DECODED, (int64_t)step);
    }
    return p;
}

void *pf_arena_alloc(pf_arena *a, size_t size)
{
    void *p = arena_take(a, size);
    memset(p, 0, size ? size : 1);
    return p;
}

void *pf_arena_alloc_uninit(pf_arena *a, size_t size) { return arena_take(a, size); }

void *pf_arena_grow(pf_arena *a, void *old, size_t old_size, size_t new_size)
{
    if (new_size <= old_size) return old;
    void *p = arena_take(a, new_size);
    if (old && old_size) memcpy(p, old, old_size);
    memset((char *)p + old_size, 0, new_size - old_size);
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
    char *p = arena_take(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pf_arena_strdup(pf_arena *a, const char *s) { return pf_arena_strndup(a, s, strlen(s)); }

void *pf_arena_memdup(pf_arena *a, const void *p, size_t n)
{
    void *d = arena_take(a, n);
    if (n) memcpy(d, p, n);
    return d;
}

size_t pf_arena_used(const pf_arena *a) { return a->total_used; }

/* protobuf-c initializes every message it allocates (message_init) and fills every array and string
 * it allocates, so its memory is not zeroed first. */
static void *pb_alloc(void *data, size_t size) { return arena_take(data, size); }
static void pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

ProtobufCAllocator pf_arena_allocator(pf_arena *a)
{
    ProtobufCAllocator al = {.alloc = pb_alloc, .free = pb_free, .allocator_data = a};
    return al;
}
