/* series_pprof.c — a batch's profiles as labeled gzipped pprofs (see series_pprof.h).
 *
 * pf_pprof_from_batch() groups only Profiles with the same attribute list, but its items do not say
 * which Profiles they came from. So each scope is first split by attribute list and every part is
 * converted through a view of the batch holding just that part: the groups, and so the pprofs, are
 * exactly those of the whole scope, and each pprof's attributes are known. */
#include "exporters/helper/series_pprof.h"

#include <stdlib.h>
#include <string.h>

#include "pipeline/model/series.h"

static bool reserved_kept(const pf_series_options *o, const char *name)
{
    if (strcmp(name, "__name__") == 0) return true;
    for (const char *const *k = o->keep_reserved; k && *k; k++)
        if (strcmp(*k, name) == 0) return true;
    return false;
}

static void service_name_fallback(const pf_batch *b, const otlp_resource *r, pf_labels *out)
{
    if (pf_labels_get(out, "service_name")) return;
    const char *exe = r ? pf_kv_list_get(b, r->attributes, r->n_attributes, "process.executable.name") : NULL;
    if (exe && *exe) {
        char *v = pf_xasprintf("unknown_service:%s", exe);
        pf_labels_set(out, "service_name", v);
        free(v);
    } else {
        pf_labels_set(out, "service_name", "unknown_service");
    }
}

static void item_labels(const pf_batch *b, const otlp_resource *r, const otlp_profile *first, const char *name,
                        const pf_series_options *o, pf_series *s, pf_labels *out)
{
    pf_series_reset(s, true);
    pf_series_add_resource(s, b, r);
    pf_series_add_attrs(s, b, first->attribute_indices, first->n_attribute_indices);
    for (size_t i = 0; i < s->n_sources; i++) {
        const pf_series_source *src = &s->sources[i];
        const char *value = pf_labels_get(&s->labels, src->label);
        if (!value || strncmp(src->key, "pprof.profile.", 14) == 0) continue;
        if (strncmp(src->label, "__", 2) == 0 && !reserved_kept(o, src->label)) continue;
        pf_labels_set(out, src->label, value);
    }
    if (!pf_labels_get(out, "__name__")) pf_labels_set(out, "__name__", name);
    service_name_fallback(b, r, out);
    for (size_t i = 0; o->external_labels && i < o->external_labels->n; i++)
        pf_labels_set(out, o->external_labels->keys[i], o->external_labels->values[i]);
}

static bool same_attrs(const otlp_profile *a, const otlp_profile *b)
{
    return a->n_attribute_indices == b->n_attribute_indices &&
           (!a->n_attribute_indices ||
            memcmp(a->attribute_indices, b->attribute_indices, a->n_attribute_indices * sizeof(int32_t)) == 0);
}

/* Converts the profiles of sp that share `first`'s attribute list (marking them done). */
static bool convert_part(const pf_batch *b, const otlp_resource_profiles *rp, const otlp_scope_profiles *sp,
                         size_t first, bool *done, otlp_profile **members, const pf_series_options *o, pf_series *s,
                         pf_series_pprofs *out, char *err, size_t err_len)
{
    size_t n = 0;
    for (size_t i = first; i < sp->n_profiles; i++)
        if (!done[i] && same_attrs(sp->profiles[first], sp->profiles[i])) {
            members[n++] = sp->profiles[i];
            done[i] = true;
        }
    otlp_scope_profiles view_sp = *sp;
    view_sp.profiles = members;
    view_sp.n_profiles = n;
    /* The whole scope is one part (always so for a scraped pprof): convert the scope itself, so a pprof
     * kept with it (wire.h, scope sources) is found. */
    otlp_scope_profiles *view_sp_ptr = n == sp->n_profiles ? (otlp_scope_profiles *)sp : &view_sp;
    otlp_resource_profiles view_rp = *rp;
    view_rp.scope_profiles = &view_sp_ptr;
    view_rp.n_scope_profiles = 1;
    otlp_resource_profiles *view_rp_ptr = &view_rp;
    otlp_request view_req = *b->req;
    view_req.resource_profiles = &view_rp_ptr;
    view_req.n_resource_profiles = 1;
    pf_batch view = *b;
    view.req = &view_req;

    pf_series_pprof_items items = {0};
    if (!pf_pprof_from_batch(&view, &items, err, err_len)) return false;
    out->items = pf_xrealloc(out->items, (out->n + items.n) * sizeof(*out->items));
    for (size_t i = 0; i < items.n; i++) {
        pf_series_pprof *item = &out->items[out->n++];
        *item = (pf_series_pprof){.pprof = items.items[i]};
        item->pprof.resource = rp;
        item->pprof.scope = NULL;
        item_labels(b, rp->resource, members[0], item->pprof.name, o, s, &item->labels);
    }
    free(items.items); /* the items' contents moved to out */
    return true;
}

static int labels_cmp(const pf_labels *a, const pf_labels *b)
{
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        int c = strcmp(a->items[i].name, b->items[i].name);
        if (!c) c = strcmp(a->items[i].value, b->items[i].value);
        if (c) return c;
    }
    return (a->n > b->n) - (a->n < b->n);
}

typedef struct sort_entry {
    pf_series_pprof item;
    size_t order;
} sort_entry;

static int entry_cmp(const void *x, const void *y)
{
    const sort_entry *a = x, *b = y;
    int c = labels_cmp(&a->item.labels, &b->item.labels);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

static void sort_by_labels(pf_series_pprofs *s)
{
    if (s->n < 2) return;
    sort_entry *e = pf_xmalloc(s->n * sizeof(*e));
    for (size_t i = 0; i < s->n; i++) e[i] = (sort_entry){s->items[i], i};
    qsort(e, s->n, sizeof(*e), entry_cmp);
    for (size_t i = 0; i < s->n; i++) s->items[i] = e[i].item;
    free(e);
}

bool pf_series_pprofs_build(const pf_batch *b, const pf_series_options *opts, pf_series_pprofs *out, char *err,
                            size_t err_len)
{
    pf_series s = {0};
    bool ok = true;
    for (size_t r = 0; ok && r < b->req->n_resource_profiles; r++) {
        const otlp_resource_profiles *rp = b->req->resource_profiles[r];
        for (size_t k = 0; ok && k < rp->n_scope_profiles; k++) {
            const otlp_scope_profiles *sp = rp->scope_profiles[k];
            if (!sp->n_profiles) continue;
            bool *done = pf_xcalloc(sp->n_profiles, sizeof(*done));
            otlp_profile **members = pf_xcalloc(sp->n_profiles, sizeof(*members));
            for (size_t i = 0; ok && i < sp->n_profiles; i++)
                if (!done[i]) ok = convert_part(b, rp, sp, i, done, members, opts, &s, out, err, err_len);
            free(members);
            free(done);
        }
    }
    pf_series_free(&s);
    if (!ok) {
        pf_series_pprofs_free(out);
        return false;
    }
    sort_by_labels(out);
    return true;
}

void pf_series_pprofs_free(pf_series_pprofs *s)
{
    for (size_t i = 0; i < s->n; i++) {
        pf_labels_free(&s->items[i].labels);
        free(s->items[i].pprof.name);
        pf_buf_free(&s->items[i].pprof.gzipped);
    }
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

pf_series_pprof_metrics pf_series_pprof_metrics_new(const char *exporter_id)
{
    static const char help[] =
        "pprofs a pyroscope or parca exporter put into requests, by origin: as_scraped (the bytes the pprof "
        "receiver scraped, unchanged) or encoded (built from the batch's profiles)";
    pf_series_pprof_metrics m;
    char *labels = pf_xasprintf("exporter=\"%s\",pprof=\"as_scraped\"", exporter_id);
    m.as_scraped = pf_counter("proflow_exporter_pprofs_total", help, labels);
    free(labels);
    labels = pf_xasprintf("exporter=\"%s\",pprof=\"encoded\"", exporter_id);
    m.encoded = pf_counter("proflow_exporter_pprofs_total", help, labels);
    free(labels);
    return m;
}

void pf_series_pprofs_count(const pf_series_pprofs *s, const pf_series_pprof_metrics *m)
{
    size_t scraped = 0;
    for (size_t i = 0; i < s->n; i++) scraped += s->items[i].pprof.as_scraped;
    pf_metric_add(m->as_scraped, (double)scraped);
    pf_metric_add(m->encoded, (double)(s->n - scraped));
}

size_t pf_series_run(const pf_series_pprofs *s, size_t first)
{
    size_t n = 1;
    while (first + n < s->n && pf_labels_equal(&s->items[first].labels, &s->items[first + n].labels)) n++;
    return n;
}

bool pf_series_external_labels_valid(const pf_strmap *labels, const pf_node *node, const char *path, pf_cfg_error *err)
{
    for (size_t i = 0; i < labels->n; i++)
        if (!pf_label_name_valid(labels->keys[i]) || strncmp(labels->keys[i], "__", 2) == 0) {
            pf_cfg_errorf(
                err, node, path,
                "external_labels: \"%s\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)",
                labels->keys[i]);
            return false;
        }
    return true;
}
