/* component.c — registry lookup and small helpers of the component model (see component.h). */
#include "pipeline/component.h"

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

static const pf_factory *const *registry_extra;

void pf_registry_set_extra(const pf_factory *const *extra) { registry_extra = extra; }

static const pf_factory *find_in(const pf_factory *const *list, pf_kind kind, const char *type)
{
    for (size_t i = 0; list && list[i]; i++)
        if (list[i]->kind == kind && strcmp(list[i]->type, type) == 0) return list[i];
    return NULL;
}

const pf_factory *pf_registry_find(pf_kind kind, const char *type)
{
    const pf_factory *f = find_in(pf_registry, kind, type);
    return f ? f : find_in(registry_extra, kind, type);
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
