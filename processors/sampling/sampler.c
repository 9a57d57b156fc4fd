/* sampler.c — per-profile sampling decisions (see sampler.h for the exact rules). */
#include "processors/sampling/sampler.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/model/series.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/base/xalloc.h"
#include "pipeline/base/hash.h"
#include "processors/sampling/token_table.h"

typedef enum outcome {
    OUTCOME_KEPT,
    OUTCOME_PROBABILITY,
    OUTCOME_SERIES_RATE,
    OUTCOME_TENANT_RATE,
    N_OUTCOMES,
} outcome;

static const char *const outcome_decision[N_OUTCOMES] = {"kept", "dropped", "dropped", "dropped"};
static const char *const outcome_reason[N_OUTCOMES] = {"sampled", "probability", "series_rate", "tenant_rate"};

/* A rule as the decision sees it, with its counters. */
typedef struct rule {
    char *name;             /* metric label and tenant-bucket key */
    const pf_strmap *match; /* NULL for default and the dynamic placeholders */
    sampling_limits limits;
    pf_metric *counters[N_OUTCOMES];
} rule;

enum { RULE_DEFAULT, RULE_API, RULE_ALERTMANAGER, N_FIXED_RULES };

struct sampler {
    const sampling_config *cfg;
    rule *rules; /* fixed rules, then configured overrides in order */
    size_t n_rules;
    token_table *series_buckets, *tenant_buckets;
    pf_series series;
    pf_buf key, text;
    pf_metric *evictions, *tracked;
    /* The metrics are shared by every instance of the processor id (one per pipeline): add deltas. */
    uint64_t evictions_reported;
    size_t tracked_reported;
};

static void rule_init(rule *r, const char *processor_id, const char *name, const pf_strmap *match,
                      const sampling_limits *limits)
{
    r->name = pf_xstrdup(name);
    r->match = match;
    r->limits = *limits;
    for (int o = 0; o < N_OUTCOMES; o++) {
        char *labels = pf_xasprintf("processor=\"%s\",rule=\"%s\",decision=\"%s\",reason=\"%s\"", processor_id, name,
                                    outcome_decision[o], outcome_reason[o]);
        r->counters[o] = pf_counter("proflow_processor_sampling_profiles_total",
                                    "Sampling decisions on profiles, by rule, decision and reason", labels);
        free(labels);
    }
}

static sampling_limits inherit(const sampling_limits *top, const sampling_rule_config *rc)
{
    sampling_limits l = *top;
    if (rc->has_probability) l.probability = rc->probability;
    if (rc->has_max_profiles_per_minute) l.max_profiles_per_minute = rc->max_profiles_per_minute;
    if (rc->has_max_bytes_per_second) l.max_bytes_per_second = rc->max_bytes_per_second;
    return l;
}

sampler *sampler_new(const sampling_config *cfg, const char *processor_id)
{
    sampler *s = pf_xcalloc(1, sizeof(*s));
    s->cfg = cfg;
    sampling_limits top = {cfg->probability, cfg->max_profiles_per_minute, cfg->max_bytes_per_second};
    s->n_rules = N_FIXED_RULES + cfg->overrides.n;
    s->rules = pf_xcalloc(s->n_rules, sizeof(rule));
    rule_init(&s->rules[RULE_DEFAULT], processor_id, "default", NULL, &top);
    rule_init(&s->rules[RULE_API], processor_id, "api", NULL, &top);
    rule_init(&s->rules[RULE_ALERTMANAGER], processor_id, "alertmanager", NULL, &top);
    const sampling_rule_config *rcs = cfg->overrides.items;
    for (size_t i = 0; i < cfg->overrides.n; i++) {
        char fallback[32];
        snprintf(fallback, sizeof(fallback), "overrides[%zu]", i);
        sampling_limits l = inherit(&top, &rcs[i]);
        rule_init(&s->rules[N_FIXED_RULES + i], processor_id, rcs[i].name ? rcs[i].name : fallback, &rcs[i].match, &l);
    }
    s->series_buckets = token_table_new((size_t)cfg->max_series);
    s->tenant_buckets = token_table_new((size_t)cfg->max_tenants);
    s->evictions =
        pf_counter1("proflow_processor_sampling_state_evictions_total",
                    "Rate-limit buckets forgotten before they were full again (max_series/max_tenants reached)",
                    "processor", processor_id);
    char *labels = pf_xasprintf("processor=\"%s\"", processor_id);
    s->tracked = pf_gauge("proflow_processor_sampling_series", "Series with rate-limit state", labels);
    free(labels);
    return s;
}

void sampler_free(sampler *s)
{
    if (!s) return;
    pf_metric_add(s->tracked, -(double)s->tracked_reported);
    for (size_t i = 0; i < s->n_rules; i++) free(s->rules[i].name);
    free(s->rules);
    token_table_free(s->series_buckets);
    token_table_free(s->tenant_buckets);
    pf_series_free(&s->series);
    pf_buf_free(&s->key);
    pf_buf_free(&s->text);
    free(s);
}

static bool sample_identity_label(const char *name)
{
    return strcmp(name, "__sample_type__") == 0 || strcmp(name, "__period_type__") == 0;
}

static void render_labels(pf_buf *out, const pf_labels *ls, bool with_sample_identity)
{
    for (size_t i = 0; i < ls->n; i++) {
        if (!with_sample_identity && sample_identity_label(ls->items[i].name)) continue;
        pf_buf_puts(out, ls->items[i].name);
        pf_buf_append(out, "=", 1);
        pf_buf_puts(out, ls->items[i].value);
        pf_buf_append(out, "\n", 1);
    }
}

static double hash_unit(const pf_buf *text)
{
    uint64_t h = pf_hash_bytes(text->data, text->len);
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

double sampling_series_unit(const pf_labels *ls, uint64_t window_index)
{
    pf_buf text = {0};
    pf_buf_printf(&text, "%llu\n", (unsigned long long)window_index);
    render_labels(&text, ls, false);
    double u = hash_unit(&text);
    pf_buf_free(&text);
    return u;
}

typedef struct filter_ctx {
    sampler *s;
    override_store *dynamic;
    const sampling_clock *now;
    const char *tenant;
    double bytes_per_sample, bytes_per_profile; /* request wire size shared out */
    sampling_counts counts;
} filter_ctx;

static const rule *pick_rule(sampler *s, override_store *dynamic, const pf_labels *ls, uint64_t now_ms,
                             sampling_override **dyn, sampling_limits *limits)
{
    *dyn = dynamic ? override_store_match(dynamic, ls, now_ms) : NULL;
    if (*dyn) {
        *limits = (*dyn)->limits;
        return &s->rules[strcmp((*dyn)->source, "alertmanager") == 0 ? RULE_ALERTMANAGER : RULE_API];
    }
    for (size_t i = N_FIXED_RULES; i < s->n_rules; i++) {
        if (sampling_match(s->rules[i].match, ls)) {
            *limits = s->rules[i].limits;
            return &s->rules[i];
        }
    }
    *limits = s->rules[RULE_DEFAULT].limits;
    return &s->rules[RULE_DEFAULT];
}

static outcome decide(filter_ctx *c, const otlp_profile *p, const pf_labels *ls, const rule *r,
                      const sampling_limits *limits, const sampling_override *dyn)
{
    sampler *s = c->s;
    uint64_t when = p->time_unix_nano ? p->time_unix_nano : c->now->wall_ns;
    uint64_t window_ns = s->cfg->window > 0 ? (uint64_t)s->cfg->window : 1;
    pf_buf_reset(&s->text);
    pf_buf_printf(&s->text, "%llu\n", (unsigned long long)(when / window_ns));
    render_labels(&s->text, ls, false);
    if (!(hash_unit(&s->text) < limits->probability)) return OUTCOME_PROBABILITY;

    if (limits->max_profiles_per_minute > 0) {
        pf_buf_reset(&s->key);
        pf_buf_puts(&s->key, c->tenant);
        pf_buf_append(&s->key, "", 1);
        render_labels(&s->key, ls, true);
        double per_minute = (double)limits->max_profiles_per_minute;
        if (!token_table_take(s->series_buckets, s->key.data, s->key.len, per_minute / 60.0, per_minute, 1,
                              c->now->mono_ns))
            return OUTCOME_SERIES_RATE;
    }
    if (limits->max_bytes_per_second > 0) {
        pf_buf_reset(&s->key);
        if (dyn)
            pf_buf_printf(&s->key, "override/%llu", (unsigned long long)dyn->id);
        else
            pf_buf_puts(&s->key, r->name);
        pf_buf_append(&s->key, "", 1);
        pf_buf_puts(&s->key, c->tenant);
        double rate = (double)limits->max_bytes_per_second;
        double cost = c->bytes_per_profile + c->bytes_per_sample * (double)pf_profile_sample_count(p);
        if (!token_table_take(s->tenant_buckets, s->key.data, s->key.len, rate, rate, cost, c->now->mono_ns))
            return OUTCOME_TENANT_RATE;
    }
    return OUTCOME_KEPT;
}

static bool keep_profile(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    filter_ctx *c = data;
    sampler *s = c->s;
    pf_series_reset(&s->series, true);
    pf_series_of_profile(&s->series, b, ref->rp->resource, ref->profile);
    const pf_labels *ls = &s->series.labels;
    sampling_override *dyn;
    sampling_limits limits;
    const rule *r = pick_rule(s, c->dynamic, ls, c->now->loop_ms, &dyn, &limits);
    outcome o = decide(c, ref->profile, ls, r, &limits, dyn);
    pf_metric_add(r->counters[o], 1);
    bool kept = o == OUTCOME_KEPT;
    if (dyn) {
        if (kept)
            dyn->kept++;
        else
            dyn->dropped++;
    }
    switch (o) {
    case OUTCOME_KEPT: c->counts.kept++; break;
    case OUTCOME_PROBABILITY: c->counts.dropped_by_probability++; break;
    case OUTCOME_SERIES_RATE: c->counts.dropped_by_series_rate++; break;
    case OUTCOME_TENANT_RATE: c->counts.dropped_by_tenant_rate++; break;
    case N_OUTCOMES: break;
    }
    if (!kept) c->counts.dropped++;
    return kept;
}

/* The request's size shared out over its profiles by their samples; when the request has no samples
 * at all, equally over its profiles (so sample-less profiles are not free). */
static void share_out_bytes(filter_ctx *c, pf_batch *b)
{
    size_t bytes = b->wire_bytes ? b->wire_bytes : pf_batch_packed_size(b);
    size_t samples = pf_batch_sample_count(b), profiles = pf_batch_profile_count(b);
    if (samples)
        c->bytes_per_sample = (double)bytes / (double)samples;
    else if (profiles)
        c->bytes_per_profile = (double)bytes / (double)profiles;
}

static bool any_byte_limit(const sampler *s, const override_store *dynamic)
{
    for (size_t i = 0; i < s->n_rules; i++)
        if (s->rules[i].limits.max_bytes_per_second > 0) return true;
    for (size_t i = 0; dynamic && i < dynamic->n; i++)
        if (dynamic->items[i].limits.max_bytes_per_second > 0) return true;
    return false;
}

sampling_counts sampler_filter(sampler *s, pf_batch *b, override_store *dynamic, const sampling_clock *now)
{
    filter_ctx c = {.s = s, .dynamic = dynamic, .now = now, .tenant = b->meta.tenant ? b->meta.tenant : ""};
    if (any_byte_limit(s, dynamic)) share_out_bytes(&c, b);
    c.counts.dropped_samples = pf_batch_filter_profiles(b, keep_profile, &c);
    size_t tracked = token_table_size(s->series_buckets);
    pf_metric_add(s->tracked, (double)tracked - (double)s->tracked_reported);
    s->tracked_reported = tracked;
    uint64_t evictions = token_table_evictions(s->series_buckets) + token_table_evictions(s->tenant_buckets);
    pf_metric_add(s->evictions, (double)(evictions - s->evictions_reported));
    s->evictions_reported = evictions;
    return c.counts;
}
