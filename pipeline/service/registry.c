/* registry.c — looks factories up in the generated table (registry.c.in) and the tests' extra list. */
#include "pipeline/service/registry.h"

#include <string.h>

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
