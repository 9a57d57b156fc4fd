/* series.c — labels of a profile series and the attribute edits that write relabeled labels back
 * (see series.h). */
#include "pipeline/model/series.h"

#include <string.h>

#include "pipeline/model/dict.h"
#include "pipeline/base/xalloc.h"

void pf_series_reset(pf_series *s, bool sanitize)
{
    pf_labels_clear(&s->labels);
    pf_labels_clear(&s->initial);
    for (size_t i = 0; i < s->n_sources; i++) {
        free(s->sources[i].label);
        free(s->sources[i].key);
    }
    s->n_sources = 0;
    s->sanitize = sanitize;
}

void pf_series_free(pf_series *s)
{
    pf_series_reset(s, false);
    pf_labels_free(&s->labels);
    pf_labels_free(&s->initial);
    free(s->sources);
    memset(s, 0, sizeof(*s));
}

static pf_series_source *find_source(const pf_series *s, const char *label)
{
    for (size_t i = 0; i < s->n_sources; i++)
        if (strcmp(s->sources[i].label, label) == 0) return &s->sources[i];
    return NULL;
}

static void add_label(pf_series *s, const char *key, const char *value, pf_label_origin origin)
{
    if (!value[0]) return; /* an empty label does not exist (Prometheus) */
    char *name = s->sanitize ? pf_label_name_sanitize(key) : pf_xstrdup(key);
    if (!s->sanitize)
        for (char *p = name; *p; p++)
            if (*p == '.') *p = '_';
    pf_series_source *src = find_source(s, name);
    if (!src) {
        PF_GROW(s->sources, s->cap_sources, s->n_sources + 1, 16);
        src = &s->sources[s->n_sources++];
        src->label = pf_xstrdup(name);
    } else {
        free(src->key);
    }
    src->key = pf_xstrdup(key);
    src->origin = origin;
    pf_labels_set(&s->labels, name, value);
    free(name);
}

void pf_series_add_resource(pf_series *s, const pf_batch *b, const otlp_resource *r)
{
    char scratch[64];
    for (size_t i = 0; r && i < r->n_attributes; i++)
        add_label(s, pf_kv_key(b, r->attributes[i]),
                  pf_any_value_string(b, r->attributes[i]->value, scratch, sizeof(scratch)), PF_ORIGIN_RESOURCE);
}

static const otlp_kvu *attr_entry(const pf_batch *b, int32_t idx)
{
    const otlp_dictionary *d = b->req->dictionary;
    return idx >= 0 && (size_t)idx < d->n_attribute_table ? d->attribute_table[idx] : NULL;
}

void pf_series_add_attrs(pf_series *s, const pf_batch *b, const int32_t *idx, size_t n)
{
    char scratch[64];
    for (size_t i = 0; i < n; i++) {
        const otlp_kvu *kv = attr_entry(b, idx[i]);
        if (kv)
            add_label(s, pf_batch_string(b, kv->key_strindex),
                      pf_any_value_string(b, kv->value, scratch, sizeof(scratch)), PF_ORIGIN_ATTRS);
    }
}

const char *pf_profile_type_name(const pf_batch *b, const otlp_profile *p)
{
    const char *type = p->sample_type ? pf_batch_string(b, p->sample_type->type_strindex) : "";
    const char *period = p->period_type ? pf_batch_string(b, p->period_type->type_strindex) : "";
    static const struct {
        const char *sample_type, *name;
    } names[] = {
        {"cpu", "process_cpu"},
        {"alloc_objects", "memory"},
        {"alloc_space", "memory"},
        {"inuse_objects", "memory"},
        {"inuse_space", "memory"},
        {"alloc_in_new_tlab_objects", "memory"},
        {"alloc_in_new_tlab_bytes", "memory"},
        {"contentions", "mutex"},
        {"delay", "mutex"},
        {"lock_count", "mutex"},
        {"lock_duration", "mutex"},
        {"block_count", "block"},
        {"block_duration", "block"},
        {"goroutine", "goroutine"},
        {"goroutines", "goroutine"},
        {"wall", "wall"},
        {"exception", "exceptions"},
        {"exceptions", "exceptions"},
        {"threadcreate", "threadcreate"},
    };
    /* A CPU profile counted in samples is still a CPU profile (period type cpu). */
    if (strcmp(type, "samples") == 0 && strcmp(period, "cpu") == 0) return "process_cpu";
    if (strcmp(type, "samples") == 0 && strcmp(period, "wall") == 0) return "wall";
    /* Go's block profile shares sample types with the mutex profile; its period type says which. */
    if ((strcmp(type, "contentions") == 0 || strcmp(type, "delay") == 0) && strcmp(period, "block") == 0)
        return "block";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(type, names[i].sample_type) == 0) return names[i].name;
    return type;
}

void pf_series_add_profile_type(pf_series *s, const pf_batch *b, const otlp_profile *p)
{
    if (!pf_labels_get(&s->labels, "__name__")) {
        const char *from_attr = pf_labels_get(&s->labels, "profile_type");
        add_label(s, "__name__", from_attr ? from_attr : pf_profile_type_name(b, p), PF_ORIGIN_SYNTHETIC);
    }
    if (p->sample_type)
        add_label(s, "__sample_type__", pf_batch_string(b, p->sample_type->type_strindex), PF_ORIGIN_SYNTHETIC);
    if (p->period_type)
        add_label(s, "__period_type__", pf_batch_string(b, p->period_type->type_strindex), PF_ORIGIN_SYNTHETIC);
}

void pf_series_snapshot(pf_series *s) { pf_labels_copy(&s->initial, &s->labels); }

void pf_series_of_profile(pf_series *s, const pf_batch *b, const otlp_resource *r, const otlp_profile *p)
{
    pf_series_add_resource(s, b, r);
    pf_series_add_attrs(s, b, p->attribute_indices, p->n_attribute_indices);
    pf_series_add_profile_type(s, b, p);
    pf_series_snapshot(s);
}

void pf_series_diff(const pf_series *s, pf_attr_edits *attr_edits, pf_attr_edits *resource_edits)
{
    for (size_t i = 0; i < s->n_sources; i++) {
        const pf_series_source *src = &s->sources[i];
        const char *before = pf_labels_get(&s->initial, src->label), *after = pf_labels_get(&s->labels, src->label);
        if (src->origin == PF_ORIGIN_SYNTHETIC || (after && before && strcmp(before, after) == 0)) continue;
        if (src->origin == PF_ORIGIN_ATTRS && after && resource_edits) {
            /* An edited profile-level label moves to the resource (where Pyroscope reads labels). */
            if (attr_edits) pf_attr_edits_set(attr_edits, src->key, NULL);
            pf_attr_edits_set(resource_edits, src->key, after);
            continue;
        }
        pf_attr_edits *e = src->origin == PF_ORIGIN_RESOURCE ? resource_edits : attr_edits;
        if (e) pf_attr_edits_set(e, src->key, after);
    }
    /* New labels go on the resource when the caller edits one: Pyroscope's OTLP ingest builds series
     * labels from resource (and scope) attributes only, so a label left on the profile vanishes there. */
    pf_attr_edits *fresh = resource_edits ? resource_edits : attr_edits;
    for (size_t i = 0; fresh && i < s->labels.n; i++) {
        const pf_label *l = &s->labels.items[i];
        if (strncmp(l->name, "__", 2) != 0 && !find_source(s, l->name)) pf_attr_edits_set(fresh, l->name, l->value);
    }
}

/* ---------------------------------------------------------------- edits */

static pf_attr_edit *edit_find(const pf_attr_edits *e, const char *key)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->items[i].key, key) == 0) return &e->items[i];
    return NULL;
}

void pf_attr_edits_set(pf_attr_edits *e, const char *key, const char *value)
{
    pf_attr_edit *ed = edit_find(e, key);
    if (!ed) {
        PF_GROW(e->items, e->cap, e->n + 1, 8);
        size_t at = 0;
        while (at < e->n && strcmp(e->items[at].key, key) < 0) at++;
        memmove(&e->items[at + 1], &e->items[at], (e->n - at) * sizeof(*e->items));
        e->n++;
        ed = &e->items[at];
        ed->key = pf_xstrdup(key);
    } else {
        free(ed->value);
    }
    ed->value = value ? pf_xstrdup(value) : NULL;
}

bool pf_attr_edits_equal(const pf_attr_edits *a, const pf_attr_edits *b)
{
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++) {
        const pf_attr_edit *x = &a->items[i], *y = &b->items[i];
        if (strcmp(x->key, y->key) != 0 || !x->value != !y->value || (x->value && strcmp(x->value, y->value) != 0))
            return false;
    }
    return true;
}

void pf_attr_edits_clear(pf_attr_edits *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->items[i].key);
        free(e->items[i].value);
    }
    e->n = 0;
}

void pf_attr_edits_free(pf_attr_edits *e)
{
    pf_attr_edits_clear(e);
    free(e->items);
    memset(e, 0, sizeof(*e));
}

int32_t *pf_attr_indices_edit(pf_batch *b, const int32_t *idx, size_t n, const pf_attr_edits *e, size_t *n_out)
{
    int32_t *out = pf_arena_alloc(b->arena, (n + e->n + 1) * sizeof(int32_t));
    bool *used = pf_xcalloc(e->n + 1, sizeof(bool));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const otlp_kvu *kv = attr_entry(b, idx[i]);
        const pf_attr_edit *ed = kv ? edit_find(e, pf_batch_string(b, kv->key_strindex)) : NULL;
        if (!ed) {
            out[k++] = idx[i];
            continue;
        }
        used[ed - e->items] = true;
        /* Interning may grow the dictionary tables: copy what we need from kv first. */
        int32_t unit = kv->unit_strindex;
        if (ed->value) out[k++] = pf_dict_attr_string(b, ed->key, ed->value, unit);
    }
    for (size_t i = 0; i < e->n; i++)
        if (!used[i] && e->items[i].value) out[k++] = pf_dict_attr_string(b, e->items[i].key, e->items[i].value, 0);
    free(used);
    *n_out = k;
    return out;
}

static otlp_kv *string_kv(pf_batch *b, const pf_attr_edit *ed)
{
    otlp_kv *kv = pf_arena_alloc(b->arena, sizeof(*kv));
    *kv = (otlp_kv)OTLP_KV_INIT;
    kv->key = pf_arena_strdup(b->arena, ed->key);
    kv->value = pf_arena_alloc(b->arena, sizeof(*kv->value));
    *kv->value = (otlp_any_value)OTLP_ANY_VALUE_INIT;
    kv->value->value_case = OTLP_VALUE_STRING;
    kv->value->string_value = pf_arena_strdup(b->arena, ed->value);
    return kv;
}

void pf_resource_edit(pf_batch *b, otlp_resource *r, const pf_attr_edits *e)
{
    otlp_kv **attrs = pf_arena_alloc(b->arena, (r->n_attributes + e->n + 1) * sizeof(otlp_kv *));
    bool *used = pf_xcalloc(e->n + 1, sizeof(bool));
    size_t k = 0;
    for (size_t i = 0; i < r->n_attributes; i++) {
        const pf_attr_edit *ed = edit_find(e, pf_kv_key(b, r->attributes[i]));
        if (!ed) {
            attrs[k++] = r->attributes[i];
            continue;
        }
        used[ed - e->items] = true;
        if (ed->value) attrs[k++] = string_kv(b, ed);
    }
    for (size_t i = 0; i < e->n; i++)
        if (!used[i] && e->items[i].value) attrs[k++] = string_kv(b, &e->items[i]);
    free(used);
    r->attributes = attrs;
    r->n_attributes = k;
}
