/* resource_processor.c — applies the configured attribute actions to each resource's attributes and
 * to each profile's attributes (re-interned in the dictionary), see resource_processor.h. */
#include "processors/resource/resource_processor.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/model/dict.h"

typedef struct resource_processor {
    pf_component base;
    pf_consumer *next;
    attr_actions *resource, *profile;
} resource_processor;

static void edit_resource(const attr_actions *acts, pf_batch *b, otlp_resource *r, attr_set *set)
{
    set->n = 0;
    for (size_t i = 0; i < r->n_attributes; i++) {
        PF_GROW(set->items, set->cap, set->n + 1, 16);
        set->items[set->n++] =
            (attr_entry){pf_kv_key(b, r->attributes[i]), r->attributes[i]->value, 0, (int32_t)i, false};
    }
    attr_actions_apply(acts, b, set);
    otlp_kv **kvs = pf_arena_alloc(b->arena, (set->n + 1) * sizeof(otlp_kv *));
    for (size_t i = 0; i < set->n; i++) {
        const attr_entry *e = &set->items[i];
        if (e->index >= 0 && !e->changed) {
            kvs[i] = r->attributes[e->index];
            continue;
        }
        kvs[i] = pf_arena_alloc(b->arena, sizeof(otlp_kv));
        *kvs[i] = (otlp_kv)OTLP_KV_INIT;
        kvs[i]->key = pf_arena_strdup(b->arena, e->key);
        kvs[i]->value = (otlp_any_value *)e->value;
    }
    r->attributes = kvs;
    r->n_attributes = set->n;
}

static void edit_profile(const attr_actions *acts, pf_batch *b, otlp_profile *p, attr_set *set)
{
    const otlp_dictionary *d = b->req->dictionary;
    set->n = 0;
    for (size_t i = 0; i < p->n_attribute_indices; i++) {
        int32_t idx = p->attribute_indices[i];
        if (idx < 0 || (size_t)idx >= d->n_attribute_table) continue;
        const otlp_kvu *kv = d->attribute_table[idx];
        PF_GROW(set->items, set->cap, set->n + 1, 16);
        set->items[set->n++] =
            (attr_entry){pf_batch_string(b, kv->key_strindex), kv->value, kv->unit_strindex, idx, false};
    }
    attr_actions_apply(acts, b, set);
    int32_t *out = pf_arena_alloc(b->arena, (set->n + 1) * sizeof(int32_t));
    otlp_any_value none = OTLP_ANY_VALUE_INIT;
    for (size_t i = 0; i < set->n; i++) {
        const attr_entry *e = &set->items[i];
        out[i] = e->index >= 0 && !e->changed ? e->index
                                              : pf_dict_attr(b, e->key, e->value ? e->value : &none, e->unit_strindex);
    }
    p->attribute_indices = out;
    p->n_attribute_indices = set->n;
}

void resource_process_batch(const attr_actions *resource, const attr_actions *profile, pf_batch *b)
{
    attr_set set = {0};
    for (size_t r = 0; r < b->req->n_resource_profiles; r++) {
        otlp_resource_profiles *rp = b->req->resource_profiles[r];
        if (resource && rp->resource) edit_resource(resource, b, rp->resource, &set);
        for (size_t s = 0; profile && s < rp->n_scope_profiles; s++)
            for (size_t p = 0; p < rp->scope_profiles[s]->n_profiles; p++)
                edit_profile(profile, b, rp->scope_profiles[s]->profiles[p], &set);
    }
    free(set.items);
}

static pf_status resource_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    resource_processor *rp = self->data;
    b = pf_batch_make_writable(b);
    resource_process_batch(rp->resource, rp->profile, b);
    return pf_consumer_consume(rp->next, b, err);
}

static void resource_destroy(pf_component *c)
{
    resource_processor *rp = (resource_processor *)c;
    attr_actions_free(rp->resource);
    attr_actions_free(rp->profile);
    free(rp);
}

static const pf_component_ops resource_ops = {.destroy = resource_destroy, .consume = resource_consume};

pf_component *resource_processor_create(const pf_create_args *args, pf_error *err)
{
    const resource_processor_config *cfg = args->config;
    char msg[400];
    attr_actions *res = cfg->attributes.n ? attr_actions_compile(&cfg->attributes, msg, sizeof(msg)) : NULL;
    if (cfg->attributes.n && !res) {
        pf_error_set(err, "attributes: %s", msg);
        return NULL;
    }
    attr_actions *prof =
        cfg->profile_attributes.n ? attr_actions_compile(&cfg->profile_attributes, msg, sizeof(msg)) : NULL;
    if (cfg->profile_attributes.n && !prof) {
        attr_actions_free(res);
        pf_error_set(err, "profile_attributes: %s", msg);
        return NULL;
    }
    resource_processor *rp = pf_xcalloc(1, sizeof(*rp));
    pf_component_init(&rp->base, &resource_ops, args);
    rp->next = args->next;
    rp->resource = res;
    rp->profile = prof;
    return &rp->base;
}
