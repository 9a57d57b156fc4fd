/* xalloc.h — malloc wrappers that abort on out-of-memory, plus a growable byte buffer.
 * proflow treats OOM as fatal (like the Collector's Go runtime); limits on input sizes are what keep
 * memory bounded, not NULL checks scattered through every caller. */
#ifndef PF_XALLOC_H
#define PF_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

void *pf_xmalloc(size_t n);
void *pf_xcalloc(size_t n, size_t size);
void *pf_xrealloc(void *p, size_t n);
char *pf_xstrdup(const char *s);
char *pf_xstrndup(const char *s, size_t n);
/* printf into a fresh malloc'd string; caller frees. */
char *pf_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The one growth rule for arrays: the capacity to use for at least `need` elements when `cap` are
 * allocated — `cap` when it suffices, else `cap` (or `first` when 0) doubled until it does. */
size_t pf_grow_cap(size_t cap, size_t need, size_t first);
/* Makes room for `need` elements of `size` bytes in the malloc'd array `items` of capacity *cap
 * (updated); returns the array, moved by realloc when it grew. */
void *pf_grow(void *items, size_t *cap, size_t need, size_t size, size_t first);
/* PF_GROW(v->items, v->cap, v->n + 1, 16): room for one more element in v->items (cap a size_t). */
#define PF_GROW(items, cap, need, first) ((items) = pf_grow((items), &(cap), (need), sizeof(*(items)), (first)))

/* Growable byte buffer. Owner calls pf_buf_free(). data is NUL-terminated for convenience. */
typedef struct pf_buf {
    char *data;
    size_t len, cap;
} pf_buf;

void pf_buf_reserve(pf_buf *b, size_t extra);
void pf_buf_append(pf_buf *b, const void *p, size_t n);
void pf_buf_puts(pf_buf *b, const char *s);
void pf_buf_printf(pf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_buf_reset(pf_buf *b);
void pf_buf_free(pf_buf *b);

#endif
