/* jfr.c — JFR events into per-type pprof Profiles; see jfr.h. */
#include "receivers/pyroscope/jfr/jfr.h"

#include <string.h>

#include "receivers/pyroscope/jfr/reader.h"
#include "receivers/pyroscope/ingest/name.h"
#include "pipeline/pprof/builder.h"

typedef enum profile_kind {
    KIND_CPU,
    KIND_WALL,
    KIND_IN_TLAB,
    KIND_OUT_TLAB,
    KIND_ALLOC_SAMPLE,
    KIND_LOCK,
    KIND_PARK,
    KIND_LIVE,
    N_KINDS,
} profile_kind;

typedef struct kind_spec {
    const char *metric;
    const char *types[2][2]; /* (type, unit) per value; second NULL when one value */
    const char *period_type[2];
} kind_spec;

static const kind_spec SPECS[N_KINDS] = {
    [KIND_CPU] = {"process_cpu", {{"cpu", "nanoseconds"}, {NULL, NULL}}, {"cpu", "nanoseconds"}},
    [KIND_WALL] = {"wall", {{"wall", "nanoseconds"}, {NULL, NULL}}, {"wall", "nanoseconds"}},
    [KIND_IN_TLAB] = {"memory",
                      {{"alloc_in_new_tlab_objects", "count"}, {"alloc_in_new_tlab_bytes", "bytes"}},
                      {"space", "bytes"}},
    [KIND_OUT_TLAB] = {"memory",
                       {{"alloc_outside_tlab_objects", "count"}, {"alloc_outside_tlab_bytes", "bytes"}},
                       {"space", "bytes"}},
    [KIND_ALLOC_SAMPLE] = {"memory",
                           {{"alloc_sample_objects", "count"}, {"alloc_sample_bytes", "bytes"}},
                           {"space", "bytes"}},
    [KIND_LOCK] = {"mutex", {{"contentions", "count"}, {"delay", "nanoseconds"}}, {"mutex", "count"}},
    [KIND_PARK] = {"block", {{"contentions", "count"}, {"delay", "nanoseconds"}}, {"block", "count"}},
    [KIND_LIVE] = {"memory", {{"live", "count"}, {NULL, NULL}}, {"objects", "count"}},
};

typedef struct converter {
    pf_arena *a;
    const pf_pyro_query *q;
    const pf_jfr_labels *labels;
    int64_t period; /* ns per cpu/wall sample, 0 when sampleRate is 0 */
    pf_pprof_builder *builders[N_KINDS];
    uint64_t *loc_ids;
    size_t loc_cap;
    const char *jfr_event;
} converter;

static pf_pprof_builder *builder_for(converter *cv, profile_kind kind)
{
    if (cv->builders[kind]) return cv->builders[kind];
    const kind_spec *s = &SPECS[kind];
    pf_pprof_builder *b = pf_pprof_builder_new(cv->a);
    pf_pprof_builder_single_mapping(b);
    for (int i = 0; i < 2 && s->types[i][0]; i++) pf_pprof_builder_sample_type(b, s->types[i][0], s->types[i][1]);
    bool sampled = kind == KIND_CPU || kind == KIND_WALL;
    pf_pprof_builder_period(b, s->period_type[0], s->period_type[1], sampled ? cv->period : 0);
    pf_pprof_builder_time(b, cv->q->from_ns, cv->q->until_ns - cv->q->from_ns);
    cv->builders[kind] = b;
    return b;
}

static void add_sample(converter *cv, profile_kind kind, const pf_jfr_event *ev, int64_t v0, int64_t v1)
{
    /* Pyroscope drops events without a stack trace (e.g. allocations by JIT compiler threads); they
     * are kept here as samples with an empty stack so totals match the recording. */
    static const pf_jfr_stack no_stack;
    pf_pprof_builder *b = builder_for(cv, kind);
    const pf_jfr_stack *st = ev->stack ? ev->stack : &no_stack;
    if (st->n_frames > cv->loc_cap) {
        cv->loc_ids =
            pf_arena_grow(cv->a, cv->loc_ids, cv->loc_cap * sizeof(uint64_t), st->n_frames * sizeof(uint64_t));
        cv->loc_cap = st->n_frames;
    }
    for (size_t i = 0; i < st->n_frames; i++)
        cv->loc_ids[i] =
            pf_pprof_builder_location(b, st->frames[i].function, strlen(st->frames[i].function), st->frames[i].line);
    const pf_jfr_context *ctx = cv->labels && ev->context_id ? pf_jfr_labels_context(cv->labels, ev->context_id) : NULL;
    int64_t values[2] = {v0, v1};
    pf_pprof_builder_add(b, cv->loc_ids, st->n_frames, ctx ? ctx->labels : NULL, ctx ? ctx->n : 0, values);
}

static bool on_event(const pf_jfr_event *ev, void *data)
{
    converter *cv = data;
    int64_t tick = cv->period ? cv->period : 1;
    switch (ev->kind) {
    case PF_JFR_EXECUTION_SAMPLE:
        if (ev->thread_state && strcmp(ev->thread_state, "STATE_SLEEPING") != 0) add_sample(cv, KIND_CPU, ev, tick, 0);
        if (cv->jfr_event && strcmp(cv->jfr_event, "wall") == 0) add_sample(cv, KIND_WALL, ev, tick, 0);
        break;
    case PF_JFR_WALL_CLOCK_SAMPLE: add_sample(cv, KIND_WALL, ev, ev->samples * tick, 0); break;
    case PF_JFR_ALLOC_IN_NEW_TLAB: add_sample(cv, KIND_IN_TLAB, ev, 1, ev->size); break;
    case PF_JFR_ALLOC_OUTSIDE_TLAB: add_sample(cv, KIND_OUT_TLAB, ev, 1, ev->size); break;
    case PF_JFR_ALLOC_SAMPLE: add_sample(cv, KIND_ALLOC_SAMPLE, ev, 1, ev->size); break;
    case PF_JFR_MONITOR_ENTER: add_sample(cv, KIND_LOCK, ev, 1, ev->duration_ns); break;
    case PF_JFR_THREAD_PARK: add_sample(cv, KIND_PARK, ev, 1, ev->duration_ns); break;
    case PF_JFR_LIVE_OBJECT: add_sample(cv, KIND_LIVE, ev, 1, 0); break;
    case PF_JFR_ACTIVE_SETTING:
        if (ev->setting_name && strcmp(ev->setting_name, "event") == 0 && ev->setting_value)
            cv->jfr_event = ev->setting_value;
        break;
    }
    return true;
}

bool pf_pyro_decode_jfr(const uint8_t *jfr, size_t len, const pf_jfr_labels *labels, const pf_pyro_query *q,
                        pf_arena *a, pf_pyro_profile **profiles, size_t *n_profiles, char *err, size_t errlen)
{
    converter cv = {.a = a, .q = q, .labels = labels};
    cv.period = q->sample_rate ? 1000000000LL / q->sample_rate : 0;
    if (!pf_jfr_read(jfr, len, a, on_event, &cv, err, errlen)) return false;
    pf_pyro_profile *out = pf_arena_alloc(a, N_KINDS * sizeof(*out));
    size_t n = 0;
    for (int k = 0; k < N_KINDS; k++) {
        if (!cv.builders[k]) continue;
        out[n].pprof = pf_pprof_builder_finish(cv.builders[k]);
        pf_pyro_series_labels(q, q->name, SPECS[k].metric, cv.jfr_event, a, &out[n].labels);
        n++;
    }
    *profiles = out;
    *n_profiles = n;
    return true;
}
