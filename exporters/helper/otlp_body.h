/* otlp_body.h — the OTLP protobuf body an exporter sends for a batch (otlp, otlphttp with encoding:
 * proto): the one place where a batch becomes OTLP bytes on their way out.
 *
 * Verbatim forwarding: when the batch still holds the bytes it was received as
 * (pipeline/model/wire.h: nothing changed it since validation), those bytes are sent instead of
 * packing the tree; when the request came compressed the way the exporter compresses (gzip in, gzip
 * out; zstd in, zstd out), the compressed bytes are sent as they came, without compressing again.
 * Otherwise the batch is packed and compressed at the configured level.
 *
 * Ownership: appends to a caller-owned pf_buf. */
#ifndef PF_OTLP_BODY_H
#define PF_OTLP_BODY_H

#include "pipeline/base/xalloc.h"
#include "pipeline/model/batch.h"

typedef enum pf_otlp_body_source {
    PF_OTLP_BODY_ENCODED,             /* packed from the tree (and compressed) */
    PF_OTLP_BODY_VERBATIM,            /* the received protobuf bytes (compressed here when asked) */
    PF_OTLP_BODY_VERBATIM_COMPRESSED, /* the received compressed bytes, as they came */
} pf_otlp_body_source;

/* Appends b's ExportProfilesServiceRequest, compressed with `compression` ("gzip", "zstd";
 * NULL/""/"none" = plain) at `level` (net/compress.h), to out. Returns where the bytes came from. */
pf_otlp_body_source pf_otlp_body(const pf_batch *b, const char *compression, int level, pf_buf *out);

#endif
