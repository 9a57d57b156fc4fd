/* from_batch.c — batch → list of gzipped pprofs (see pprof.h).
 *
 * Grouping: within one scope, a Profile joins the first group whose first member has the same
 * time, duration, period, period type and profile attribute list, and which has no member of the
 * same sample type yet; otherwise it starts a new group. Profiles that pf_pprof_to_otlp made from one
 * pprof therefore come back together, and unrelated Profiles never share a pprof. A scope that still
 * has the pprof it was made from (wire.h, scope sources) is that pprof, without encoding. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/pprof/encode.h"
#include "pipeline/model/series.h"
#include "pipeline/model/wire.h"

/* Members are chained through next[] while grouping, then copied out contiguously. */
typedef struct group {
    size_t head, tail, n;
} group;

static bool same_value_type(const otlp_value_type *a, const otlp_value_type *b)
{
    int32_t at = a ? a->type_strindex : 0, au = a ? a->unit_strindex : 0;
    int32_t bt = b ? b->type_strindex : 0, bu = b ? b->unit_strindex : 0;
    return at == bt && au == bu;
}

static bool belongs(const otlp_scope_profiles *sp, const group *g, const size_t *next, const otlp_profile *p)
{
    const otlp_profile *f = sp->profiles[g->head];
    if (f->time_unix_nano != p->time_unix_nano || f->duration_nano != p->duration_nano || f->period != p->period ||
        !same_value_type(f->period_type, p->period_type) || f->n_attribute_indices != p->n_attribute_indices ||
        (f->n_attribute_indices &&
         memcmp(f->attribute_indices, p->attribute_indices, f->n_attribute_indices * sizeof(int32_t)) != 0))
        return false;
    for (size_t i = g->head, k = 0; k < g->n; i = next[i], k++)
        if (same_value_type(sp->profiles[i]->sample_type, p->sample_type)) return false;
    return true;
}

static void add_item(const pf_batch *b, const otlp_scope_profiles *sp, const otlp_profile *first,
                     pf_series_pprof_item *item, pf_series_pprof_items *out)
{
    const char *name =
        sp->scope ? pf_kv_list_get(b, sp->scope->attributes, sp->scope->n_attributes, PF_ATTR_PROFILE_NAME) : NULL;
    item->name = pf_xstrdup(name && *name ? name : pf_profile_type_name(b, first));
    out->items = pf_xrealloc(out->items, (out->n + 1) * sizeof(*out->items));
    out->items[out->n++] = *item;
}

static bool convert_group(const pf_batch *b, const otlp_resource_profiles *rp, const otlp_scope_profiles *sp,
                          otlp_profile *const *members, size_t n, pf_series_pprof_items *out, char *err, size_t err_len)
{
    pf_series_pprof_item item = {.resource = rp, .scope = sp};
    if (!pf_pprof_encode_group(b, sp, members, n, &item, err, err_len)) {
        pf_buf_free(&item.gzipped);
        return false;
    }
    add_item(b, sp, members[0], &item, out);
    return true;
}

/* A scope made from one scraped pprof that is still as it was made: that pprof, as scraped
 * (wire.h, "scope sources"). Its Profiles share time, duration and attributes, so they would form
 * one group. */
static void convert_source(const pf_batch *b, const otlp_resource_profiles *rp, const otlp_scope_profiles *sp,
                           const pf_scope_source *src, pf_series_pprof_items *out)
{
    const otlp_profile *first = sp->profiles[0];
    pf_series_pprof_item item = {.resource = rp,
                                 .scope = sp,
                                 .n_samples = src->samples,
                                 .as_scraped = true,
                                 .time_unix_nano = first->time_unix_nano,
                                 .duration_nano = first->duration_nano};
    pf_buf_append(&item.gzipped, src->gzipped, src->len);
    add_item(b, sp, first, &item, out);
}

static bool convert_scope(const pf_batch *b, const otlp_resource_profiles *rp, const otlp_scope_profiles *sp,
                          pf_series_pprof_items *out, char *err, size_t err_len)
{
    size_t n = sp->n_profiles;
    if (!n) return true;
    const pf_scope_source *src = pf_batch_scope_source(b, sp);
    if (src) {
        convert_source(b, rp, sp, src, out);
        return true;
    }
    group *groups = pf_xcalloc(n, sizeof(*groups));
    size_t *next = pf_xcalloc(n, sizeof(*next));
    size_t n_groups = 0;
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < n_groups && !belongs(sp, &groups[g], next, sp->profiles[i])) g++;
        if (g == n_groups)
            groups[n_groups++] = (group){.head = i};
        else
            next[groups[g].tail] = i;
        groups[g].tail = i;
        groups[g].n++;
    }
    otlp_profile **members = pf_xcalloc(n, sizeof(*members));
    bool ok = true;
    for (size_t g = 0; g < n_groups && ok; g++) {
        for (size_t i = groups[g].head, k = 0; k < groups[g].n; i = next[i], k++) members[k] = sp->profiles[i];
        ok = convert_group(b, rp, sp, members, groups[g].n, out, err, err_len);
    }
    free(members);
    free(next);
    free(groups);
    return ok;
}

static void free_items_from(pf_series_pprof_items *items, size_t from)
{
    for (size_t i = from; i < items->n; i++) {
        free(items->items[i].name);
        pf_buf_free(&items->items[i].gzipped);
    }
    items->n = from;
}

bool pf_pprof_from_batch(const pf_batch *b, pf_series_pprof_items *out, char *err, size_t err_len)
{
    size_t before = out->n;
    for (size_t r = 0; r < b->req->n_resource_profiles; r++) {
        const otlp_resource_profiles *rp = b->req->resource_profiles[r];
        for (size_t s = 0; s < rp->n_scope_profiles; s++) {
            if (!convert_scope(b, rp, rp->scope_profiles[s], out, err, err_len)) {
                free_items_from(out, before);
                return false;
            }
        }
    }
    return true;
}

void pf_pprof_items_free(pf_series_pprof_items *items)
{
    free_items_from(items, 0);
    free(items->items);
    items->items = NULL;
}
