/* compress.c — gzip/deflate/zstd encode and size-bounded decode (see compress.h).
 *
 * gzip: libdeflate decodes the whole buffer in one call when the ISIZE trailer promises an output
 * within the limit; anything else (multi-member files, a lying trailer, a bomb) goes through zlib
 * streaming, which is what enforces the limit exactly. zstd always streams, with the decoder's
 * window capped so a crafted frame header cannot make it allocate a huge window. */
#include "net/compress.h"

#include <libdeflate.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

typedef enum encoding { ENC_IDENTITY, ENC_GZIP, ENC_DEFLATE, ENC_ZSTD, ENC_UNKNOWN } encoding;

static encoding encoding_of(const char *name)
{
    if (!name || !*name || strcasecmp(name, "identity") == 0) return ENC_IDENTITY;
    if (strcasecmp(name, "gzip") == 0 || strcasecmp(name, "x-gzip") == 0) return ENC_GZIP;
    if (strcasecmp(name, "deflate") == 0) return ENC_DEFLATE;
    if (strcasecmp(name, "zstd") == 0) return ENC_ZSTD;
    return ENC_UNKNOWN;
}

bool pf_encoding_is_identity(const char *name) { return encoding_of(name) == ENC_IDENTITY; }
bool pf_encoding_supported(const char *name) { return encoding_of(name) != ENC_UNKNOWN; }

/* Grows out to hold exactly `extra` more bytes plus the NUL (pf_buf_reserve doubles, which would
 * let a bomb allocate twice the limit). */
static void reserve_exact(pf_buf *out, size_t extra)
{
    size_t want = out->len + extra + 1;
    if (want <= out->cap) return;
    out->data = pf_xrealloc(out->data, want);
    out->cap = want;
}

/* Free room in out for the next decoder step: grows geometrically but never past start+max_out. */
static size_t room_for_next_step(pf_buf *out, size_t start, size_t max_out, size_t in_len)
{
    size_t produced = out->len - start;
    size_t allowed = max_out - produced;
    size_t room = out->cap > out->len ? out->cap - out->len - 1 : 0;
    if (room == 0 && allowed > 0) {
        size_t step = produced > 0 ? produced : (in_len < SIZE_MAX / 4 ? in_len * 4 : in_len);
        if (step < 16384) step = 16384;
        if (step > allowed) step = allowed;
        reserve_exact(out, step);
        room = out->cap - out->len - 1;
    }
    return room < allowed ? room : allowed;
}

static pf_decompress_result fail(pf_buf *out, size_t start, pf_decompress_result r, char *err, size_t errlen,
                                 const char *fmt, const char *detail)
{
    out->len = start;
    if (out->data) out->data[start] = '\0';
    if (err && errlen) snprintf(err, errlen, fmt, detail ? detail : "");
    return r;
}

static pf_decompress_result finish(pf_buf *out)
{
    reserve_exact(out, 0);
    out->data[out->len] = '\0';
    return PF_DECOMPRESS_OK;
}

static bool is_gzip_magic(const uint8_t *p, size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

static pf_decompress_result inflate_stream(int window_bits, const uint8_t *in, size_t len, size_t max_out, pf_buf *out,
                                           char *err, size_t errlen)
{
    const bool gzip = window_bits > 15;
    const size_t start = out->len;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, window_bits) != Z_OK)
        return fail(out, start, PF_DECOMPRESS_MALFORMED, err, errlen, "%s", "inflateInit failed");
    size_t in_left = len;
    zs.next_in = (Bytef *)in;
    pf_decompress_result r = PF_DECOMPRESS_OK;
    const char *why = NULL;
    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            zs.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
            in_left -= zs.avail_in;
        }
        size_t room = room_for_next_step(out, start, max_out, len);
        uint8_t probe;
        bool probing = room == 0;
        zs.next_out = probing ? &probe : (Bytef *)out->data + out->len;
        zs.avail_out = probing ? 1 : (room > UINT_MAX ? UINT_MAX : (uInt)room);
        uInt offered = zs.avail_out;
        int ret = inflate(&zs, Z_NO_FLUSH);
        size_t written = offered - zs.avail_out;
        if (probing && written > 0) {
            r = PF_DECOMPRESS_TOO_LARGE;
            break;
        }
        if (!probing) out->len += written;
        if (ret == Z_STREAM_END) {
            size_t rest = zs.avail_in + in_left;
            if (rest == 0) break;
            if (gzip && is_gzip_magic(zs.next_in, zs.avail_in)) {
                inflateReset(&zs);
                continue;
            }
            r = PF_DECOMPRESS_MALFORMED;
            why = "trailing data after the compressed stream";
            break;
        }
        if (ret == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
            r = PF_DECOMPRESS_MALFORMED;
            why = "truncated stream";
            break;
        }
        if (ret != Z_OK && ret != Z_BUF_ERROR) {
            r = PF_DECOMPRESS_MALFORMED;
            why = zs.msg ? zs.msg : "corrupt stream";
            break;
        }
    }
    inflateEnd(&zs);
    if (r == PF_DECOMPRESS_TOO_LARGE)
        return fail(out, start, r, err, errlen, "decompressed size exceeds the limit%s", "");
    if (r != PF_DECOMPRESS_OK)
        return fail(out, start, r, err, errlen, gzip ? "invalid gzip data: %s" : "invalid deflate data: %s", why);
    return finish(out);
}

/* Kept per thread (pf_compress_release frees it). */
static _Thread_local struct libdeflate_decompressor *decompressor;

/* One-shot libdeflate decode; false means "let the streaming path decide". */
static bool gunzip_whole(const uint8_t *in, size_t len, size_t max_out, pf_buf *out)
{
    if (len < 18 || !is_gzip_magic(in, len)) return false;
    uint32_t isize =
        (uint32_t)in[len - 4] | (uint32_t)in[len - 3] << 8 | (uint32_t)in[len - 2] << 16 | (uint32_t)in[len - 1] << 24;
    if (isize > max_out) return false;
    reserve_exact(out, isize);
    if (!decompressor) decompressor = libdeflate_alloc_decompressor();
    if (!decompressor) return false;
    size_t in_used = 0, out_n = 0;
    enum libdeflate_result res =
        libdeflate_gzip_decompress_ex(decompressor, in, len, out->data + out->len, isize, &in_used, &out_n);
    if (res != LIBDEFLATE_SUCCESS || in_used != len) return false;
    out->len += out_n;
    out->data[out->len] = '\0';
    return true;
}

static pf_decompress_result zstd_stream(const uint8_t *in, size_t len, size_t max_out, pf_buf *out, char *err,
                                        size_t errlen)
{
    const size_t start = out->len;
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    if (!dctx) return fail(out, start, PF_DECOMPRESS_MALFORMED, err, errlen, "%s", "zstd context allocation failed");
    int window_log = 10;
    while (window_log < 27 && ((size_t)1 << window_log) < max_out) window_log++;
    ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, window_log);
    ZSTD_inBuffer ib = {in, len, 0};
    pf_decompress_result r = PF_DECOMPRESS_OK;
    const char *why = NULL;
    size_t last = 1;
    while (ib.pos < ib.size || last != 0) {
        size_t room = room_for_next_step(out, start, max_out, len);
        uint8_t probe;
        bool probing = room == 0;
        ZSTD_outBuffer ob = {probing ? (void *)&probe : out->data + out->len, probing ? 1 : room, 0};
        size_t in_before = ib.pos;
        last = ZSTD_decompressStream(dctx, &ob, &ib);
        if (ZSTD_isError(last)) {
            ZSTD_ErrorCode code = ZSTD_getErrorCode(last);
            r = code == ZSTD_error_frameParameter_windowTooLarge ? PF_DECOMPRESS_TOO_LARGE : PF_DECOMPRESS_MALFORMED;
            why = ZSTD_getErrorName(last);
            break;
        }
        if (probing && ob.pos > 0) {
            r = PF_DECOMPRESS_TOO_LARGE;
            why = "decompressed size exceeds the limit";
            break;
        }
        if (!probing) out->len += ob.pos;
        if (ob.pos == 0 && ib.pos == in_before && last != 0 && ib.pos == ib.size) {
            r = PF_DECOMPRESS_MALFORMED;
            why = "truncated frame";
            break;
        }
    }
    ZSTD_freeDCtx(dctx);
    if (r == PF_DECOMPRESS_TOO_LARGE) return fail(out, start, r, err, errlen, "zstd: %s", why);
    if (r != PF_DECOMPRESS_OK) return fail(out, start, r, err, errlen, "invalid zstd data: %s", why);
    return finish(out);
}

/* RFC 1950 header: CM=8 and the check bits make CMF*256+FLG a multiple of 31. Peers that send raw
 * deflate under "deflate" are common, so both are accepted. */
static bool has_zlib_header(const uint8_t *p, size_t n)
{
    return n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

pf_decompress_result pf_decompress(const char *encoding_name, const void *in, size_t len, size_t max_out, pf_buf *out,
                                   char *err, size_t errlen)
{
    const uint8_t *p = in;
    switch (encoding_of(encoding_name)) {
    case ENC_IDENTITY:
        if (len > max_out) {
            if (err && errlen) snprintf(err, errlen, "body of %zu bytes exceeds the limit of %zu", len, max_out);
            return PF_DECOMPRESS_TOO_LARGE;
        }
        pf_buf_append(out, in, len);
        return PF_DECOMPRESS_OK;
    case ENC_GZIP:
        if (gunzip_whole(p, len, max_out, out)) return PF_DECOMPRESS_OK;
        return inflate_stream(15 + 16, p, len, max_out, out, err, errlen);
    case ENC_DEFLATE: return inflate_stream(has_zlib_header(p, len) ? 15 : -15, p, len, max_out, out, err, errlen);
    case ENC_ZSTD: return zstd_stream(p, len, max_out, out, err, errlen);
    case ENC_UNKNOWN: break;
    }
    if (err && errlen) snprintf(err, errlen, "unsupported encoding \"%s\"", encoding_name);
    return PF_DECOMPRESS_UNSUPPORTED;
}

/* libdeflate compressors allocate their match finder (hundreds of KB at level 6 and up) and set it
 * up on creation; one per level is kept per thread instead of one per call. */
static _Thread_local struct libdeflate_compressor *compressors[13];

static struct libdeflate_compressor *compressor_for(int level)
{
    if (!compressors[level]) compressors[level] = libdeflate_alloc_compressor(level);
    if (!compressors[level]) {
        fputs("proflow: out of memory allocating a libdeflate compressor\n", stderr);
        abort();
    }
    return compressors[level];
}

void pf_compress_release(void)
{
    for (size_t i = 0; i < sizeof(compressors) / sizeof(compressors[0]); i++) {
        if (compressors[i]) libdeflate_free_compressor(compressors[i]);
        compressors[i] = NULL;
    }
    if (decompressor) libdeflate_free_decompressor(decompressor);
    decompressor = NULL;
}

int pf_compress_effective_level(const char *encoding_name, int level)
{
    switch (encoding_of(encoding_name)) {
    case ENC_GZIP:
    case ENC_DEFLATE:
        if (level == PF_COMPRESS_DEFAULT_LEVEL || level == -1) return PF_GZIP_DEFAULT_LEVEL;
        if (level == -2) return 1; /* zlib's HuffmanOnly: libdeflate has none; its fastest level */
        return level < 0 ? 0 : level > 12 ? 12 : level;
    case ENC_ZSTD:
        if (level == PF_COMPRESS_DEFAULT_LEVEL) return PF_ZSTD_DEFAULT_LEVEL;
        return level < ZSTD_minCLevel() ? ZSTD_minCLevel() : level > ZSTD_maxCLevel() ? ZSTD_maxCLevel() : level;
    default: return 0;
    }
}

bool pf_compress_level(const char *encoding_name, int level, const void *in, size_t len, pf_buf *out)
{
    encoding enc = encoding_of(encoding_name);
    if (enc == ENC_UNKNOWN) return false;
    if (enc == ENC_IDENTITY) {
        pf_buf_append(out, in, len);
        return true;
    }
    level = pf_compress_effective_level(encoding_name, level);
    if (enc == ENC_ZSTD) {
        size_t bound = ZSTD_compressBound(len);
        reserve_exact(out, bound);
        size_t n = ZSTD_compress(out->data + out->len, bound, in, len, level);
        if (ZSTD_isError(n)) abort(); /* only possible with a too-small bound, i.e. a bug */
        out->len += n;
        out->data[out->len] = '\0';
        return true;
    }
    struct libdeflate_compressor *c = compressor_for(level);
    size_t bound = enc == ENC_GZIP ? libdeflate_gzip_compress_bound(c, len) : libdeflate_zlib_compress_bound(c, len);
    reserve_exact(out, bound);
    size_t n = enc == ENC_GZIP ? libdeflate_gzip_compress(c, in, len, out->data + out->len, bound)
                               : libdeflate_zlib_compress(c, in, len, out->data + out->len, bound);
    if (n == 0) abort(); /* the bound guarantees room */
    out->len += n;
    out->data[out->len] = '\0';
    return true;
}

bool pf_compress(const char *encoding_name, const void *in, size_t len, pf_buf *out)
{
    return pf_compress_level(encoding_name, PF_COMPRESS_DEFAULT_LEVEL, in, len, out);
}
