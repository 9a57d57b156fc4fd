/* payload.h — what an exporter's sending queue holds: a batch already in the exporter's wire form
 * (encoded and, where configured, compressed), its content metadata and its item counts. Retries
 * resend these bytes; the decoded batch is freed once every exporter has encoded it.
 *
 * A batch that fans out to several exporters is encoded once per distinct wire form: an exporter
 * whose encoding depends only on the batch (e.g. OTLP protobuf + gzip) names it with a key, and the
 * payload is kept on the batch (pf_batch_encoded_get/put) for the next exporter with the same key.
 *
 * The persistent queue stores payloads as records (pf_payload_serialize / pf_payload_deserialize).
 *
 * Memory: payload bytes are accounted as PF_MEM_QUEUED (memory_budget.h) while they exist.
 * Ownership: reference counted (pf_payload_ref/unref); loop thread only. */
#ifndef PF_PAYLOAD_H
#define PF_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/model/batch.h"
#include "pipeline/base/xalloc.h"

typedef struct pf_payload {
    int refs;
    uint8_t *data; /* wire bytes (compressed when content_encoding is set) */
    size_t len;
    char *content_type;     /* NULL when the exporter has no use for one */
    char *content_encoding; /* "gzip", "zstd"; NULL = identity */
    char *meta;             /* exporter-specific text kept with the bytes (e.g. the tenant); NULL when none */
    uint64_t samples, profiles;
    int origin; /* how the bytes were made, for the exporter's metrics (exporters/helper/otlp_body.h:
                   pf_otlp_body_source + 1); 0 = not said (e.g. read back from a persistent queue) */
} pf_payload;

/* Takes over body's bytes (body is left empty). Strings are copied; any may be NULL. */
pf_payload *pf_payload_new(pf_buf *body, const char *content_type, const char *content_encoding, const char *meta,
                           uint64_t samples, uint64_t profiles);
pf_payload *pf_payload_ref(pf_payload *p);
void pf_payload_unref(pf_payload *p);

/* Compresses body in place with `encoding` ("gzip", "zstd"; NULL/"none"/"" = leave as is) at `level`
 * (compression_params.level; net/compress.h, 0 = the encoding's default). Returns the encoding applied
 * (NULL when none). */
const char *pf_payload_compress(pf_buf *body, const char *encoding, int level);

/* The payload another exporter encoded from b under `key`, or NULL. Borrowed: ref it to keep it. */
pf_payload *pf_batch_encoded_get(const pf_batch *b, const char *key);
/* Keeps p (one more reference) on b under key, for the other exporters b fans out to. */
void pf_batch_encoded_put(pf_batch *b, const char *key, pf_payload *p);
/* Frees b's encoded cache (batch.c calls it when the batch dies). */
void pf_batch_encoded_release(pf_batch *b);

/* Record form for the persistent queue (versioned: PF_PAYLOAD_RECORD_VERSION). */
#define PF_PAYLOAD_RECORD_VERSION 1
void pf_payload_serialize(const pf_payload *p, pf_buf *out);
/* NULL with err set when the record is not a valid payload record. */
pf_payload *pf_payload_deserialize(const uint8_t *rec, size_t len, char *err, size_t err_len);

#endif
