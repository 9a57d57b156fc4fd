/* xalloc.c — abort-on-OOM allocation helpers and pf_buf (see xalloc.h). */
#include "pipeline/base/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "proflow: out of memory allocating %zu bytes\n", n);
    abort();
}

void *pf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *pf_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *pf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *pf_xstrndup(const char *s, size_t n)
{
    char *p = pf_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pf_xstrdup(const char *s) { return pf_xstrndup(s, strlen(s)); }

char *pf_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = pf_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t pf_grow_cap(size_t cap, size_t need, size_t first)
{
    if (need <= cap) return cap;
    size_t c = cap ? cap * 2 : first ? first : 1;
    while (c < need) c *= 2;
    return c;
}

void *pf_grow(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap) return items;
    *cap = pf_grow_cap(*cap, need, first);
    return pf_xrealloc(items, *cap * size);
}

void pf_buf_reserve(pf_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    b->data = pf_grow(b->data, &b->cap, b->len + extra + 1, 1, 256);
}

void pf_buf_append(pf_buf *b, const void *p, size_t n)
{
    pf_buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void pf_buf_puts(pf_buf *b, const char *s) { pf_buf_append(b, s, strlen(s)); }

void pf_buf_printf(pf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    pf_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void pf_buf_reset(pf_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void pf_buf_free(pf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
