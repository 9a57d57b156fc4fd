/* builder.c — arena-backed pprof Profile construction with deduplication; see builder.h. */
#include "pipeline/pprof/builder.h"

#include <string.h>

#include "pipeline/pprof/keymap.h"

/* A growable array of pointers in the arena. */
typedef struct ptr_vec {
    void **items;
    size_t n, cap;
} ptr_vec;

struct pf_pprof_builder {
    pf_arena *arena;
    Perftools__Profiles__Profile *profile;
    ptr_vec strings, sample_types, functions, locations, samples, mappings;
    pf_keymap string_ids, function_ids, location_ids, sample_ids;
    uint64_t mapping_id;
};

static void vec_push(pf_arena *a, ptr_vec *v, void *item)
{
    PF_ARENA_GROW(a, v->items, v->cap, v->n + 1, 16);
    v->items[v->n++] = item;
}

static int64_t intern(pf_pprof_builder *b, const char *s, size_t len)
{
    bool inserted;
    uint64_t *id = pf_keymap_put(&b->string_ids, s, len, b->strings.n, &inserted);
    if (inserted) vec_push(b->arena, &b->strings, pf_arena_strndup(b->arena, s, len));
    return (int64_t)*id;
}

static int64_t intern_cstr(pf_pprof_builder *b, const char *s) { return intern(b, s ? s : "", s ? strlen(s) : 0); }

pf_pprof_builder *pf_pprof_builder_new(pf_arena *a)
{
    pf_pprof_builder *b = pf_arena_alloc(a, sizeof(*b));
    b->arena = a;
    b->profile = pf_arena_alloc(a, sizeof(*b->profile));
    perftools__profiles__profile__init(b->profile);
    pf_keymap_init(&b->string_ids, a);
    pf_keymap_init(&b->function_ids, a);
    pf_keymap_init(&b->location_ids, a);
    pf_keymap_init(&b->sample_ids, a);
    intern(b, "", 0);
    return b;
}

static Perftools__Profiles__ValueType *value_type(pf_pprof_builder *b, const char *type, const char *unit)
{
    Perftools__Profiles__ValueType *vt = pf_arena_alloc(b->arena, sizeof(*vt));
    perftools__profiles__value_type__init(vt);
    vt->type = intern_cstr(b, type);
    vt->unit = intern_cstr(b, unit);
    return vt;
}

void pf_pprof_builder_sample_type(pf_pprof_builder *b, const char *type, const char *unit)
{
    vec_push(b->arena, &b->sample_types, value_type(b, type, unit));
}

void pf_pprof_builder_period(pf_pprof_builder *b, const char *type, const char *unit, int64_t period)
{
    b->profile->period_type = value_type(b, type, unit);
    b->profile->period = period;
}

void pf_pprof_builder_time(pf_pprof_builder *b, int64_t time_nanos, int64_t duration_nanos)
{
    b->profile->time_nanos = time_nanos;
    b->profile->duration_nanos = duration_nanos;
}

void pf_pprof_builder_single_mapping(pf_pprof_builder *b)
{
    if (b->mapping_id) return;
    Perftools__Profiles__Mapping *m = pf_arena_alloc(b->arena, sizeof(*m));
    perftools__profiles__mapping__init(m);
    m->id = 1;
    m->has_functions = 1;
    vec_push(b->arena, &b->mappings, m);
    b->mapping_id = 1;
}

static uint64_t function_id(pf_pprof_builder *b, const char *name, size_t len)
{
    int64_t name_idx = intern(b, name, len);
    bool inserted;
    uint64_t *id = pf_keymap_put(&b->function_ids, &name_idx, sizeof(name_idx), b->functions.n + 1, &inserted);
    if (inserted) {
        Perftools__Profiles__Function *f = pf_arena_alloc(b->arena, sizeof(*f));
        perftools__profiles__function__init(f);
        f->id = *id;
        f->name = name_idx;
        vec_push(b->arena, &b->functions, f);
    }
    return *id;
}

uint64_t pf_pprof_builder_location(pf_pprof_builder *b, const char *name, size_t len, int64_t line)
{
    uint64_t key[2] = {function_id(b, name, len), (uint64_t)line};
    bool inserted;
    uint64_t *id = pf_keymap_put(&b->location_ids, key, sizeof(key), b->locations.n + 1, &inserted);
    if (inserted) {
        Perftools__Profiles__Location *loc = pf_arena_alloc(b->arena, sizeof(*loc));
        perftools__profiles__location__init(loc);
        loc->id = *id;
        loc->mapping_id = b->mapping_id;
        Perftools__Profiles__Line *ln = pf_arena_alloc(b->arena, sizeof(*ln));
        perftools__profiles__line__init(ln);
        ln->function_id = key[0];
        ln->line = line;
        loc->line = pf_arena_alloc(b->arena, sizeof(*loc->line));
        loc->line[0] = ln;
        loc->n_line = 1;
        vec_push(b->arena, &b->locations, loc);
    }
    return *id;
}

void pf_pprof_builder_add(pf_pprof_builder *b, const uint64_t *location_ids, size_t n_locations,
                          const pf_pprof_str_label *labels, size_t n_labels, const int64_t *values)
{
    size_t n_values = b->sample_types.n;
    /* Key: the location ids, a separator that no id can equal, then interned label pairs. */
    size_t key_words = n_locations + 1 + 2 * n_labels;
    uint64_t small_key[256];
    uint64_t *key = key_words <= 256 ? small_key : pf_arena_alloc(b->arena, key_words * sizeof(uint64_t));
    if (n_locations) memcpy(key, location_ids, n_locations * sizeof(uint64_t));
    key[n_locations] = 0;
    for (size_t i = 0; i < n_labels; i++) {
        key[n_locations + 1 + 2 * i] = (uint64_t)intern_cstr(b, labels[i].key);
        key[n_locations + 2 + 2 * i] = (uint64_t)intern_cstr(b, labels[i].value);
    }
    bool inserted;
    uint64_t *idx = pf_keymap_put(&b->sample_ids, key, key_words * sizeof(uint64_t), b->samples.n, &inserted);
    if (!inserted) {
        Perftools__Profiles__Sample *s = b->samples.items[*idx];
        for (size_t i = 0; i < n_values; i++)
            if (__builtin_add_overflow(s->value[i], values[i], &s->value[i]))
                s->value[i] = values[i] < 0 ? INT64_MIN : INT64_MAX;
        return;
    }
    Perftools__Profiles__Sample *s = pf_arena_alloc(b->arena, sizeof(*s));
    perftools__profiles__sample__init(s);
    if (n_locations) {
        s->location_id = pf_arena_memdup(b->arena, location_ids, n_locations * sizeof(uint64_t));
        s->n_location_id = n_locations;
    }
    s->value = pf_arena_memdup(b->arena, values, n_values * sizeof(int64_t));
    s->n_value = n_values;
    if (n_labels) {
        s->label = pf_arena_alloc(b->arena, n_labels * sizeof(*s->label));
        for (size_t i = 0; i < n_labels; i++) {
            Perftools__Profiles__Label *l = pf_arena_alloc(b->arena, sizeof(*l));
            perftools__profiles__label__init(l);
            l->key = (int64_t)key[n_locations + 1 + 2 * i];
            l->str = (int64_t)key[n_locations + 2 + 2 * i];
            s->label[i] = l;
        }
        s->n_label = n_labels;
    }
    vec_push(b->arena, &b->samples, s);
}

size_t pf_pprof_builder_sample_count(const pf_pprof_builder *b) { return b->samples.n; }

Perftools__Profiles__Profile *pf_pprof_builder_finish(pf_pprof_builder *b)
{
    Perftools__Profiles__Profile *p = b->profile;
    p->sample_type = (Perftools__Profiles__ValueType **)b->sample_types.items;
    p->n_sample_type = b->sample_types.n;
    p->sample = (Perftools__Profiles__Sample **)b->samples.items;
    p->n_sample = b->samples.n;
    p->mapping = (Perftools__Profiles__Mapping **)b->mappings.items;
    p->n_mapping = b->mappings.n;
    p->location = (Perftools__Profiles__Location **)b->locations.items;
    p->n_location = b->locations.n;
    p->function = (Perftools__Profiles__Function **)b->functions.items;
    p->n_function = b->functions.n;
    p->string_table = (char **)b->strings.items;
    p->n_string_table = b->strings.n;
    return p;
}
