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

/* Levels: PF_COMPRESS_DEFAULT_LEVEL (0, what `compression_params.level` is when not set, as in the
 * Collector) picks proflow's default for the encoding. gzip/deflate: -1 (zlib's DefaultCompression)
 * is the default too, -2 (HuffmanOnly) becomes libdeflate's level 1, 1-9 as zlib (libdeflate also
 * has 10-12). zstd: any level, clamped to what libzstd supports.
 * gzip's default is 1, not zlib's 6: on profiles libdeflate level 1 costs about a third of level 6's
 * CPU for bodies about 10% larger (measured in docs/benchmarks.md, "Compression levels"). */
#define PF_COMPRESS_DEFAULT_LEVEL 0
#define PF_GZIP_DEFAULT_LEVEL     1
#define PF_ZSTD_DEFAULT_LEVEL     3
/* pf_compress with a level (see above). */
bool pf_compress_level(const char *encoding, int level, const void *in, size_t len, pf_buf *out);
/* The level pf_compress_level uses for `level` with `encoding` (0 for identity). */
int pf_compress_effective_level(const char *encoding, int level);
/* Frees the calling thread's cached libdeflate compressors and decompressor (at shutdown). */
void pf_compress_release(void);

/* True for "identity", "" and NULL (no transformation). */
bool pf_encoding_is_identity(const char *encoding);
/* True when pf_decompress/pf_compress know the encoding. */
bool pf_encoding_supported(const char *encoding);

#endif
