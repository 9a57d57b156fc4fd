/* to_otlp.c — validated pprof → OTLP Profiles in a batch (see pprof.h, docs/pprof-mapping.md).
 *
 * Every pprof sample becomes one OTLP sample in each of the N Profiles (one per sample type), in the
 * same order and with the same stack and attributes, so the reverse direction can zip them back. */
#include <string.h>
#include <sys/random.h>

#include "pipeline/model/dict.h"
#include "pipeline/pprof/pprof.h"

typedef struct import_ctx {
    pf_batch *b;
    const pf_pprof *pp;
    pf_arena *scratch;
    int32_t *str;      /* pprof string index → dictionary string index; -1 until interned */
    int32_t *mapping;  /* pprof mapping position → dictionary mapping index */
    int32_t *location; /* pprof location position → dictionary location index; -1 until interned */
    int32_t *function; /* pprof function position → dictionary function index; -1 until interned */
} import_ctx;

static int32_t *new_unset_table(pf_arena *a, size_t n)
{
    int32_t *t = pf_arena_alloc(a, (n ? n : 1) * sizeof(*t));
    memset(t, 0xff, (n ? n : 1) * sizeof(*t));
    return t;
}

static int32_t dict_str(import_ctx *c, int64_t idx)
{
    if (c->str[idx] < 0) c->str[idx] = pf_dict_string(c->b, c->pp->p->string_table[idx]);
    return c->str[idx];
}

static const char *pstr(const import_ctx *c, int64_t idx) { return c->pp->p->string_table[idx]; }

static int32_t intern_mapping(import_ctx *c, const pprof_mapping *m)
{
    int32_t attrs[5];
    size_t n = 0;
    if (m->build_id) attrs[n++] = pf_dict_attr_string(c->b, PF_ATTR_BUILD_ID, pstr(c, m->build_id), 0);
    if (m->has_functions) attrs[n++] = pf_dict_attr_bool(c->b, PF_ATTR_HAS_FUNCTIONS, true);
    if (m->has_filenames) attrs[n++] = pf_dict_attr_bool(c->b, PF_ATTR_HAS_FILENAMES, true);
    if (m->has_line_numbers) attrs[n++] = pf_dict_attr_bool(c->b, PF_ATTR_HAS_LINE_NUMBERS, true);
    if (m->has_inline_frames) attrs[n++] = pf_dict_attr_bool(c->b, PF_ATTR_HAS_INLINE_FRAMES, true);
    return pf_dict_mapping(c->b, m->memory_start, m->memory_limit, m->file_offset, dict_str(c, m->filename), attrs, n);
}

static int32_t intern_function(import_ctx *c, uint64_t id)
{
    uint32_t pos;
    if (!pf_idmap_get(c->pp->function_pos, id, &pos)) return 0; /* function_id 0: no function */
    if (c->function[pos] < 0) {
        const pprof_function *f = c->pp->p->function[pos];
        c->function[pos] = pf_dict_function(c->b, dict_str(c, f->name), dict_str(c, f->system_name),
                                            dict_str(c, f->filename), f->start_line);
    }
    return c->function[pos];
}

static int32_t intern_location(import_ctx *c, uint64_t id)
{
    uint32_t pos = 0;
    pf_idmap_get(c->pp->location_pos, id, &pos); /* validated: always present */
    if (c->location[pos] >= 0) return c->location[pos];

    const pprof_location *l = c->pp->p->location[pos];
    otlp_line *lines = pf_arena_alloc(c->scratch, (l->n_line ? l->n_line : 1) * sizeof(*lines));
    for (size_t i = 0; i < l->n_line; i++) {
        lines[i] = (otlp_line)OTLP_LINE_INIT;
        lines[i].function_index = intern_function(c, l->line[i]->function_id);
        lines[i].line = l->line[i]->line;
        lines[i].column = l->line[i]->column;
    }
    int32_t mapping_index = 0;
    uint32_t mpos;
    if (pf_idmap_get(c->pp->mapping_pos, l->mapping_id, &mpos)) mapping_index = c->mapping[mpos];
    int32_t folded = l->is_folded ? pf_dict_attr_bool(c->b, PF_ATTR_IS_FOLDED, true) : 0;
    c->location[pos] =
        pf_dict_location(c->b, mapping_index, l->address, lines, l->n_line, &folded, l->is_folded ? 1 : 0);
    return c->location[pos];
}

static int32_t intern_stack(import_ctx *c, const pprof_sample *s)
{
    int32_t *locs = pf_arena_alloc(c->scratch, (s->n_location_id ? s->n_location_id : 1) * sizeof(*locs));
    for (size_t i = 0; i < s->n_location_id; i++) locs[i] = intern_location(c, s->location_id[i]);
    return pf_dict_stack(c->b, locs, s->n_location_id);
}

/* Go's profile package ignores labels with neither a string nor a number; so do we. */
static bool label_is_string(const pprof_label *l) { return l->str != 0; }
static bool label_is_empty(const pprof_label *l) { return !l->str && !l->num && !l->num_unit; }

static otlp_any_value *label_value(import_ctx *c, const pprof_label *l)
{
    otlp_any_value *v = pf_arena_alloc(c->scratch, sizeof(*v));
    *v = (otlp_any_value)OTLP_ANY_VALUE_INIT;
    if (label_is_string(l)) {
        v->value_case = OTLP_VALUE_STRING;
        v->string_value = (char *)pstr(c, l->str);
    } else {
        v->value_case = OTLP_VALUE_INT;
        v->int_value = l->num;
    }
    return v;
}

/* All labels of one key become one attribute: a scalar for one value, an array for several (OTLP
 * wants keys unique within a sample). The unit is the first numeric label's. */
static int32_t intern_label_key(import_ctx *c, const pprof_sample *s, size_t first)
{
    const pprof_label *l0 = s->label[first];
    size_t n = 0;
    int64_t unit = 0;
    for (size_t j = first; j < s->n_label; j++) {
        const pprof_label *l = s->label[j];
        if (l->key != l0->key || label_is_empty(l)) continue;
        if (!label_is_string(l) && !unit) unit = l->num_unit;
        n++;
    }
    int32_t unit_strindex = unit ? dict_str(c, unit) : 0;
    if (n == 1) return pf_dict_attr(c->b, pstr(c, l0->key), label_value(c, l0), unit_strindex);

    otlp_array_value *arr = pf_arena_alloc(c->scratch, sizeof(*arr));
    *arr = (otlp_array_value)OTLP_ARRAY_VALUE_INIT;
    arr->values = pf_arena_alloc(c->scratch, n * sizeof(*arr->values));
    for (size_t j = first; j < s->n_label; j++) {
        const pprof_label *l = s->label[j];
        if (l->key == l0->key && !label_is_empty(l)) arr->values[arr->n_values++] = label_value(c, l);
    }
    otlp_any_value v = OTLP_ANY_VALUE_INIT;
    v.value_case = OTLP_VALUE_ARRAY;
    v.array_value = arr;
    return pf_dict_attr(c->b, pstr(c, l0->key), &v, unit_strindex);
}

/* Returns the number of attribute indices written to out (room for s->n_label). */
static size_t intern_labels(import_ctx *c, const pprof_sample *s, int32_t *out)
{
    size_t n = 0;
    for (size_t j = 0; j < s->n_label; j++) {
        const pprof_label *l = s->label[j];
        bool seen = label_is_empty(l);
        for (size_t k = 0; k < j && !seen; k++) seen = s->label[k]->key == l->key && !label_is_empty(s->label[k]);
        if (!seen) out[n++] = intern_label_key(c, s, j);
    }
    return n;
}

static void add_scope_attr(pf_batch *b, otlp_scope *scope, const char *key, const char *value)
{
    otlp_kv *kv = pf_arena_alloc(b->arena, sizeof(*kv));
    *kv = (otlp_kv)OTLP_KV_INIT;
    kv->key = pf_arena_strdup(b->arena, key);
    kv->value = pf_arena_alloc(b->arena, sizeof(*kv->value));
    *kv->value = (otlp_any_value)OTLP_ANY_VALUE_INIT;
    kv->value->value_case = OTLP_VALUE_STRING;
    kv->value->string_value = pf_arena_strdup(b->arena, value);
    otlp_kv **grown = pf_arena_alloc(b->arena, (scope->n_attributes + 1) * sizeof(*grown));
    if (scope->n_attributes) memcpy(grown, scope->attributes, scope->n_attributes * sizeof(*grown));
    grown[scope->n_attributes++] = kv;
    scope->attributes = grown;
}

/* Profile-level pprof fields that OTLP only carries as attributes; returns the count written. */
static size_t profile_attrs(import_ctx *c, int32_t *out)
{
    const pprof_profile *p = c->pp->p;
    size_t n = 0;
    if (p->drop_frames) out[n++] = pf_dict_attr_string(c->b, PF_ATTR_DROP_FRAMES, pstr(c, p->drop_frames), 0);
    if (p->keep_frames) out[n++] = pf_dict_attr_string(c->b, PF_ATTR_KEEP_FRAMES, pstr(c, p->keep_frames), 0);
    if (p->doc_url) out[n++] = pf_dict_attr_string(c->b, PF_ATTR_DOC_URL, pstr(c, p->doc_url), 0);
    if (p->n_comment) {
        otlp_array_value arr = OTLP_ARRAY_VALUE_INIT;
        arr.values = pf_arena_alloc(c->scratch, p->n_comment * sizeof(*arr.values));
        for (size_t i = 0; i < p->n_comment; i++) {
            otlp_any_value *v = pf_arena_alloc(c->scratch, sizeof(*v));
            *v = (otlp_any_value)OTLP_ANY_VALUE_INIT;
            v->value_case = OTLP_VALUE_STRING;
            v->string_value = (char *)pstr(c, p->comment[i]);
            arr.values[arr.n_values++] = v;
        }
        otlp_any_value v = OTLP_ANY_VALUE_INIT;
        v.value_case = OTLP_VALUE_ARRAY;
        v.array_value = &arr;
        out[n++] = pf_dict_attr(c->b, PF_ATTR_COMMENT, &v, 0);
    }
    return n;
}

static otlp_value_type *value_type(import_ctx *c, const pprof_value_type *vt)
{
    otlp_value_type *out = pf_arena_alloc(c->b->arena, sizeof(*out));
    *out = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
    if (vt) {
        out->type_strindex = dict_str(c, vt->type);
        out->unit_strindex = dict_str(c, vt->unit);
    }
    return out;
}

static void new_profile_id(pf_arena *a, ProtobufCBinaryData *id)
{
    id->len = 16;
    id->data = pf_arena_alloc(a, 16);
    /* getrandom on a 16-byte request never blocks once the pool is initialised (always, after boot);
     * a zero id would be invalid, so fall back to a fixed non-zero one if it fails. */
    if (getrandom(id->data, 16, GRND_NONBLOCK) != 16) id->data[15] = 1;
}

/* Per-sample translation, shared by the N Profiles. */
typedef struct sample_shape {
    int32_t stack;
    int32_t *attrs;
    size_t n_attrs;
} sample_shape;

static void fill_profile(import_ctx *c, otlp_profile *prof, size_t type_idx, const sample_shape *shapes,
                         const int32_t *pattrs, size_t n_pattrs)
{
    const pprof_profile *p = c->pp->p;
    pf_arena *a = c->b->arena;
    prof->sample_type = value_type(c, p->sample_type[type_idx]);
    if (p->period_type) prof->period_type = value_type(c, p->period_type);
    prof->period = p->period;
    prof->time_unix_nano = (uint64_t)p->time_nanos;
    prof->duration_nano = (uint64_t)p->duration_nanos;
    new_profile_id(a, &prof->profile_id);
    if (n_pattrs) {
        prof->attribute_indices = pf_arena_memdup(a, pattrs, n_pattrs * sizeof(*pattrs));
        prof->n_attribute_indices = n_pattrs;
    }
    if (!p->n_sample) return;

    otlp_sample *block = pf_arena_alloc(a, p->n_sample * sizeof(*block));
    int64_t *values = pf_arena_alloc(a, p->n_sample * sizeof(*values));
    prof->samples = pf_arena_alloc(a, p->n_sample * sizeof(*prof->samples));
    prof->n_samples = p->n_sample;
    for (size_t i = 0; i < p->n_sample; i++) {
        otlp_sample *s = &block[i];
        *s = (otlp_sample)OTLP_SAMPLE_INIT;
        s->stack_index = shapes[i].stack;
        if (shapes[i].n_attrs) {
            s->attribute_indices = pf_arena_memdup(a, shapes[i].attrs, shapes[i].n_attrs * sizeof(int32_t));
            s->n_attribute_indices = shapes[i].n_attrs;
        }
        values[i] = p->sample[i]->value[type_idx];
        s->values = &values[i];
        s->n_values = 1;
        prof->samples[i] = s;
    }
}

otlp_scope_profiles *pf_pprof_to_otlp(pf_batch *b, otlp_resource_profiles *rp, const pf_pprof *pp,
                                      const char *profile_name)
{
    const pprof_profile *p = pp->p;
    import_ctx c = {.b = b, .pp = pp, .scratch = pf_arena_create(64 * 1024)};
    c.str = new_unset_table(c.scratch, p->n_string_table);
    c.mapping = new_unset_table(c.scratch, p->n_mapping);
    c.location = new_unset_table(c.scratch, p->n_location);
    c.function = new_unset_table(c.scratch, p->n_function);

    /* All mappings first, in pprof order: keeps unreferenced ones and the main binary first. */
    for (size_t i = 0; i < p->n_mapping; i++) c.mapping[i] = intern_mapping(&c, p->mapping[i]);

    sample_shape *shapes = pf_arena_alloc(c.scratch, (p->n_sample ? p->n_sample : 1) * sizeof(*shapes));
    for (size_t i = 0; i < p->n_sample; i++) {
        shapes[i].stack = intern_stack(&c, p->sample[i]);
        shapes[i].attrs =
            pf_arena_alloc(c.scratch, (p->sample[i]->n_label ? p->sample[i]->n_label : 1) * sizeof(int32_t));
        shapes[i].n_attrs = intern_labels(&c, p->sample[i], shapes[i].attrs);
    }
    int32_t pattrs[4];
    size_t n_pattrs = profile_attrs(&c, pattrs);

    otlp_scope_profiles *sp = pf_batch_add_scope(b, rp, PF_PPROF_SCOPE_NAME, PROFLOW_VERSION);
    if (profile_name) add_scope_attr(b, sp->scope, PF_ATTR_PROFILE_NAME, profile_name);
    if (p->default_sample_type)
        add_scope_attr(b, sp->scope, PF_ATTR_DEFAULT_SAMPLE_TYPE, pstr(&c, p->default_sample_type));
    for (size_t t = 0; t < p->n_sample_type; t++)
        fill_profile(&c, pf_batch_add_profile(b, sp), t, shapes, pattrs, n_pattrs);

    pf_arena_destroy(c.scratch);
    return sp;
}
