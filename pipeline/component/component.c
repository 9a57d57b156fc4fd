/* component.c — small helpers of the component model (see component.h). */
#include "pipeline/component/component.h"
#include "pipeline/model/wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pf_error_set(pf_error *err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

const char *pf_kind_name(pf_kind kind)
{
    switch (kind) {
    case PF_KIND_RECEIVER: return "receiver";
    case PF_KIND_PROCESSOR: return "processor";
    case PF_KIND_EXPORTER: return "exporter";
    case PF_KIND_EXTENSION: return "extension";
    }
    return "unknown";
}

pf_status pf_consumer_consume_decoded(pf_consumer *c, pf_batch *b, pf_error *err)
{
    if (!pf_batch_materialize(b)) {
        pf_batch_unref(b);
        pf_error_set(err, "the request could not be decoded");
        return PF_PERMANENT;
    }
    return c->consume(c, b, err);
}
