/* wire.c — a batch's received bytes (see wire.h). */
#include "pipeline/model/wire.h"

#include <string.h>
#include <strings.h>

static const char *kept_encoding(const char *encoding)
{
    if (!encoding) return NULL;
    if (strcasecmp(encoding, "gzip") == 0) return "gzip";
    if (strcasecmp(encoding, "zstd") == 0) return "zstd";
    return NULL;
}

void pf_batch_wire_keep(pf_batch *b, const void *plain, size_t plain_len, const char *encoding,
                        const void *encoded, size_t encoded_len)
{
    pf_batch_wire *w = pf_arena_alloc(b->arena, sizeof(*w));
    w->plain = pf_arena_memdup(b->arena, plain, plain_len);
    w->plain_len = plain_len;
    w->encoding = kept_encoding(encoding);
    if (w->encoding && encoded) {
        w->encoded = pf_arena_memdup(b->arena, encoded, encoded_len);
        w->encoded_len = encoded_len;
    } else {
        w->encoding = NULL;
    }
    b->wire = w;
}

const pf_batch_wire *pf_batch_wire_get(const pf_batch *b) { return b->wire; }

void pf_batch_wire_drop(pf_batch *b) { b->wire = NULL; }
