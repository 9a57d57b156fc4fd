/* compress.h — whole-buffer compression and bounded decompression for HTTP Content-Encoding,
 * grpc-encoding and compressed payloads (gzipped pprof, exporter bodies).
 *
 * Encodings: "gzip", "deflate" (zlib-wrapped, raw deflate also accepted when decoding), "zstd", and
 * identity ("identity", "" or NULL), which copies. Names are matched case-insensitively.
 *
 * Decompression never produces more than max_out bytes and never allocates (much) past that: a gzip
 * bomb is reported as PF_DECOMPRESS_TOO_LARGE as soon as the limit is crossed.
 *
 * Ownership: both functions APPEND to a caller-owned pf_buf (the caller frees it with pf_buf_free());
 * on failure the buffer's previous contents are kept and whatever was appended is removed. */
#ifndef PF_COMPRESS_H
#define PF_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/base/xalloc.h"

typedef enum pf_decompress_result {
    PF_DECOMPRESS_OK = 0,
    PF_DECOMPRESS_TOO_LARGE,   /* output would exceed max_out */
    PF_DECOMPRESS_MALFORMED,   /* corrupt, truncated or trailing garbage */
    PF_DECOMPRESS_UNSUPPORTED, /* unknown encoding name */
} pf_decompress_result;

/* Decodes `in` (len bytes, encoded with `encoding`) and appends at most max_out bytes to out.
 * On failure writes a one-line reason into err (may be NULL). */
pf_decompress_result pf_decompress(const char *encoding, const void *in, size_t len, size_t max_out, pf_buf *out,
                                   char *err, size_t errlen);

/* Encodes `in` with `encoding` and appends the result to out. False only for an unknown encoding. */
bool pf_compress(const char *encoding, const void *in, size_t len, pf_buf *out);

/* True for "identity", "" and NULL (no transformation). */
bool pf_encoding_is_identity(const char *encoding);
/* True when pf_decompress/pf_compress know the encoding. */
bool pf_encoding_supported(const char *encoding);

#endif
