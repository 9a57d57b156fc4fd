/* validate.c — checks every dictionary reference of a request once, at the edge (see
 * pf_batch_validate in batch.h), so processors and exporters can index tables without checks. */
#include "pipeline/model/batch.h"

#include <stdarg.h>
#include <stdio.h>

typedef struct vctx {
    const otlp_dictionary *d;
    char *err;
    size_t err_len;
} vctx;

static bool fail(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(vctx *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err, v->err_len, fmt, ap);
    va_end(ap);
    return false;
}

#define CHECK_INDEX(v, idx, table, where, ...)                                                          \
    do {                                                                                                \
        if ((idx) < 0 || (size_t)(idx) >= (v)->d->n_##table) {                                          \
            char where_[256];                                                                           \
            snprintf(where_, sizeof where_, where, __VA_ARGS__);                                        \
            return fail((v), "%s %d out of range (" #table " has %zu entries)", where_, (int)(idx),     \
                        (v)->d->n_##table);                                                             \
        }                                                                                               \
    } while (0)

static bool check_ints(vctx *v, const int32_t *ix, size_t n, size_t limit, const char *what, const char *table)
{
    for (size_t i = 0; i < n; i++)
        if (ix[i] < 0 || (size_t)ix[i] >= limit)
            return fail(v, "%s[%zu] %d out of range (%s has %zu entries)", what, i, (int)ix[i], table, limit);
    return true;
}

static bool check_dictionary(vctx *v)
{
    const otlp_dictionary *d = v->d;
    char what[128];
    for (size_t i = 0; i < d->n_mapping_table; i++) {
        CHECK_INDEX(v, d->mapping_table[i]->filename_strindex, string_table, "dictionary.mapping_table[%zu].filename_strindex", i);
        snprintf(what, sizeof what, "dictionary.mapping_table[%zu].attribute_indices", i);
        if (!check_ints(v, d->mapping_table[i]->attribute_indices, d->mapping_table[i]->n_attribute_indices, d->n_attribute_table, what, "attribute_table")) return false;
    }
    for (size_t i = 0; i < d->n_function_table; i++) {
        const otlp_function *f = d->function_table[i];
        CHECK_INDEX(v, f->name_strindex, string_table, "dictionary.function_table[%zu].name_strindex", i);
        CHECK_INDEX(v, f->system_name_strindex, string_table, "dictionary.function_table[%zu].system_name_strindex", i);
        CHECK_INDEX(v, f->filename_strindex, string_table, "dictionary.function_table[%zu].filename_strindex", i);
    }
    for (size_t i = 0; i < d->n_location_table; i++) {
        const otlp_location *l = d->location_table[i];
        CHECK_INDEX(v, l->mapping_index, mapping_table, "dictionary.location_table[%zu].mapping_index", i);
        for (size_t j = 0; j < l->n_lines; j++)
            CHECK_INDEX(v, l->lines[j]->function_index, function_table, "dictionary.location_table[%zu].lines[%zu].function_index", i, j);
        snprintf(what, sizeof what, "dictionary.location_table[%zu].attribute_indices", i);
        if (!check_ints(v, l->attribute_indices, l->n_attribute_indices, d->n_attribute_table, what, "attribute_table")) return false;
    }
    for (size_t i = 0; i < d->n_stack_table; i++) {
        snprintf(what, sizeof what, "dictionary.stack_table[%zu].location_indices", i);
        if (!check_ints(v, d->stack_table[i]->location_indices, d->stack_table[i]->n_location_indices, d->n_location_table, what, "location_table")) return false;
    }
    for (size_t i = 0; i < d->n_attribute_table; i++) {
        const otlp_kvu *a = d->attribute_table[i];
        CHECK_INDEX(v, a->key_strindex, string_table, "dictionary.attribute_table[%zu].key_strindex", i);
        CHECK_INDEX(v, a->unit_strindex, string_table, "dictionary.attribute_table[%zu].unit_strindex", i);
        if (a->value && a->value->value_case == OTLP_VALUE_STRINDEX)
            CHECK_INDEX(v, a->value->string_value_strindex, string_table, "dictionary.attribute_table[%zu].value.string_value_strindex", i);
    }
    for (size_t i = 0; i < d->n_link_table; i++) {
        const otlp_link *l = d->link_table[i];
        if ((l->trace_id.len != 0 && l->trace_id.len != 16) || (l->span_id.len != 0 && l->span_id.len != 8))
            return fail(v, "dictionary.link_table[%zu]: trace_id must be 16 bytes and span_id 8 bytes", i);
    }
    return true;
}

static bool check_kvs(vctx *v, otlp_kv *const *kvs, size_t n, const char *where)
{
    for (size_t i = 0; i < n; i++) {
        if (!kvs[i]->key[0]) CHECK_INDEX(v, kvs[i]->key_strindex, string_table, "%s[%zu].key_strindex", where, i);
        if (kvs[i]->value && kvs[i]->value->value_case == OTLP_VALUE_STRINDEX)
            CHECK_INDEX(v, kvs[i]->value->string_value_strindex, string_table, "%s[%zu].value.string_value_strindex", where, i);
    }
    return true;
}

static bool check_profile(vctx *v, const otlp_profile *p, const char *where)
{
    const otlp_dictionary *d = v->d;
    char what[256];
    if (p->sample_type) {
        CHECK_INDEX(v, p->sample_type->type_strindex, string_table, "%s.sample_type.type_strindex", where);
        CHECK_INDEX(v, p->sample_type->unit_strindex, string_table, "%s.sample_type.unit_strindex", where);
    }
    if (p->period_type) {
        CHECK_INDEX(v, p->period_type->type_strindex, string_table, "%s.period_type.type_strindex", where);
        CHECK_INDEX(v, p->period_type->unit_strindex, string_table, "%s.period_type.unit_strindex", where);
    }
    if (p->profile_id.len != 0 && p->profile_id.len != 16)
        return fail(v, "%s.profile_id must be 16 bytes, got %zu", where, p->profile_id.len);
    snprintf(what, sizeof what, "%s.attribute_indices", where);
    if (!check_ints(v, p->attribute_indices, p->n_attribute_indices, d->n_attribute_table, what, "attribute_table")) return false;
    for (size_t i = 0; i < p->n_samples; i++) {
        const otlp_sample *s = p->samples[i];
        CHECK_INDEX(v, s->stack_index, stack_table, "%s.samples[%zu].stack_index", where, i);
        CHECK_INDEX(v, s->link_index, link_table, "%s.samples[%zu].link_index", where, i);
        snprintf(what, sizeof what, "%s.samples[%zu].attribute_indices", where, i);
        if (!check_ints(v, s->attribute_indices, s->n_attribute_indices, d->n_attribute_table, what, "attribute_table")) return false;
        if (s->n_values && s->n_timestamps_unix_nano && s->n_values != s->n_timestamps_unix_nano)
            return fail(v, "%s.samples[%zu]: %zu values but %zu timestamps (must be equal when both are set)", where, i,
                        s->n_values, s->n_timestamps_unix_nano);
    }
    return true;
}

/* An empty table in a decoded request lacks the mandatory zero entry; give it one so index 0
 * ("unset") is always valid downstream. */
static void add_missing_zero_entries(pf_batch *b)
{
    otlp_dictionary *d = b->req->dictionary;
    pf_arena *a = b->arena;
    if (!d->n_string_table) {
        d->string_table = pf_arena_alloc(a, sizeof(char *));
        d->string_table[0] = "";
        d->n_string_table = 1;
    }
#define ZERO_IF_EMPTY(field, type, init)                      \
    if (!d->n_##field) {                                      \
        d->field = pf_arena_alloc(a, sizeof(type *));         \
        d->field[0] = pf_arena_alloc(a, sizeof(type));        \
        *d->field[0] = (type)init;                            \
        d->n_##field = 1;                                     \
    }
    ZERO_IF_EMPTY(mapping_table, otlp_mapping, OTLP_MAPPING_INIT)
    ZERO_IF_EMPTY(location_table, otlp_location, OTLP_LOCATION_INIT)
    ZERO_IF_EMPTY(function_table, otlp_function, OTLP_FUNCTION_INIT)
    ZERO_IF_EMPTY(link_table, otlp_link, OTLP_LINK_INIT)
    ZERO_IF_EMPTY(attribute_table, otlp_kvu, OTLP_KVU_INIT)
    ZERO_IF_EMPTY(stack_table, otlp_stack, OTLP_STACK_INIT)
#undef ZERO_IF_EMPTY
}

typedef struct profile_check {
    vctx *v;
    char where[200];
    bool strict;
    size_t rejected, total;
    bool failed;      /* strict mode: first failure ends the walk */
    bool have_message;
} profile_check;

static bool keep_valid_profile(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    (void)b;
    profile_check *pc = data;
    pc->total++;
    if (pc->failed) return true;
    snprintf(pc->where, sizeof pc->where, "resource_profiles[%zu].scope_profiles[%zu].profiles[%zu]", ref->rp_index,
             ref->sp_index, ref->profile_index);
    if (pc->have_message) {
        /* Keep the first message: check into a scratch buffer. */
        char scratch[512];
        vctx v2 = {pc->v->d, scratch, sizeof scratch};
        if (check_profile(&v2, ref->profile, pc->where)) return true;
    } else if (check_profile(pc->v, ref->profile, pc->where)) {
        return true;
    } else {
        pc->have_message = true;
    }
    if (pc->strict) {
        pc->failed = true;
        return true;
    }
    pc->rejected++;
    return false;
}

bool pf_batch_validate(pf_batch *b, size_t *rejected_profiles, char *err, size_t err_len)
{
    add_missing_zero_entries(b);
    if (rejected_profiles) *rejected_profiles = 0;
    vctx v = {b->req->dictionary, err, err_len};
    if (!check_dictionary(&v)) return false;
    char where[200];
    for (size_t r = 0; r < b->req->n_resource_profiles; r++) {
        const otlp_resource_profiles *rp = b->req->resource_profiles[r];
        if (rp->resource) {
            snprintf(where, sizeof where, "resource_profiles[%zu].resource.attributes", r);
            if (!check_kvs(&v, rp->resource->attributes, rp->resource->n_attributes, where)) return false;
        }
        for (size_t s = 0; s < rp->n_scope_profiles; s++) {
            const otlp_scope_profiles *sp = rp->scope_profiles[s];
            if (sp->scope) {
                snprintf(where, sizeof where, "resource_profiles[%zu].scope_profiles[%zu].scope.attributes", r, s);
                if (!check_kvs(&v, sp->scope->attributes, sp->scope->n_attributes, where)) return false;
            }
        }
    }
    /* Every reference is in range now: resolve them once for all later stages. */
    pf_batch_inline_attributes(b);
    profile_check pc = {.v = &v, .strict = rejected_profiles == NULL};
    if (pc.strict) {
        pf_batch_foreach_profile(b, keep_valid_profile, &pc);
        return !pc.failed;
    }
    pf_batch_filter_profiles(b, keep_valid_profile, &pc);
    *rejected_profiles = pc.rejected;
    return pc.rejected == 0 || pc.rejected < pc.total;
}
