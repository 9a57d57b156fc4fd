/* otlp_body.c — OTLP protobuf bodies, verbatim when the batch allows (see otlp_body.h). */
#include "exporters/helper/otlp_body.h"

#include <strings.h>

#include "net/compress.h"
#include "pipeline/model/wire.h"

static bool plain_wanted(const char *compression)
{
    return !compression || !*compression || strcasecmp(compression, "none") == 0 ||
           pf_encoding_is_identity(compression);
}

pf_otlp_body_source pf_otlp_body(const pf_batch *b, const char *compression, int level, pf_buf *out)
{
    const pf_batch_wire *w = pf_batch_wire_get(b);
    bool plain = plain_wanted(compression);
    if (w) {
        if (!plain && w->encoding && strcasecmp(w->encoding, compression) == 0) {
            pf_buf_append(out, w->encoded, w->encoded_len);
            return PF_OTLP_BODY_VERBATIM_COMPRESSED;
        }
        if (plain)
            pf_buf_append(out, w->plain, w->plain_len);
        else
            pf_compress_level(compression, level, w->plain, w->plain_len, out);
        return PF_OTLP_BODY_VERBATIM;
    }
    if (plain) {
        pf_batch_pack(b, out);
        return PF_OTLP_BODY_ENCODED;
    }
    pf_buf packed = {0};
    pf_batch_pack(b, &packed);
    pf_compress_level(compression, level, packed.data, packed.len, out);
    pf_buf_free(&packed);
    return PF_OTLP_BODY_ENCODED;
}
