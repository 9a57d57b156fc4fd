/* wire.c — a batch's received bytes (see wire.h). */
#include "pipeline/model/wire.h"

#include <string.h>
#include <strings.h>

#include "pipeline/base/log.h"
#include "pipeline/model/payload.h"

static const char *kept_encoding(const char *encoding)
{
    if (!encoding) return NULL;
    if (strcasecmp(encoding, "gzip") == 0) return "gzip";
    if (strcasecmp(encoding, "zstd") == 0) return "zstd";
    return NULL;
}

void pf_batch_wire_keep(pf_batch *b, const void *plain, size_t plain_len, const char *encoding, const void *encoded,
                        size_t encoded_len)
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

void pf_batch_wire_drop(pf_batch *b)
{
    b->wire = NULL;
    /* Payloads exporters already made of it (payload.h) no longer match either. */
    if (b->encoded) pf_batch_encoded_release(b);
}

pf_batch *pf_batch_new_lazy(const void *plain, size_t plain_len, const char *encoding, const void *encoded,
                            size_t encoded_len, const pf_wire_counts *counts)
{
    pf_batch *b = pf_batch_new_empty_lazy(plain_len + (encoded ? encoded_len : 0) + 4096);
    pf_batch_wire_keep(b, plain, plain_len, encoding, encoded, encoded_len);
    b->wire->counts = *counts;
    b->wire_bytes = plain_len;
    return b;
}

bool pf_batch_materialize(pf_batch *b)
{
    if (b->req) return true;
    const pf_batch_wire *w = b->wire;
    ProtobufCAllocator al = pf_arena_allocator(b->arena);
    otlp_request *req =
        (otlp_request *)protobuf_c_message_unpack(&otlp_request_descriptor, &al, w->plain_len, w->plain);
    char err[256] = "";
    if (req) {
        b->req = req;
        if (!req->dictionary) {
            otlp_request *empty = pf_batch_new_tree(b);
            req->dictionary = empty->dictionary;
        }
        if (pf_batch_validate(b, NULL, err, sizeof err)) return true;
    }
    /* pf_wire_validate accepted bytes that the tree path refuses: a bug, but never a crash */
    pf_log(PF_LOG_ERROR, NULL,
           "a request validated on the wire does not decode (%zu bytes): %s; its %zu samples are dropped", w->plain_len,
           req ? err : "protobuf decoding failed", w->counts.samples);
    b->req = pf_batch_new_tree(b);
    pf_batch_wire_drop(b);
    return false;
}
