/* relabel_processor.c — applies relabel_configs to each profile series and sample_relabel_configs to
 * each sample, writing label changes back to the attributes they came from; new series labels become
 * resource attributes (the only attributes Pyroscope's OTLP ingest turns into series labels).
 *
 * Resource attributes are shared by every profile of a ResourceProfiles, but relabeling is per series:
 * when the profiles of one resource end up wanting different resource attributes, the resource is
 * split into one ResourceProfiles per distinct outcome, so no profile sees another's labels.
 *
 * A sample's labels are its attribute_indices alone, so sample_relabel_configs run once per distinct
 * list of a batch and the outcome is reused for every sample with the same list (sample_cache.h). */
#include "processors/relabel/relabel_processor.h"

#include <string.h>

#include "pipeline/base/log.h"
#include "pipeline/model/series.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/base/xalloc.h"
#include "processors/relabel/sample_cache.h"

typedef struct relabel_processor {
    pf_component base;
    const relabel_processor_config *cfg;
    pf_consumer *next;
    pf_metric *dropped_profiles, *dropped_samples;
    pf_log_limiter drop_log;
} relabel_processor;

/* Profiles of one resource whose relabeling asks for the same resource edits. */
typedef struct outcome {
    pf_attr_edits edits;
    otlp_profile **profiles;
    size_t n;
} outcome;

typedef struct outcomes {
    outcome *items;
    size_t n;
} outcomes;

static void outcome_add(outcomes *o, pf_attr_edits *edits, otlp_profile *p)
{
    size_t i = 0;
    while (i < o->n && !pf_attr_edits_equal(&o->items[i].edits, edits)) i++;
    if (i == o->n) {
        o->items = pf_xrealloc(o->items, (o->n + 1) * sizeof(outcome));
        o->items[i] = (outcome){.edits = *edits};
        *edits = (pf_attr_edits){0};
        o->n++;
    }
    outcome *oc = &o->items[i];
    oc->profiles = pf_xrealloc(oc->profiles, (oc->n + 1) * sizeof(otlp_profile *));
    oc->profiles[oc->n++] = p;
}

static void outcomes_free(outcomes *o)
{
    for (size_t i = 0; i < o->n; i++) {
        pf_attr_edits_free(&o->items[i].edits);
        free(o->items[i].profiles);
    }
    free(o->items);
}

static bool in_outcome(const outcome *oc, const otlp_profile *p)
{
    for (size_t i = 0; i < oc->n; i++)
        if (oc->profiles[i] == p) return true;
    return false;
}

/* sample_relabel_configs applied to the labels of one attribute_indices list. */
static sample_outcome relabel_sample_labels(const relabel_processor_config *cfg, pf_batch *b, int32_t *idx, size_t n,
                                            pf_series *s, pf_attr_edits *edits)
{
    pf_series_reset(s, cfg->label_name_sanitize);
    pf_series_add_attrs(s, b, idx, n);
    pf_series_snapshot(s);
    if (!pf_relabel_process(&cfg->sample_relabel_configs, &s->labels)) return (sample_outcome){.dropped = true};
    pf_attr_edits_clear(edits);
    pf_series_diff(s, edits, NULL);
    sample_outcome o = {.indices = idx, .n = n};
    if (edits->n) {
        o.edited = true;
        o.indices = pf_attr_indices_edit(b, idx, n, edits, &o.n);
    }
    return o;
}

/* Relabels the samples of p, each distinct attribute_indices list of the batch once (cache); returns
 * how many were dropped. */
static size_t relabel_samples(const relabel_processor_config *cfg, pf_batch *b, otlp_profile *p, pf_series *s,
                              pf_attr_edits *edits, sample_cache *cache)
{
    size_t kept = 0;
    for (size_t i = 0; i < p->n_samples; i++) {
        otlp_sample *sm = p->samples[i];
        const sample_outcome *known = sample_cache_get(cache, sm->attribute_indices, sm->n_attribute_indices);
        sample_outcome o;
        if (known) {
            o = *known;
        } else {
            o = relabel_sample_labels(cfg, b, sm->attribute_indices, sm->n_attribute_indices, s, edits);
            sample_cache_put(cache, sm->attribute_indices, sm->n_attribute_indices, o);
        }
        if (o.dropped) continue;
        if (o.edited) {
            /* Each sample keeps an array of its own, so no later in-place edit reaches another sample. */
            sm->attribute_indices = known ? pf_arena_memdup(b->arena, o.indices, o.n * sizeof(int32_t)) : o.indices;
            sm->n_attribute_indices = o.n;
        }
        p->samples[kept++] = sm;
    }
    size_t dropped = p->n_samples - kept;
    p->n_samples = kept;
    return dropped;
}

/* Moves the profiles of `oc` out of rp into a new ResourceProfiles with an edited copy of the resource. */
static void split_resource(pf_batch *b, size_t rp_index, const outcome *oc)
{
    otlp_resource_profiles *rp = b->req->resource_profiles[rp_index];
    otlp_resource_profiles *copy = pf_batch_add_resource(b);
    rp = b->req->resource_profiles[rp_index];
    *copy->resource = *rp->resource;
    copy->schema_url = rp->schema_url;
    pf_resource_edit(b, copy->resource, &oc->edits);
    for (size_t s = 0; s < rp->n_scope_profiles; s++) {
        otlp_scope_profiles *sp = rp->scope_profiles[s], *nsp = NULL;
        for (size_t i = 0; i < sp->n_profiles; i++) {
            if (!sp->profiles[i] || !in_outcome(oc, sp->profiles[i])) continue;
            if (!nsp) {
                nsp = pf_batch_add_scope(b, copy, NULL, NULL);
                if (sp->scope) *nsp->scope = *sp->scope;
                nsp->schema_url = sp->schema_url;
            }
            otlp_profile *moved = pf_batch_add_profile(b, nsp);
            *moved = *sp->profiles[i];
            sp->profiles[i] = NULL;
        }
    }
}

/* Dropped profiles were set to NULL while walking; removing them also removes emptied scopes and
 * resources. */
static bool profile_kept(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    (void)b;
    (void)data;
    return ref->profile != NULL;
}

static void relabel_resource(const relabel_processor_config *cfg, pf_batch *b, size_t rp_index, pf_series *s,
                             sample_cache *samples, relabel_result *res)
{
    otlp_resource_profiles *rp = b->req->resource_profiles[rp_index];
    if (!rp->resource) { /* optional on the wire; relabeling may add resource attributes to it */
        rp->resource = pf_arena_alloc(b->arena, sizeof(*rp->resource));
        *rp->resource = (otlp_resource)OTLP_RESOURCE_INIT;
    }
    outcomes groups = {0};
    pf_attr_edits attr_edits = {0}, resource_edits = {0};
    for (size_t si = 0; si < rp->n_scope_profiles; si++) {
        otlp_scope_profiles *sp = rp->scope_profiles[si];
        for (size_t pi = 0; pi < sp->n_profiles; pi++) {
            otlp_profile *p = sp->profiles[pi];
            pf_series_reset(s, cfg->label_name_sanitize);
            pf_series_of_profile(s, b, rp->resource, p);
            if (!pf_relabel_process(&cfg->relabel_configs, &s->labels)) {
                res->dropped_profiles++;
                res->dropped_profile_samples += pf_profile_sample_count(p);
                sp->profiles[pi] = NULL;
                continue;
            }
            pf_attr_edits_clear(&attr_edits);
            pf_attr_edits_clear(&resource_edits);
            pf_series_diff(s, &attr_edits, &resource_edits);
            if (attr_edits.n)
                p->attribute_indices = pf_attr_indices_edit(b, p->attribute_indices, p->n_attribute_indices,
                                                            &attr_edits, &p->n_attribute_indices);
            if (cfg->sample_relabel_configs.n)
                res->dropped_samples += relabel_samples(cfg, b, p, s, &attr_edits, samples);
            outcome_add(&groups, &resource_edits, p);
        }
    }
    for (size_t g = 1; g < groups.n; g++) split_resource(b, rp_index, &groups.items[g]);
    rp = b->req->resource_profiles[rp_index];
    if (groups.n && groups.items[0].edits.n) pf_resource_edit(b, rp->resource, &groups.items[0].edits);
    outcomes_free(&groups);
    pf_attr_edits_free(&attr_edits);
    pf_attr_edits_free(&resource_edits);
}

relabel_result relabel_batch(const relabel_processor_config *cfg, pf_batch *b)
{
    relabel_result res = {0};
    pf_series s = {0};
    sample_cache samples = {0};
    size_t n_resources = b->req->n_resource_profiles; /* splits append after these */
    for (size_t r = 0; r < n_resources; r++) relabel_resource(cfg, b, r, &s, &samples, &res);
    sample_cache_free(&samples);
    pf_series_free(&s);
    pf_batch_filter_profiles(b, profile_kept, NULL);
    return res;
}

static pf_status relabel_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    relabel_processor *rp = self->data;
    b = pf_batch_make_writable(b);
    relabel_result res = relabel_batch(rp->cfg, b);
    if (res.dropped_profiles || res.dropped_samples) {
        pf_metric_add(rp->dropped_profiles, (double)res.dropped_profiles);
        pf_metric_add(rp->dropped_samples, (double)(res.dropped_samples + res.dropped_profile_samples));
        pf_log_limited(&rp->drop_log, 60, PF_LOG_DEBUG, rp->base.id,
                       "relabel dropped %zu profiles (%zu samples) and %zu samples of kept profiles",
                       res.dropped_profiles, res.dropped_profile_samples, res.dropped_samples);
    }
    if (b->req->n_resource_profiles == 0) {
        pf_batch_unref(b);
        return PF_OK;
    }
    return pf_consumer_consume(rp->next, b, err);
}

static const pf_component_ops relabel_ops = {.consume = relabel_consume};

pf_component *relabel_processor_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    relabel_processor *rp = pf_xcalloc(1, sizeof(*rp));
    pf_component_init(&rp->base, &relabel_ops, args);
    rp->cfg = args->config;
    rp->next = args->next;
    rp->dropped_profiles =
        pf_counter1("proflow_processor_relabel_dropped_profiles_total",
                    "Profiles dropped because relabel_configs dropped their series", "processor", args->id);
    rp->dropped_samples = pf_counter1(
        "proflow_processor_relabel_dropped_samples_total",
        "Samples dropped by relabel_configs (with their profile) or sample_relabel_configs", "processor", args->id);
    return &rp->base;
}
