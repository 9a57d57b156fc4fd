/* encode.c — a group of OTLP Profiles (one per sample type) → one gzipped multi-sample-type pprof.
 *
 * Ids are sequential 1..n (Parca rejects anything else): locations and functions in order of first
 * use by the samples, mappings in dictionary order (the importer interns them in pprof order, so the
 * main binary stays mapping 1, which pprof tools treat as the main executable).
 * Samples are zipped position by position when the Profiles are aligned (same length, same stack,
 * attributes and link at every position — what pf_pprof_to_otlp produces); otherwise they are merged
 * by the OTLP sample identity {stack, set of attributes, link}. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/compress.h"
#include "pipeline/pprof/encode.h"
#include "pipeline/pprof/strtab.h"

typedef struct ptr_vec {
    void **items;
    size_t n, cap;
} ptr_vec;

typedef struct i32_vec {
    int32_t *items;
    size_t n, cap;
} i32_vec;

static void ptr_push(pf_arena *a, ptr_vec *v, void *item)
{
    PF_ARENA_GROW(a, v->items, v->cap, v->n + 1, 16);
    v->items[v->n++] = item;
}

static void i32_push(pf_arena *a, i32_vec *v, int32_t item)
{
    PF_ARENA_GROW(a, v->items, v->cap, v->n + 1, 16);
    v->items[v->n++] = item;
}

typedef struct enc {
    const pf_batch *b;
    const otlp_dictionary *d;
    pf_arena *a;
    pf_strtab strs;
    pf_idmap *location_ids; /* dictionary location index + 1 → pprof location id */
    pf_idmap *function_ids; /* dictionary function index + 1 → pprof function id */
    pf_idmap *mapping_ids;  /* dictionary mapping index + 1 → pprof mapping id */
    i32_vec location_order; /* dictionary location index of pprof location id k+1 */
    ptr_vec samples, functions;
    size_t n_types;
    char *err;
    size_t err_len;
} enc;

static bool fail(enc *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(enc *e, const char *fmt, ...)
{
    if (e->err && e->err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->err, e->err_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

static int64_t str_of(enc *e, int32_t strindex) { return pf_strtab_intern(&e->strs, pf_batch_string(e->b, strindex)); }

/* String form of an attribute value, kept alive in the scratch arena when it had to be formatted. */
static const char *value_text(enc *e, const otlp_any_value *v)
{
    char scratch[64];
    const char *s = pf_any_value_string(e->b, v, scratch, sizeof(scratch));
    return s == scratch ? pf_arena_strdup(e->a, s) : s;
}

static const otlp_kvu *attr_at(enc *e, int32_t idx, const char *owner)
{
    if (idx >= 0 && (size_t)idx < e->d->n_attribute_table) return e->d->attribute_table[idx];
    fail(e, "%s: attribute index %d out of range (attribute_table has %zu entries)", owner, idx,
         e->d->n_attribute_table);
    return NULL;
}

static const char *attr_key(enc *e, const otlp_kvu *kv) { return pf_batch_string(e->b, kv->key_strindex); }

static bool attr_true(const otlp_kvu *kv)
{
    return kv->value && kv->value->value_case == OTLP_VALUE_BOOL && kv->value->bool_value;
}

/* ---- labels ---- */

static void add_label(enc *e, ptr_vec *labels, int64_t key, const otlp_any_value *v, int32_t unit, bool expand)
{
    if (!v || v->value_case == OTLP_VALUE_NONE) return;
    if (v->value_case == OTLP_VALUE_ARRAY && expand) {
        /* One level only: a label value is a scalar, and hostile nesting must not recurse deeply. */
        for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++)
            add_label(e, labels, key, v->array_value->values[i], unit, false);
        return;
    }
    pprof_label *l = pf_arena_alloc(e->a, sizeof(*l));
    *l = (pprof_label)PERFTOOLS__PROFILES__LABEL__INIT;
    l->key = key;
    if (v->value_case == OTLP_VALUE_INT) {
        l->num = v->int_value;
        l->num_unit = unit ? str_of(e, unit) : 0;
    } else {
        l->str = pf_strtab_intern(&e->strs, value_text(e, v));
    }
    ptr_push(e->a, labels, l);
}

static bool add_labels(enc *e, pprof_sample *s, const int32_t *attrs, size_t n)
{
    ptr_vec labels = {0};
    for (size_t i = 0; i < n; i++) {
        const otlp_kvu *kv = attr_at(e, attrs[i], "sample");
        if (!kv) return false;
        add_label(e, &labels, str_of(e, kv->key_strindex), kv->value, kv->unit_strindex, true);
    }
    s->label = (pprof_label **)labels.items;
    s->n_label = labels.n;
    return true;
}

/* ---- locations, functions, mappings ---- */

static uint64_t location_id(enc *e, int32_t loc_index)
{
    uint32_t id;
    if (pf_idmap_get(e->location_ids, (uint64_t)loc_index + 1, &id)) return id;
    i32_push(e->a, &e->location_order, loc_index);
    id = (uint32_t)e->location_order.n;
    pf_idmap_put(e->location_ids, (uint64_t)loc_index + 1, id);
    return id;
}

static bool function_id(enc *e, int32_t fn_index, uint64_t *out)
{
    *out = 0;
    /* The zero Function too gets a pprof Function (with an empty name): pprof readers refuse a Line
     * whose function_id is 0 ("line with nil function", go tool pprof), and a real SDK (pyroscope-go's
     * godeltaprof mutex profile) sends a frame whose Function has no name, which interning maps to 0. */
    if (fn_index < 0 || (size_t)fn_index >= e->d->n_function_table)
        return fail(e, "line.function_index %d out of range (function_table has %zu entries)", fn_index,
                    e->d->n_function_table);
    uint32_t id;
    if (pf_idmap_get(e->function_ids, (uint64_t)fn_index + 1, &id)) {
        *out = id;
        return true;
    }
    const otlp_function *f = e->d->function_table[fn_index];
    pprof_function *pf = pf_arena_alloc(e->a, sizeof(*pf));
    *pf = (pprof_function)PERFTOOLS__PROFILES__FUNCTION__INIT;
    pf->id = e->functions.n + 1;
    pf->name = str_of(e, f->name_strindex);
    pf->system_name = str_of(e, f->system_name_strindex);
    pf->filename = str_of(e, f->filename_strindex);
    pf->start_line = f->start_line;
    ptr_push(e->a, &e->functions, pf);
    pf_idmap_put(e->function_ids, (uint64_t)fn_index + 1, (uint32_t)pf->id);
    *out = pf->id;
    return true;
}

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

static bool mapping_attrs(enc *e, const otlp_mapping *m, pprof_mapping *pm)
{
    for (size_t i = 0; i < m->n_attribute_indices; i++) {
        const otlp_kvu *kv = attr_at(e, m->attribute_indices[i], "mapping");
        if (!kv) return false;
        const char *key = attr_key(e, kv);
        if (strcmp(key, PF_ATTR_BUILD_ID) == 0)
            pm->build_id = kv->value ? pf_strtab_intern(&e->strs, value_text(e, kv->value)) : 0;
        else if (strcmp(key, PF_ATTR_HAS_FUNCTIONS) == 0)
            pm->has_functions = attr_true(kv);
        else if (strcmp(key, PF_ATTR_HAS_FILENAMES) == 0)
            pm->has_filenames = attr_true(kv);
        else if (strcmp(key, PF_ATTR_HAS_LINE_NUMBERS) == 0)
            pm->has_line_numbers = attr_true(kv);
        else if (strcmp(key, PF_ATTR_HAS_INLINE_FRAMES) == 0)
            pm->has_inline_frames = attr_true(kv);
    }
    return true;
}

/* Mappings used by the collected locations, in dictionary order, ids 1..n. */
static bool build_mappings(enc *e, pprof_profile *out)
{
    pf_idmap *seen = pf_idmap_new(e->a, 8);
    i32_vec used = {0};
    for (size_t k = 0; k < e->location_order.n; k++) {
        int32_t mi = e->d->location_table[e->location_order.items[k]]->mapping_index;
        if (mi == 0) continue;
        if (mi < 0 || (size_t)mi >= e->d->n_mapping_table)
            return fail(e, "location.mapping_index %d out of range (mapping_table has %zu entries)", mi,
                        e->d->n_mapping_table);
        if (pf_idmap_put(seen, (uint64_t)mi + 1, 0)) i32_push(e->a, &used, mi);
    }
    if (used.n) qsort(used.items, used.n, sizeof(*used.items), cmp_i32);
    out->mapping = pf_arena_alloc(e->a, (used.n ? used.n : 1) * sizeof(*out->mapping));
    for (size_t k = 0; k < used.n; k++) {
        const otlp_mapping *m = e->d->mapping_table[used.items[k]];
        pprof_mapping *pm = pf_arena_alloc(e->a, sizeof(*pm));
        *pm = (pprof_mapping)PERFTOOLS__PROFILES__MAPPING__INIT;
        pm->id = k + 1;
        pm->memory_start = m->memory_start;
        pm->memory_limit = m->memory_limit;
        pm->file_offset = m->file_offset;
        pm->filename = str_of(e, m->filename_strindex);
        if (!mapping_attrs(e, m, pm)) return false;
        out->mapping[out->n_mapping++] = pm;
        pf_idmap_put(e->mapping_ids, (uint64_t)used.items[k] + 1, (uint32_t)pm->id);
    }
    return true;
}

static bool build_location(enc *e, size_t k, pprof_location *pl)
{
    const otlp_location *l = e->d->location_table[e->location_order.items[k]];
    *pl = (pprof_location)PERFTOOLS__PROFILES__LOCATION__INIT;
    pl->id = k + 1;
    uint32_t mid = 0;
    pf_idmap_get(e->mapping_ids, (uint64_t)l->mapping_index + 1, &mid);
    pl->mapping_id = l->mapping_index ? mid : 0;
    pl->address = l->address;
    pl->line = pf_arena_alloc(e->a, (l->n_lines ? l->n_lines : 1) * sizeof(*pl->line));
    for (size_t i = 0; i < l->n_lines; i++) {
        pprof_line *ln = pf_arena_alloc(e->a, sizeof(*ln));
        *ln = (pprof_line)PERFTOOLS__PROFILES__LINE__INIT;
        if (!function_id(e, l->lines[i]->function_index, &ln->function_id)) return false;
        ln->line = l->lines[i]->line;
        ln->column = l->lines[i]->column;
        pl->line[pl->n_line++] = ln;
    }
    for (size_t i = 0; i < l->n_attribute_indices; i++) {
        const otlp_kvu *kv = attr_at(e, l->attribute_indices[i], "location");
        if (!kv) return false;
        if (strcmp(attr_key(e, kv), PF_ATTR_IS_FOLDED) == 0) pl->is_folded = attr_true(kv);
    }
    return true;
}

static bool build_locations(enc *e, pprof_profile *out)
{
    size_t n = e->location_order.n;
    pprof_location *block = pf_arena_alloc(e->a, (n ? n : 1) * sizeof(*block));
    out->location = pf_arena_alloc(e->a, (n ? n : 1) * sizeof(*out->location));
    for (size_t k = 0; k < n; k++) {
        if (!build_location(e, k, &block[k])) return false;
        out->location[k] = &block[k];
    }
    out->n_location = n;
    return true;
}

/* ---- samples ---- */

static int64_t sample_total(const otlp_sample *s)
{
    if (!s->n_values) return (int64_t)s->n_timestamps_unix_nano; /* timestamps only: each counts 1 */
    int64_t sum = 0;
    for (size_t i = 0; i < s->n_values; i++) sum += s->values[i];
    return sum;
}

static bool add_sample(enc *e, int32_t stack_index, const int32_t *attrs, size_t n_attrs, int64_t *values)
{
    if (stack_index < 0 || (size_t)stack_index >= e->d->n_stack_table)
        return fail(e, "sample.stack_index %d out of range (stack_table has %zu entries)", stack_index,
                    e->d->n_stack_table);
    const otlp_stack *st = e->d->stack_table[stack_index];
    pprof_sample *s = pf_arena_alloc(e->a, sizeof(*s));
    *s = (pprof_sample)PERFTOOLS__PROFILES__SAMPLE__INIT;
    s->location_id = pf_arena_alloc(e->a, (st->n_location_indices ? st->n_location_indices : 1) * sizeof(uint64_t));
    for (size_t k = 0; k < st->n_location_indices; k++) {
        int32_t li = st->location_indices[k];
        if (li < 0 || (size_t)li >= e->d->n_location_table)
            return fail(e, "stack_table[%d].location_indices[%zu]: %d out of range (location_table has %zu entries)",
                        stack_index, k, li, e->d->n_location_table);
        s->location_id[s->n_location_id++] = location_id(e, li);
    }
    s->value = values;
    s->n_value = e->n_types;
    if (!add_labels(e, s, attrs, n_attrs)) return false;
    ptr_push(e->a, &e->samples, s);
    return true;
}

static bool same_shape(const otlp_sample *x, const otlp_sample *y)
{
    return x->stack_index == y->stack_index && x->link_index == y->link_index &&
           x->n_attribute_indices == y->n_attribute_indices &&
           (x->n_attribute_indices == 0 ||
            memcmp(x->attribute_indices, y->attribute_indices, x->n_attribute_indices * sizeof(int32_t)) == 0);
}

static bool aligned(otlp_profile *const *members, size_t n)
{
    for (size_t j = 1; j < n; j++) {
        if (members[j]->n_samples != members[0]->n_samples) return false;
        for (size_t i = 0; i < members[0]->n_samples; i++)
            if (!same_shape(members[0]->samples[i], members[j]->samples[i])) return false;
    }
    return true;
}

static bool zip_samples(enc *e, otlp_profile *const *members)
{
    for (size_t i = 0; i < members[0]->n_samples; i++) {
        int64_t *values = pf_arena_alloc(e->a, e->n_types * sizeof(*values));
        for (size_t j = 0; j < e->n_types; j++) values[j] = sample_total(members[j]->samples[i]);
        const otlp_sample *s = members[0]->samples[i];
        if (!add_sample(e, s->stack_index, s->attribute_indices, s->n_attribute_indices, values)) return false;
    }
    return true;
}

typedef struct keyed {
    const otlp_sample *s;
    int32_t *attrs; /* sorted copy: the identity uses the set of attributes */
    size_t member;
} keyed;

static int cmp_keyed(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    if (a->s->stack_index != b->s->stack_index) return a->s->stack_index < b->s->stack_index ? -1 : 1;
    if (a->s->link_index != b->s->link_index) return a->s->link_index < b->s->link_index ? -1 : 1;
    size_t na = a->s->n_attribute_indices, nb = b->s->n_attribute_indices;
    if (na != nb) return na < nb ? -1 : 1;
    for (size_t i = 0; i < na; i++)
        if (a->attrs[i] != b->attrs[i]) return a->attrs[i] < b->attrs[i] ? -1 : 1;
    return 0;
}

static bool merge_samples(enc *e, otlp_profile *const *members)
{
    size_t total = 0;
    for (size_t j = 0; j < e->n_types; j++) total += members[j]->n_samples;
    if (!total) return true;
    keyed *ks = pf_arena_alloc(e->a, total * sizeof(*ks));
    size_t n = 0;
    for (size_t j = 0; j < e->n_types; j++) {
        for (size_t i = 0; i < members[j]->n_samples; i++) {
            const otlp_sample *s = members[j]->samples[i];
            int32_t *attrs = pf_arena_memdup(e->a, s->attribute_indices, s->n_attribute_indices * sizeof(int32_t));
            if (s->n_attribute_indices) qsort(attrs, s->n_attribute_indices, sizeof(int32_t), cmp_i32);
            ks[n++] = (keyed){s, attrs, j};
        }
    }
    qsort(ks, n, sizeof(*ks), cmp_keyed);
    for (size_t start = 0, end; start < n; start = end) {
        int64_t *values = pf_arena_alloc(e->a, e->n_types * sizeof(*values));
        for (end = start; end < n && cmp_keyed(&ks[start], &ks[end]) == 0; end++)
            values[ks[end].member] += sample_total(ks[end].s);
        if (!add_sample(e, ks[start].s->stack_index, ks[start].s->attribute_indices, ks[start].s->n_attribute_indices,
                        values))
            return false;
    }
    return true;
}

/* ---- profile-level fields ---- */

static void add_comments(enc *e, pprof_profile *out, const otlp_any_value *v)
{
    size_t n = v->value_case == OTLP_VALUE_ARRAY && v->array_value ? v->array_value->n_values : 1;
    out->comment = pf_arena_alloc(e->a, n * sizeof(*out->comment));
    if (v->value_case != OTLP_VALUE_ARRAY) {
        out->comment[out->n_comment++] = pf_strtab_intern(&e->strs, value_text(e, v));
        return;
    }
    for (size_t i = 0; i < n; i++)
        out->comment[out->n_comment++] = pf_strtab_intern(&e->strs, value_text(e, v->array_value->values[i]));
}

static bool profile_fields(enc *e, const otlp_profile *first, pprof_profile *out)
{
    for (size_t i = 0; i < first->n_attribute_indices; i++) {
        const otlp_kvu *kv = attr_at(e, first->attribute_indices[i], "profile");
        if (!kv) return false;
        if (!kv->value) continue;
        const char *key = attr_key(e, kv);
        if (strcmp(key, PF_ATTR_DROP_FRAMES) == 0)
            out->drop_frames = pf_strtab_intern(&e->strs, value_text(e, kv->value));
        else if (strcmp(key, PF_ATTR_KEEP_FRAMES) == 0)
            out->keep_frames = pf_strtab_intern(&e->strs, value_text(e, kv->value));
        else if (strcmp(key, PF_ATTR_DOC_URL) == 0)
            out->doc_url = pf_strtab_intern(&e->strs, value_text(e, kv->value));
        else if (strcmp(key, PF_ATTR_COMMENT) == 0)
            add_comments(e, out, kv->value);
    }
    out->time_nanos = (int64_t)first->time_unix_nano;
    out->duration_nanos = (int64_t)first->duration_nano;
    out->period = first->period;
    const otlp_value_type *pt = first->period_type;
    if (pt && (pt->type_strindex || pt->unit_strindex)) {
        out->period_type = pf_arena_alloc(e->a, sizeof(*out->period_type));
        *out->period_type = (pprof_value_type)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
        out->period_type->type = str_of(e, pt->type_strindex);
        out->period_type->unit = str_of(e, pt->unit_strindex);
    }
    return true;
}

static void sample_types(enc *e, const otlp_scope_profiles *sp, otlp_profile *const *members, pprof_profile *out)
{
    const char *def =
        sp->scope ? pf_kv_list_get(e->b, sp->scope->attributes, sp->scope->n_attributes, PF_ATTR_DEFAULT_SAMPLE_TYPE)
                  : NULL;
    out->sample_type = pf_arena_alloc(e->a, e->n_types * sizeof(*out->sample_type));
    for (size_t j = 0; j < e->n_types; j++) {
        const otlp_value_type *st = members[j]->sample_type;
        pprof_value_type *vt = pf_arena_alloc(e->a, sizeof(*vt));
        *vt = (pprof_value_type)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
        vt->type = str_of(e, st ? st->type_strindex : 0);
        vt->unit = str_of(e, st ? st->unit_strindex : 0);
        out->sample_type[out->n_sample_type++] = vt;
        if (def && *def && strcmp(def, e->strs.strings[vt->type]) == 0) out->default_sample_type = vt->type;
    }
}

bool pf_pprof_encode_group(const pf_batch *b, const otlp_scope_profiles *sp, otlp_profile *const *members,
                           size_t n_members, pf_series_pprof_item *item, char *err, size_t err_len)
{
    enc e = {.b = b,
             .d = b->req->dictionary,
             .a = pf_arena_create(256 * 1024),
             .n_types = n_members,
             .err = err,
             .err_len = err_len};
    pf_strtab_init(&e.strs, e.a);
    e.location_ids = pf_idmap_new(e.a, 256);
    e.function_ids = pf_idmap_new(e.a, 256);
    e.mapping_ids = pf_idmap_new(e.a, 8);

    pprof_profile out = PERFTOOLS__PROFILES__PROFILE__INIT;
    sample_types(&e, sp, members, &out);
    bool ok = (aligned(members, n_members) ? zip_samples(&e, members) : merge_samples(&e, members)) &&
              build_mappings(&e, &out) && build_locations(&e, &out) && profile_fields(&e, members[0], &out);
    if (ok) {
        out.sample = (pprof_sample **)e.samples.items;
        out.n_sample = e.samples.n;
        out.function = (pprof_function **)e.functions.items;
        out.n_function = e.functions.n;
        out.string_table = e.strs.strings;
        out.n_string_table = e.strs.n;

        size_t len = perftools__profiles__profile__get_packed_size(&out);
        uint8_t *raw = pf_arena_alloc(e.a, len);
        perftools__profiles__profile__pack(&out, raw);
        pf_compress("gzip", raw, len, &item->gzipped);
        item->n_samples = out.n_sample;
        item->time_unix_nano = members[0]->time_unix_nano;
        item->duration_nano = members[0]->duration_nano;
    }
    pf_arena_destroy(e.a);
    return ok;
}
