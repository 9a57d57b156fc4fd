/* payload.c — gzip-magic detection and bounded inflation; see payload.h. */
#include "receivers/pyroscope/ingest/payload.h"

#include <stdio.h>

#include "net/compress.h"

pf_pyro_status pf_pyro_maybe_gunzip(const char *what, const uint8_t *p, size_t len, size_t max_out, pf_arena *a,
                                    const uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    if (len < 2 || p[0] != 0x1f || p[1] != 0x8b) {
        *out = p;
        *out_len = len;
        return PF_PYRO_OK;
    }
    pf_buf buf = {0};
    char why[160];
    pf_decompress_result r = pf_decompress("gzip", p, len, max_out, &buf, why, sizeof(why));
    if (r != PF_DECOMPRESS_OK) {
        pf_buf_free(&buf);
        if (r == PF_DECOMPRESS_TOO_LARGE) {
            snprintf(err, errlen, "%s: gzip payload inflates to more than %zu bytes", what, max_out);
            return PF_PYRO_TOO_LARGE;
        }
        snprintf(err, errlen, "%s: invalid gzip data: %s", what, why);
        return PF_PYRO_BAD_REQUEST;
    }
    /* One copy into the arena so the result lives as long as the decoded profiles. */
    *out = buf.len ? pf_arena_memdup(a, buf.data, buf.len) : (const uint8_t *)"";
    *out_len = buf.len;
    pf_buf_free(&buf);
    return PF_PYRO_OK;
}
