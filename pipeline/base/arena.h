/* arena.h — bump allocator used for everything that lives as long as one request or batch.
 *
 * Why: a decoded OTLP request is thousands of tiny protobuf-c objects; freeing them one by one
 * costs more than decoding. Everything of a batch is allocated here and released with one
 * pf_arena_destroy(). protobuf-c is handed pf_arena_allocator() so unpacking allocates here too.
 *
 * Ownership: whoever calls pf_arena_create() calls pf_arena_destroy(). Memory from pf_arena_alloc()
 * is never freed individually. Not thread-safe (one arena belongs to one loop thread at a time). */
#ifndef PF_ARENA_H
#define PF_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct pf_arena pf_arena;

pf_arena *pf_arena_create(size_t first_chunk_size);
void pf_arena_destroy(pf_arena *a);

/* Zeroed, 16-byte aligned memory; aborts on out-of-memory like the rest of proflow's allocations. */
void *pf_arena_alloc(pf_arena *a, size_t size);
/* The same, not zeroed: for callers that write every byte (copies, protobuf-c). */
void *pf_arena_alloc_uninit(pf_arena *a, size_t size);
/* Grows an array allocated in this arena (copies; the old block stays until the arena dies). */
void *pf_arena_grow(pf_arena *a, void *old, size_t old_size, size_t new_size);
/* pf_grow() for an array in this arena: room for `need` elements, capacity *cap doubled from `first`
 * (pf_grow_cap); the first *cap elements are copied. */
void *pf_arena_grow_array(pf_arena *a, void *items, size_t *cap, size_t need, size_t size, size_t first);
#define PF_ARENA_GROW(a, items, cap, need, first)                                                                      \
    ((items) = pf_arena_grow_array((a), (items), &(cap), (need), sizeof(*(items)), (first)))
char *pf_arena_strdup(pf_arena *a, const char *s);
char *pf_arena_strndup(pf_arena *a, const char *s, size_t n);
void *pf_arena_memdup(pf_arena *a, const void *p, size_t n);

/* Bytes handed out so far (for accounting, e.g. sending_queue sizer=bytes). */
size_t pf_arena_used(const pf_arena *a);

/* Chunks of destroyed arenas are kept in a small per-thread pool (at most 16 chunks / 64 MiB; idle ones
 * are trimmed) and reused by the next arenas, so a request's decode memory is not returned to the
 * kernel and faulted in again for the next one. pf_arena_pool_release() frees the calling thread's
 * pool (at shutdown, so leak checkers see nothing left); pf_arena_pool_bytes() is its size. */
void pf_arena_pool_release(void);
size_t pf_arena_pool_bytes(void);

/* A protobuf-c allocator that allocates from `a` and never frees; its memory is not zeroed (protobuf-c
 * initializes what it allocates). Valid while `a` lives. */
ProtobufCAllocator pf_arena_allocator(pf_arena *a);

#endif
