/* aggregate.c — batch → flame store (see aggregate.h). */
#include "exporters/flamegraph/aggregate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pprof/pprof.h"
#include "pipeline/model/series.h"

typedef struct walk {
    pf_flame_store *store;
    const pf_batch *b;
    const otlp_dictionary *d;
    uint64_t now;
    flamegraph_drops *drops;
    size_t added;
    /* caches valid while stamp matches (one stamp per profile and tree generation) */
    uint32_t stamp;
    uint32_t *stack_stamp, *stack_leaf; /* by stack index */
    uint32_t *fn_stamp, *fn_name;       /* by function index: name id in the current tree */
    uint32_t *frames;                   /* name ids of one stack, root first */
    size_t cap_frames;
} walk;

static int64_t sample_value(const otlp_sample *s)
{
    if (s->n_values == 0) return (int64_t)s->n_timestamps_unix_nano;
    int64_t sum = 0;
    for (size_t i = 0; i < s->n_values; i++) sum += s->values[i];
    return sum;
}

static uint32_t function_name(walk *w, pf_flame_tree *t, int32_t fi)
{
    if (fi <= 0 || (size_t)fi >= w->d->n_function_table) return pf_flame_intern(t, "?", 1);
    if (w->fn_stamp[fi] == w->stamp) return w->fn_name[fi];
    const otlp_function *f = w->d->function_table[fi];
    const char *name = pf_batch_string(w->b, f->name_strindex);
    if (!*name) name = pf_batch_string(w->b, f->system_name_strindex);
    if (!*name) name = "?";
    w->fn_stamp[fi] = w->stamp;
    return w->fn_name[fi] = pf_flame_intern(t, name, strlen(name));
}

static void push_frame(walk *w, size_t *n, uint32_t name)
{
    if (*n == w->cap_frames) {
        w->cap_frames = w->cap_frames ? w->cap_frames * 2 : 64;
        w->frames = pf_xrealloc(w->frames, w->cap_frames * sizeof(uint32_t));
    }
    w->frames[(*n)++] = name;
}

/* The leaf node of a stack, creating its path. */
static uint32_t resolve(walk *w, pf_flame_tree *t, int32_t stack_index)
{
    size_t n = 0;
    if (stack_index >= 0 && (size_t)stack_index < w->d->n_stack_table) {
        const otlp_stack *st = w->d->stack_table[stack_index];
        for (size_t k = st->n_location_indices; k-- > 0;) {
            int32_t li = st->location_indices[k];
            if (li < 0 || (size_t)li >= w->d->n_location_table) continue;
            const otlp_location *loc = w->d->location_table[li];
            if (loc->n_lines == 0) {
                char addr[24];
                int len = snprintf(addr, sizeof(addr), "0x%" PRIx64, loc->address);
                push_frame(w, &n, pf_flame_intern(t, addr, (size_t)len));
            }
            for (size_t l = loc->n_lines; l-- > 0;)
                push_frame(w, &n, function_name(w, t, loc->lines[l]->function_index));
        }
    }
    size_t max = pf_flame_max_depth(t);
    if (n > max) n = max;
    uint32_t gen = pf_flame_tree_generation(t);
    pf_flame_make_room(t, n);
    if (pf_flame_tree_generation(t) != gen) {
        /* Pruned: every cached id of this tree is stale, names included; start the stack again. */
        w->stamp++;
        return resolve(w, t, stack_index);
    }
    uint32_t node = 0;
    for (size_t i = 0; i < n; i++) node = pf_flame_child(t, node, w->frames[i]);
    return node;
}

static bool profile_fn(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    (void)b;
    walk *w = data;
    const otlp_profile *p = ref->profile;
    const otlp_resource *res = ref->rp->resource;
    const char *service = res ? pf_kv_list_get(w->b, res->attributes, res->n_attributes, "service.name") : NULL;
    if (!service || !*service) service = "unknown_service";
    /* The profile type as the receiver named it (pprof: the scraped type; Pyroscope: __name__), else
     * inferred from the sample type like the exporters do. */
    const otlp_scope *scope = ref->sp->scope;
    const char *name =
        scope ? pf_kv_list_get(w->b, scope->attributes, scope->n_attributes, PF_ATTR_PROFILE_NAME) : NULL;
    if (!name || !*name) name = pf_profile_type_name(w->b, p);
    char type[512];
    snprintf(type, sizeof(type), "%s:%s:%s", name,
             p->sample_type ? pf_batch_string(w->b, p->sample_type->type_strindex) : "samples",
             p->sample_type ? pf_batch_string(w->b, p->sample_type->unit_strindex) : "count");
    const char *reason = NULL;
    pf_flame_tree *t = pf_flame_tree_for(w->store, service, type, p->time_unix_nano, w->now, &reason);
    if (!t) {
        size_t n = pf_profile_sample_count(p);
        if (strcmp(reason, "max_services") == 0)
            w->drops->max_services += n;
        else if (strcmp(reason, "max_types") == 0)
            w->drops->max_types += n;
        else
            w->drops->outside_retention += n;
        return true;
    }
    w->stamp++;
    uint32_t gen = pf_flame_tree_generation(t);
    for (size_t s = 0; s < p->n_samples; s++) {
        const otlp_sample *sample = p->samples[s];
        int32_t si = sample->stack_index;
        bool cacheable = si >= 0 && (size_t)si < w->d->n_stack_table;
        uint32_t leaf;
        if (cacheable && w->stack_stamp[si] == w->stamp && pf_flame_tree_generation(t) == gen) {
            leaf = w->stack_leaf[si];
        } else {
            if (pf_flame_tree_generation(t) != gen) {
                gen = pf_flame_tree_generation(t);
                w->stamp++;
            }
            leaf = resolve(w, t, si);
            if (pf_flame_tree_generation(t) != gen) { /* resolve pruned: older cache entries are stale */
                gen = pf_flame_tree_generation(t);
            }
            if (cacheable) {
                w->stack_stamp[si] = w->stamp;
                w->stack_leaf[si] = leaf;
            }
        }
        pf_flame_add_self(t, leaf, sample_value(sample));
    }
    pf_flame_count(t, (int64_t)p->n_samples, 1);
    w->added += p->n_samples;
    return true;
}

size_t flamegraph_aggregate(pf_flame_store *s, const pf_batch *b, uint64_t now_unix_nano, flamegraph_drops *drops)
{
    walk w = {.store = s, .b = b, .d = b->req->dictionary, .now = now_unix_nano, .drops = drops};
    size_t ns = w.d->n_stack_table ? w.d->n_stack_table : 1, nf = w.d->n_function_table ? w.d->n_function_table : 1;
    w.stack_stamp = pf_xcalloc(ns, sizeof(uint32_t));
    w.stack_leaf = pf_xmalloc(ns * sizeof(uint32_t));
    w.fn_stamp = pf_xcalloc(nf, sizeof(uint32_t));
    w.fn_name = pf_xmalloc(nf * sizeof(uint32_t));
    pf_batch_foreach_profile((pf_batch *)b, profile_fn, &w);
    free(w.stack_stamp);
    free(w.stack_leaf);
    free(w.fn_stamp);
    free(w.fn_name);
    free(w.frames);
    pf_flame_store_publish(s);
    return w.added;
}
