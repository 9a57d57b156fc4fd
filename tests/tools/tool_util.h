/* tool_util.h — test tools' and benchmarks' shared helpers (header-only, static inline): reading a
 * whole file or stream into a buffer. Included by the tools in tests/tools and the benchmarks in bench.
 *
 * Ownership: the caller owns the pf_buf appended to and frees it with pf_buf_free(). */
#ifndef PF_TESTS_TOOL_UTIL_H
#define PF_TESTS_TOOL_UTIL_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeline/base/xalloc.h"

/* Appends everything left in `in` to out. */
static inline void tool_read_stream(FILE *in, pf_buf *out)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) pf_buf_append(out, chunk, n);
}

/* Appends the whole file to out; false when it cannot be opened. */
static inline bool tool_read_file(const char *path, pf_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    tool_read_stream(f, out);
    fclose(f);
    return true;
}

#endif
