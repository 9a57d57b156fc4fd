/* merge.c — copies profiles between requests, re-interning dictionary entries through pf_dict_* with a
 * per-source memo so each source entry is translated once (see merge.h). */
#include "processors/batch/merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/model/dict.h"
#include "pipeline/model/wire.h"

/* Translated index of each source table entry; -1 = not translated yet. */
typedef struct memo {
    const pf_batch *src;
    int32_t *strings, *functions, *mappings, *locations, *stacks, *links, *attrs;
} memo;

typedef struct scope_slot {
    const otlp_resource_profiles *rp;
    char *key;
    otlp_scope_profiles *sp;
} scope_slot;

struct pf_merge {
    pf_batch *dst;
    char **rp_keys;
    otlp_resource_profiles **rps;
    size_t n_rps;
    scope_slot *scopes;
    size_t n_scopes;
    size_t samples, profiles;
    memo memo;
};

/* ---------------------------------------------------------------- rendering (equality keys) */

static void render_kvs(pf_buf *out, const pf_batch *b, otlp_kv *const *kvs, size_t n);

void pf_any_value_render(pf_buf *out, const pf_batch *b, const otlp_any_value *v)
{
    if (!v) {
        pf_buf_puts(out, "-");
        return;
    }
    switch (v->value_case) {
    case OTLP_VALUE_STRING: pf_buf_printf(out, "s%zu:%s", strlen(v->string_value), v->string_value); break;
    case OTLP_VALUE_STRINDEX: {
        const char *s = pf_batch_string(b, v->string_value_strindex);
        pf_buf_printf(out, "s%zu:%s", strlen(s), s);
        break;
    }
    case OTLP_VALUE_BOOL: pf_buf_printf(out, "b%d", v->bool_value ? 1 : 0); break;
    case OTLP_VALUE_INT: pf_buf_printf(out, "i%" PRId64, v->int_value); break;
    case OTLP_VALUE_DOUBLE: pf_buf_printf(out, "d%.17g", v->double_value); break;
    case OTLP_VALUE_BYTES:
        pf_buf_printf(out, "y%zu:", v->bytes_value.len);
        for (size_t i = 0; i < v->bytes_value.len; i++) pf_buf_printf(out, "%02x", v->bytes_value.data[i]);
        break;
    case OTLP_VALUE_ARRAY:
        pf_buf_puts(out, "[");
        for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++) {
            pf_any_value_render(out, b, v->array_value->values[i]);
            pf_buf_puts(out, ",");
        }
        pf_buf_puts(out, "]");
        break;
    case OTLP_VALUE_KVLIST:
        if (v->kvlist_value) render_kvs(out, b, v->kvlist_value->values, v->kvlist_value->n_values);
        break;
    default: pf_buf_puts(out, "-"); break;
    }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Order-insensitive: attributes are a set. */
static void render_kvs(pf_buf *out, const pf_batch *b, otlp_kv *const *kvs, size_t n)
{
    char **items = pf_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        pf_buf one = {0};
        const char *key = pf_kv_key(b, kvs[i]);
        pf_buf_printf(&one, "%zu:%s=", strlen(key), key);
        pf_any_value_render(&one, b, kvs[i]->value);
        pf_buf_append(&one, "", 0);
        items[i] = one.data;
    }
    qsort(items, n, sizeof(char *), cmp_str);
    pf_buf_puts(out, "{");
    for (size_t i = 0; i < n; i++) {
        pf_buf_puts(out, items[i]);
        pf_buf_puts(out, ";");
        free(items[i]);
    }
    pf_buf_puts(out, "}");
    free(items);
}

static char *resource_key(const pf_batch *b, const otlp_resource_profiles *rp)
{
    pf_buf k = {0};
    const otlp_resource *r = rp->resource;
    if (r) {
        render_kvs(&k, b, r->attributes, r->n_attributes);
        pf_buf_printf(&k, "|%u", r->dropped_attributes_count);
    }
    pf_buf_printf(&k, "|%s", rp->schema_url ? rp->schema_url : "");
    pf_buf_append(&k, "", 0);
    return k.data;
}

static char *scope_key(const pf_batch *b, const otlp_scope_profiles *sp)
{
    pf_buf k = {0};
    const otlp_scope *s = sp->scope;
    if (s) {
        pf_buf_printf(&k, "%s|%s|", s->name ? s->name : "", s->version ? s->version : "");
        render_kvs(&k, b, s->attributes, s->n_attributes);
        pf_buf_printf(&k, "|%u", s->dropped_attributes_count);
    }
    pf_buf_printf(&k, "|%s", sp->schema_url ? sp->schema_url : "");
    pf_buf_append(&k, "", 0);
    return k.data;
}

/* ---------------------------------------------------------------- deep copies into dst */

static otlp_kv **copy_kvs(pf_batch *dst, const pf_batch *src, otlp_kv *const *kvs, size_t n);

static otlp_any_value *copy_value(pf_batch *dst, const pf_batch *src, const otlp_any_value *v)
{
    if (!v) return NULL;
    pf_arena *a = dst->arena;
    otlp_any_value *c = pf_arena_alloc(a, sizeof(*c));
    *c = *v;
    switch (v->value_case) {
    case OTLP_VALUE_STRING: c->string_value = pf_arena_strdup(a, v->string_value); break;
    case OTLP_VALUE_STRINDEX: /* indices of src's string table mean nothing in dst: resolve */
        c->value_case = OTLP_VALUE_STRING;
        c->string_value = pf_arena_strdup(a, pf_batch_string(src, v->string_value_strindex));
        break;
    case OTLP_VALUE_BYTES: c->bytes_value.data = pf_arena_memdup(a, v->bytes_value.data, v->bytes_value.len); break;
    case OTLP_VALUE_ARRAY:
        if (v->array_value) {
            c->array_value = pf_arena_alloc(a, sizeof(otlp_array_value));
            *c->array_value = (otlp_array_value)OTLP_ARRAY_VALUE_INIT;
            c->array_value->n_values = v->array_value->n_values;
            c->array_value->values = pf_arena_alloc(a, (v->array_value->n_values + 1) * sizeof(otlp_any_value *));
            for (size_t i = 0; i < v->array_value->n_values; i++)
                c->array_value->values[i] = copy_value(dst, src, v->array_value->values[i]);
        }
        break;
    case OTLP_VALUE_KVLIST:
        if (v->kvlist_value) {
            c->kvlist_value = pf_arena_alloc(a, sizeof(otlp_kv_list));
            *c->kvlist_value = (otlp_kv_list)OTLP_KV_LIST_INIT;
            c->kvlist_value->n_values = v->kvlist_value->n_values;
            c->kvlist_value->values = copy_kvs(dst, src, v->kvlist_value->values, v->kvlist_value->n_values);
        }
        break;
    default: break;
    }
    return c;
}

static otlp_kv **copy_kvs(pf_batch *dst, const pf_batch *src, otlp_kv *const *kvs, size_t n)
{
    otlp_kv **out = pf_arena_alloc(dst->arena, (n + 1) * sizeof(otlp_kv *));
    for (size_t i = 0; i < n; i++) {
        out[i] = pf_arena_alloc(dst->arena, sizeof(otlp_kv));
        *out[i] = (otlp_kv)OTLP_KV_INIT;
        out[i]->key = pf_arena_strdup(dst->arena, pf_kv_key(src, kvs[i]));
        out[i]->value = copy_value(dst, src, kvs[i]->value);
    }
    return out;
}

/* ---------------------------------------------------------------- dictionary translation */

static int32_t *memo_table(size_t n)
{
    int32_t *t = pf_xmalloc((n + 1) * sizeof(int32_t));
    memset(t, 0xff, (n + 1) * sizeof(int32_t));
    if (n) t[0] = 0; /* entry 0 is the zero value in every table */
    return t;
}

static void memo_release(memo *mm)
{
    free(mm->strings);
    free(mm->functions);
    free(mm->mappings);
    free(mm->locations);
    free(mm->stacks);
    free(mm->links);
    free(mm->attrs);
    memset(mm, 0, sizeof(*mm));
}

static void memo_for(pf_merge *m, const pf_batch *src)
{
    if (m->memo.src == src) return;
    memo_release(&m->memo);
    const otlp_dictionary *d = src->req->dictionary;
    m->memo.src = src;
    m->memo.strings = memo_table(d->n_string_table);
    m->memo.functions = memo_table(d->n_function_table);
    m->memo.mappings = memo_table(d->n_mapping_table);
    m->memo.locations = memo_table(d->n_location_table);
    m->memo.stacks = memo_table(d->n_stack_table);
    m->memo.links = memo_table(d->n_link_table);
    m->memo.attrs = memo_table(d->n_attribute_table);
}

#define SRC_DICT(m) ((m)->memo.src->req->dictionary)
/* Out-of-range indices were rejected by pf_batch_validate at the receiver; map them to 0 defensively. */
#define IN_RANGE(idx, n) ((idx) > 0 && (size_t)(idx) < (n))

static int32_t tr_string(pf_merge *m, int32_t i)
{
    if (!IN_RANGE(i, SRC_DICT(m)->n_string_table)) return 0;
    if (m->memo.strings[i] < 0) m->memo.strings[i] = pf_dict_string(m->dst, SRC_DICT(m)->string_table[i]);
    return m->memo.strings[i];
}

static int32_t *tr_attr_list(pf_merge *m, const int32_t *idx, size_t n);

static int32_t tr_attr(pf_merge *m, int32_t i)
{
    if (!IN_RANGE(i, SRC_DICT(m)->n_attribute_table)) return 0;
    if (m->memo.attrs[i] < 0) {
        const otlp_kvu *kv = SRC_DICT(m)->attribute_table[i];
        otlp_any_value none = OTLP_ANY_VALUE_INIT;
        const otlp_any_value *v = kv->value ? copy_value(m->dst, m->memo.src, kv->value) : &none;
        int32_t unit = tr_string(m, kv->unit_strindex);
        m->memo.attrs[i] = pf_dict_attr(m->dst, pf_batch_string(m->memo.src, kv->key_strindex), v, unit);
    }
    return m->memo.attrs[i];
}

static int32_t *tr_attr_list(pf_merge *m, const int32_t *idx, size_t n)
{
    int32_t *out = pf_arena_alloc(m->dst->arena, (n + 1) * sizeof(int32_t));
    for (size_t i = 0; i < n; i++) out[i] = tr_attr(m, idx[i]);
    return out;
}

static int32_t tr_function(pf_merge *m, int32_t i)
{
    if (!IN_RANGE(i, SRC_DICT(m)->n_function_table)) return 0;
    if (m->memo.functions[i] < 0) {
        const otlp_function *f = SRC_DICT(m)->function_table[i];
        m->memo.functions[i] =
            pf_dict_function(m->dst, tr_string(m, f->name_strindex), tr_string(m, f->system_name_strindex),
                             tr_string(m, f->filename_strindex), f->start_line);
    }
    return m->memo.functions[i];
}

static int32_t tr_mapping(pf_merge *m, int32_t i)
{
    if (!IN_RANGE(i, SRC_DICT(m)->n_mapping_table)) return 0;
    if (m->memo.mappings[i] < 0) {
        const otlp_mapping *mp = SRC_DICT(m)->mapping_table[i];
        int32_t *attrs = tr_attr_list(m, mp->attribute_indices, mp->n_attribute_indices);
        m->memo.mappings[i] = pf_dict_mapping(m->dst, mp->memory_start, mp->memory_limit, mp->file_offset,
                                              tr_string(m, mp->filename_strindex), attrs, mp->n_attribute_indices);
    }
    return m->memo.mappings[i];
}

static int32_t tr_location(pf_merge *m, int32_t i)
{
    if (!IN_RANGE(i, SRC_DICT(m)->n_location_table)) return 0;
    if (m->memo.locations[i] < 0) {
        const otlp_location *l = SRC_DICT(m)->location_table[i];
        otlp_line *lines = pf_xcalloc(l->n_lines + 1, sizeof(otlp_line));
        for (size_t k = 0; k < l->n_lines; k++) {
            lines[k] = (otlp_line)OTLP_LINE_INIT;
            lines[k].function_index = tr_function(m, l->lines[k]->function_index);
            lines[k].line = l->lines[k]->line;
            lines[k].column = l->lines[k]->column;
        }
        int32_t *attrs = tr_attr_list(m, l->attribute_indices, l->n_attribute_indices);
        int32_t mapping = tr_mapping(m, l->mapping_index);
        m->memo.locations[i] =
            pf_dict_location(m->dst, mapping, l->address, lines, l->n_lines, attrs, l->n_attribute_indices);
        free(lines);
    }
    return m->memo.locations[i];
}

static int32_t tr_stack(pf_merge *m, int32_t i)
{
    if (!IN_RANGE(i, SRC_DICT(m)->n_stack_table)) return 0;
    if (m->memo.stacks[i] < 0) {
        const otlp_stack *s = SRC_DICT(m)->stack_table[i];
        int32_t *locs = pf_xcalloc(s->n_location_indices + 1, sizeof(int32_t));
        for (size_t k = 0; k < s->n_location_indices; k++) locs[k] = tr_location(m, s->location_indices[k]);
        m->memo.stacks[i] = pf_dict_stack(m->dst, locs, s->n_location_indices);
        free(locs);
    }
    return m->memo.stacks[i];
}

static int32_t tr_link(pf_merge *m, int32_t i)
{
    if (!IN_RANGE(i, SRC_DICT(m)->n_link_table)) return 0;
    if (m->memo.links[i] < 0) {
        const otlp_link *l = SRC_DICT(m)->link_table[i];
        uint8_t trace[16] = {0}, span[8] = {0};
        /* Empty ids have no data pointer, and memcpy from NULL is undefined even for 0 bytes. */
        if (l->trace_id.len) memcpy(trace, l->trace_id.data, l->trace_id.len < 16 ? l->trace_id.len : 16);
        if (l->span_id.len) memcpy(span, l->span_id.data, l->span_id.len < 8 ? l->span_id.len : 8);
        m->memo.links[i] = pf_dict_link(m->dst, trace, span);
    }
    return m->memo.links[i];
}

static otlp_value_type *tr_value_type(pf_merge *m, const otlp_value_type *vt)
{
    if (!vt) return NULL;
    otlp_value_type *c = pf_arena_alloc(m->dst->arena, sizeof(*c));
    *c = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
    c->type_strindex = tr_string(m, vt->type_strindex);
    c->unit_strindex = tr_string(m, vt->unit_strindex);
    return c;
}

/* ---------------------------------------------------------------- building */

pf_merge *pf_merge_new(const pf_batch *meta_from)
{
    pf_merge *m = pf_xcalloc(1, sizeof(*m));
    m->dst = pf_batch_new();
    if (meta_from) {
        const pf_batch_meta *meta = &meta_from->meta;
        pf_batch_set_tenant(m->dst, meta->tenant);
        pf_batch_set_client(m->dst, meta->client_addr);
        pf_batch_set_receiver(m->dst, meta->receiver_id);
        m->dst->meta.received_unix_nano = meta->received_unix_nano;
        for (size_t i = 0; i < meta->n_headers; i++)
            pf_batch_add_header(m->dst, meta->headers[i].key, meta->headers[i].value);
    }
    return m;
}

static void forget_slots(pf_merge *m)
{
    for (size_t i = 0; i < m->n_rps; i++) free(m->rp_keys[i]);
    for (size_t i = 0; i < m->n_scopes; i++) free(m->scopes[i].key);
    free(m->rp_keys);
    free(m->rps);
    free(m->scopes);
    m->rp_keys = NULL;
    m->rps = NULL;
    m->scopes = NULL;
    m->n_rps = m->n_scopes = 0;
}

void pf_merge_free(pf_merge *m)
{
    if (!m) return;
    forget_slots(m);
    memo_release(&m->memo);
    if (m->dst) pf_batch_unref(m->dst);
    free(m);
}

static otlp_resource_profiles *dst_resource(pf_merge *m, const otlp_resource_profiles *rp)
{
    char *key = resource_key(m->memo.src, rp);
    for (size_t i = 0; i < m->n_rps; i++) {
        if (strcmp(m->rp_keys[i], key) == 0) {
            free(key);
            return m->rps[i];
        }
    }
    otlp_resource_profiles *d = pf_batch_add_resource(m->dst);
    if (rp->resource) {
        d->resource->attributes = copy_kvs(m->dst, m->memo.src, rp->resource->attributes, rp->resource->n_attributes);
        d->resource->n_attributes = rp->resource->n_attributes;
        d->resource->dropped_attributes_count = rp->resource->dropped_attributes_count;
    }
    d->schema_url = pf_arena_strdup(m->dst->arena, rp->schema_url ? rp->schema_url : "");
    m->rp_keys = pf_xrealloc(m->rp_keys, (m->n_rps + 1) * sizeof(char *));
    m->rps = pf_xrealloc(m->rps, (m->n_rps + 1) * sizeof(*m->rps));
    m->rp_keys[m->n_rps] = key;
    m->rps[m->n_rps++] = d;
    return d;
}

static otlp_scope_profiles *dst_scope(pf_merge *m, otlp_resource_profiles *drp, const otlp_scope_profiles *sp)
{
    char *key = scope_key(m->memo.src, sp);
    for (size_t i = 0; i < m->n_scopes; i++) {
        if (m->scopes[i].rp == drp && strcmp(m->scopes[i].key, key) == 0) {
            free(key);
            return m->scopes[i].sp;
        }
    }
    const otlp_scope *s = sp->scope;
    otlp_scope_profiles *d = pf_batch_add_scope(m->dst, drp, s ? s->name : "", s ? s->version : "");
    if (s) {
        d->scope->attributes = copy_kvs(m->dst, m->memo.src, s->attributes, s->n_attributes);
        d->scope->n_attributes = s->n_attributes;
        d->scope->dropped_attributes_count = s->dropped_attributes_count;
    }
    d->schema_url = pf_arena_strdup(m->dst->arena, sp->schema_url ? sp->schema_url : "");
    m->scopes = pf_xrealloc(m->scopes, (m->n_scopes + 1) * sizeof(scope_slot));
    m->scopes[m->n_scopes++] = (scope_slot){drp, key, d};
    return d;
}

static otlp_sample *copy_sample(pf_merge *m, const otlp_sample *s)
{
    pf_arena *a = m->dst->arena;
    otlp_sample *c = pf_arena_alloc(a, sizeof(*c));
    *c = (otlp_sample)OTLP_SAMPLE_INIT;
    c->stack_index = tr_stack(m, s->stack_index);
    c->attribute_indices = tr_attr_list(m, s->attribute_indices, s->n_attribute_indices);
    c->n_attribute_indices = s->n_attribute_indices;
    c->link_index = tr_link(m, s->link_index);
    c->values = pf_arena_memdup(a, s->values, s->n_values * sizeof(int64_t));
    c->n_values = s->n_values;
    c->timestamps_unix_nano = pf_arena_memdup(a, s->timestamps_unix_nano, s->n_timestamps_unix_nano * sizeof(uint64_t));
    c->n_timestamps_unix_nano = s->n_timestamps_unix_nano;
    return c;
}

static otlp_profile *add_profile(pf_merge *m, otlp_scope_profiles *dsp, const otlp_profile *p, size_t from, size_t to);

void pf_merge_add_profile(pf_merge *m, const pf_batch *src, const otlp_resource_profiles *rp,
                          const otlp_scope_profiles *sp, const otlp_profile *p, size_t from, size_t to)
{
    memo_for(m, src);
    otlp_scope_profiles *dsp = dst_scope(m, dst_resource(m, rp), sp);
    pf_batch_scope_source_forget(m->dst, dsp); /* a slice or a single profile is not the scraped pprof */
    add_profile(m, dsp, p, from, to);
}

static otlp_profile *add_profile(pf_merge *m, otlp_scope_profiles *dsp, const otlp_profile *p, size_t from, size_t to)
{
    if (to > p->n_samples) to = p->n_samples;
    if (from > to) from = to;
    pf_arena *a = m->dst->arena;
    otlp_profile *c = pf_batch_add_profile(m->dst, dsp);
    c->sample_type = tr_value_type(m, p->sample_type);
    c->period_type = tr_value_type(m, p->period_type);
    c->time_unix_nano = p->time_unix_nano;
    c->duration_nano = p->duration_nano;
    c->period = p->period;
    c->profile_id.data = pf_arena_memdup(a, p->profile_id.data, p->profile_id.len);
    c->profile_id.len = p->profile_id.len;
    c->dropped_attributes_count = p->dropped_attributes_count;
    c->original_payload_format = pf_arena_strdup(a, p->original_payload_format ? p->original_payload_format : "");
    c->original_payload.data = pf_arena_memdup(a, p->original_payload.data, p->original_payload.len);
    c->original_payload.len = p->original_payload.len;
    c->attribute_indices = tr_attr_list(m, p->attribute_indices, p->n_attribute_indices);
    c->n_attribute_indices = p->n_attribute_indices;
    c->samples = pf_arena_alloc(a, (to - from + 1) * sizeof(otlp_sample *));
    for (size_t i = from; i < to; i++) c->samples[c->n_samples++] = copy_sample(m, p->samples[i]);
    m->samples += to - from;
    m->profiles++;
    return c;
}

/* Copies every profile of sp. The pprof sp was made from (wire.h, scope sources) stays with the copy
 * when the destination scope is sp's alone; a scope merged from two sources is neither's pprof. */
static void add_scope(pf_merge *m, const pf_batch *src, const otlp_resource_profiles *rp, const otlp_scope_profiles *sp)
{
    otlp_scope_profiles *dsp = dst_scope(m, dst_resource(m, rp), sp);
    const pf_scope_source *source = pf_batch_scope_source(src, sp);
    bool fresh = dsp->n_profiles == 0;
    for (size_t p = 0; p < sp->n_profiles; p++) add_profile(m, dsp, sp->profiles[p], 0, sp->profiles[p]->n_samples);
    if (fresh && source)
        pf_batch_scope_source_keep(m->dst, dsp, source->gzipped, source->len, source->samples);
    else
        pf_batch_scope_source_forget(m->dst, dsp);
}

void pf_merge_add_batch(pf_merge *m, const pf_batch *src)
{
    memo_for(m, src);
    const otlp_request *req = src->req;
    for (size_t r = 0; r < req->n_resource_profiles; r++) {
        const otlp_resource_profiles *rp = req->resource_profiles[r];
        for (size_t s = 0; s < rp->n_scope_profiles; s++) add_scope(m, src, rp, rp->scope_profiles[s]);
    }
    /* The source may be freed after this call and its address reused: never keep its memo. */
    memo_release(&m->memo);
}

size_t pf_merge_samples(const pf_merge *m) { return m->samples; }

size_t pf_merge_profiles(const pf_merge *m) { return m->profiles; }

pf_batch *pf_merge_take(pf_merge *m)
{
    pf_batch *b = m->profiles ? m->dst : NULL;
    if (!b) return NULL;
    m->dst = NULL;
    forget_slots(m);
    memo_release(&m->memo);
    return b;
}

size_t pf_batch_split(const pf_batch *src, size_t max_samples, void (*emit)(pf_batch *piece, void *data), void *data)
{
    size_t pieces = 0;
    pf_merge *m = pf_merge_new(src);
    const otlp_request *req = src->req;
    for (size_t r = 0; r < req->n_resource_profiles; r++) {
        const otlp_resource_profiles *rp = req->resource_profiles[r];
        for (size_t s = 0; s < rp->n_scope_profiles; s++) {
            const otlp_scope_profiles *sp = rp->scope_profiles[s];
            for (size_t p = 0; p < sp->n_profiles; p++) {
                const otlp_profile *prof = sp->profiles[p];
                size_t from = 0;
                do {
                    if (m->samples >= max_samples) {
                        emit(pf_merge_take(m), data);
                        pieces++;
                        pf_merge_free(m);
                        m = pf_merge_new(src);
                    }
                    size_t take = max_samples - m->samples;
                    if (take > prof->n_samples - from) take = prof->n_samples - from;
                    pf_merge_add_profile(m, src, rp, sp, prof, from, from + take);
                    from += take;
                } while (from < prof->n_samples);
            }
        }
    }
    pf_batch *last = pf_merge_take(m);
    if (last) {
        emit(last, data);
        pieces++;
    }
    pf_merge_free(m);
    return pieces;
}
