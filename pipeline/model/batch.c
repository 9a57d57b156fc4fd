/* batch.c — lifecycle, metadata, counting, attribute and building helpers of pf_batch (see batch.h).
 * Validation lives in validate.c, dictionary interning in dict.c. */
#include "pipeline/model/batch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pipeline/model/ack.h"
#include "pipeline/model/pb_nesting.h"
#include "pipeline/model/wire.h"
#include "pipeline/model/payload.h"

static otlp_dictionary *dictionary_with_zero_entries(pf_arena *a)
{
    otlp_dictionary *d = pf_arena_alloc(a, sizeof(*d));
    *d = (otlp_dictionary)OTLP_DICTIONARY_INIT;
    /* Entry 0 of every table must be the zero value (OTLP spec); index 0 then means "unset". */
    d->n_string_table = 1;
    d->string_table = pf_arena_alloc(a, sizeof(char *));
    d->string_table[0] = pf_arena_strdup(a, "");
#define ZERO_ENTRY(field, type, init)                                                                                  \
    do {                                                                                                               \
        d->n_##field = 1;                                                                                              \
        d->field = pf_arena_alloc(a, sizeof(type *));                                                                  \
        d->field[0] = pf_arena_alloc(a, sizeof(type));                                                                 \
        *d->field[0] = (type)init;                                                                                     \
    } while (0)
    ZERO_ENTRY(mapping_table, otlp_mapping, OTLP_MAPPING_INIT);
    ZERO_ENTRY(location_table, otlp_location, OTLP_LOCATION_INIT);
    ZERO_ENTRY(function_table, otlp_function, OTLP_FUNCTION_INIT);
    ZERO_ENTRY(link_table, otlp_link, OTLP_LINK_INIT);
    ZERO_ENTRY(attribute_table, otlp_kvu, OTLP_KVU_INIT);
    ZERO_ENTRY(stack_table, otlp_stack, OTLP_STACK_INIT);
#undef ZERO_ENTRY
    /* link_table[0] carries all-zero ids of the right length. */
    d->link_table[0]->trace_id.len = 16;
    d->link_table[0]->trace_id.data = pf_arena_alloc(a, 16);
    d->link_table[0]->span_id.len = 8;
    d->link_table[0]->span_id.data = pf_arena_alloc(a, 8);
    return d;
}

static uint64_t now_unix_nano(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static pf_batch *batch_alloc(pf_arena *a)
{
    pf_batch *b = pf_arena_alloc(a, sizeof(*b));
    b->refs = 1;
    b->arena = a;
    b->meta.received_unix_nano = now_unix_nano();
    return b;
}

otlp_request *pf_batch_new_tree(pf_batch *b)
{
    otlp_request *req = pf_arena_alloc(b->arena, sizeof(*req));
    *req = (otlp_request)OTLP_REQUEST_INIT;
    req->dictionary = dictionary_with_zero_entries(b->arena);
    return req;
}

pf_batch *pf_batch_new(void)
{
    pf_arena *a = pf_arena_create(16 * 1024);
    pf_batch *b = batch_alloc(a);
    b->req = pf_batch_new_tree(b);
    return b;
}

pf_batch *pf_batch_new_empty_lazy(size_t arena_size) { return batch_alloc(pf_arena_create(arena_size)); }

pf_batch *pf_batch_decode(const uint8_t *buf, size_t len)
{
    if (!pf_pb_nesting_ok(&otlp_request_descriptor, buf, len, PF_PB_MAX_NESTING)) return NULL;
    /* A decoded profiles request takes 10-14x its wire size (one protobuf-c struct per sample,
     * location and line; measured by bench/otlp_passthrough). Starting at 4x keeps the number of
     * chunk doublings small without reserving the worst case up front. */
    pf_arena *a = pf_arena_create(len * 4 + 4096);
    ProtobufCAllocator al = pf_arena_allocator(a);
    otlp_request *req = (otlp_request *)protobuf_c_message_unpack(&otlp_request_descriptor, &al, len, buf);
    if (!req) {
        pf_arena_destroy(a);
        return NULL;
    }
    pf_batch *b = batch_alloc(a);
    b->req = req;
    if (!req->dictionary) req->dictionary = dictionary_with_zero_entries(a);
    b->wire_bytes = len;
    return b;
}

pf_batch *pf_batch_ref(pf_batch *b)
{
    b->refs++;
    return b;
}

void pf_batch_unref(pf_batch *b)
{
    if (!b) return;
    if (--b->refs > 0) return;
    pf_batch_encoded_release(b);
    pf_batch_acks_release(b);
    pf_arena_destroy(b->arena); /* the batch struct itself lives in its arena */
}

static void copy_meta(pf_batch *dst, const pf_batch *src)
{
    if (src->meta.tenant) pf_batch_set_tenant(dst, src->meta.tenant);
    if (src->meta.client_addr) pf_batch_set_client(dst, src->meta.client_addr);
    if (src->meta.receiver_id) pf_batch_set_receiver(dst, src->meta.receiver_id);
    dst->meta.received_unix_nano = src->meta.received_unix_nano;
    for (size_t i = 0; i < src->meta.n_headers; i++)
        pf_batch_add_header(dst, src->meta.headers[i].key, src->meta.headers[i].value);
    dst->wire_bytes = src->wire_bytes;
}

pf_batch *pf_batch_clone(const pf_batch *b)
{
    /* Pack/unpack is the simplest correct deep copy of a protobuf-c tree and is fast enough
     * for the rare fan-out to several mutating pipelines. */
    pf_buf buf = {0};
    pf_batch_pack(b, &buf);
    pf_batch *c = pf_batch_decode((const uint8_t *)buf.data, buf.len);
    pf_buf_free(&buf);
    if (!c) abort(); /* our own encoding always decodes */
    copy_meta(c, b);
    for (size_t i = 0; i < b->n_acks; i++) pf_batch_add_ack(c, b->acks[i]);
    return c;
}

pf_batch *pf_batch_make_writable(pf_batch *b)
{
    pf_batch_materialize(b);
    if (b->refs == 1) {
        pf_batch_wire_drop(b);
        b->scope_sources = NULL; /* in the arena; the Profiles are about to change (wire.h) */
        return b;
    }
    pf_batch *c = pf_batch_clone(b);
    pf_batch_unref(b);
    return c;
}

size_t pf_batch_packed_size(const pf_batch *b)
{
    if (!b->req) return b->wire->plain_len; /* lazy (wire.h) */
    return protobuf_c_message_get_packed_size(&b->req->base);
}

size_t pf_batch_pack(const pf_batch *b, pf_buf *out)
{
    if (!b->req) {
        pf_buf_append(out, b->wire->plain, b->wire->plain_len);
        return b->wire->plain_len;
    }
    size_t n = pf_batch_packed_size(b);
    pf_buf_reserve(out, n);
    protobuf_c_message_pack(&b->req->base, (uint8_t *)out->data + out->len);
    out->len += n;
    out->data[out->len] = '\0';
    return n;
}

void pf_batch_set_tenant(pf_batch *b, const char *tenant)
{
    b->meta.tenant = tenant ? pf_arena_strdup(b->arena, tenant) : NULL;
}
void pf_batch_set_client(pf_batch *b, const char *addr)
{
    b->meta.client_addr = addr ? pf_arena_strdup(b->arena, addr) : NULL;
}
void pf_batch_set_receiver(pf_batch *b, const char *id)
{
    b->meta.receiver_id = id ? pf_arena_strdup(b->arena, id) : NULL;
}

void pf_batch_add_header(pf_batch *b, const char *key, const char *value)
{
    pf_batch_meta *m = &b->meta;
    m->headers =
        pf_arena_grow(b->arena, m->headers, m->n_headers * sizeof(pf_meta_kv), (m->n_headers + 1) * sizeof(pf_meta_kv));
    char *k = pf_arena_strdup(b->arena, key);
    for (char *p = k; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    m->headers[m->n_headers].key = k;
    m->headers[m->n_headers].value = pf_arena_strdup(b->arena, value);
    m->n_headers++;
}

const char *pf_batch_meta_get(const pf_batch *b, const char *key)
{
    if (strcasecmp(key, "tenant") == 0 || strcasecmp(key, "x-scope-orgid") == 0) {
        if (b->meta.tenant) return b->meta.tenant;
    }
    for (size_t i = 0; i < b->meta.n_headers; i++)
        if (strcasecmp(b->meta.headers[i].key, key) == 0) return b->meta.headers[i].value;
    return NULL;
}

/* ---- counting ---- */

size_t pf_profile_sample_count(const otlp_profile *p) { return p->n_samples; }

size_t pf_batch_profile_count(const pf_batch *b)
{
    if (!b->req) return b->wire->counts.profiles; /* lazy (wire.h) */
    size_t n = 0;
    for (size_t r = 0; r < b->req->n_resource_profiles; r++) {
        const otlp_resource_profiles *rp = b->req->resource_profiles[r];
        for (size_t s = 0; s < rp->n_scope_profiles; s++) n += rp->scope_profiles[s]->n_profiles;
    }
    return n;
}

size_t pf_batch_sample_count(const pf_batch *b)
{
    if (!b->req) return b->wire->counts.samples; /* lazy (wire.h) */
    size_t n = 0;
    for (size_t r = 0; r < b->req->n_resource_profiles; r++) {
        const otlp_resource_profiles *rp = b->req->resource_profiles[r];
        for (size_t s = 0; s < rp->n_scope_profiles; s++) {
            const otlp_scope_profiles *sp = rp->scope_profiles[s];
            for (size_t p = 0; p < sp->n_profiles; p++) n += pf_profile_sample_count(sp->profiles[p]);
        }
    }
    return n;
}

/* ---- strings and attributes ---- */

const char *pf_batch_string(const pf_batch *b, int32_t idx)
{
    const otlp_dictionary *d = b->req->dictionary;
    if (idx < 0 || (size_t)idx >= d->n_string_table || !d->string_table[idx]) return "";
    return d->string_table[idx];
}

const char *pf_kv_key(const pf_batch *b, const otlp_kv *kv)
{
    if (kv->key && kv->key[0]) return kv->key;
    return pf_batch_string(b, kv->key_strindex);
}

const char *pf_any_value_string(const pf_batch *b, const otlp_any_value *v, char *scratch, size_t scratch_len)
{
    if (!v) return "";
    switch (v->value_case) {
    case OTLP_VALUE_STRING: return v->string_value ? v->string_value : "";
    case OTLP_VALUE_STRINDEX: return pf_batch_string(b, v->string_value_strindex);
    case OTLP_VALUE_BOOL: return v->bool_value ? "true" : "false";
    case OTLP_VALUE_INT: snprintf(scratch, scratch_len, "%" PRId64, v->int_value); return scratch;
    case OTLP_VALUE_DOUBLE: snprintf(scratch, scratch_len, "%.17g", v->double_value); return scratch;
    default: return "";
    }
}

const char *pf_kv_list_get(const pf_batch *b, otlp_kv *const *kvs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(pf_kv_key(b, kvs[i]), key) != 0) continue;
        const otlp_any_value *v = kvs[i]->value;
        if (!v) return "";
        if (v->value_case == OTLP_VALUE_STRING) return v->string_value ? v->string_value : "";
        if (v->value_case == OTLP_VALUE_STRINDEX) return pf_batch_string(b, v->string_value_strindex);
        return NULL;
    }
    return NULL;
}

static otlp_any_value *string_value(pf_batch *b, const char *value)
{
    otlp_any_value *v = pf_arena_alloc(b->arena, sizeof(*v));
    *v = (otlp_any_value)OTLP_ANY_VALUE_INIT;
    v->value_case = OTLP_VALUE_STRING;
    v->string_value = pf_arena_strdup(b->arena, value);
    return v;
}

void pf_resource_set_string(pf_batch *b, otlp_resource *r, const char *key, const char *value)
{
    pf_batch_wire_drop(b);
    for (size_t i = 0; i < r->n_attributes; i++) {
        if (strcmp(pf_kv_key(b, r->attributes[i]), key) == 0) {
            r->attributes[i]->value = string_value(b, value);
            return;
        }
    }
    otlp_kv *kv = pf_arena_alloc(b->arena, sizeof(*kv));
    *kv = (otlp_kv)OTLP_KV_INIT;
    kv->key = pf_arena_strdup(b->arena, key);
    kv->value = string_value(b, value);
    r->attributes = pf_arena_grow(b->arena, r->attributes, r->n_attributes * sizeof(otlp_kv *),
                                  (r->n_attributes + 1) * sizeof(otlp_kv *));
    r->attributes[r->n_attributes++] = kv;
}

/* ---- building ---- */

#define APPEND(arena, arr, n, item)                                                                                    \
    do {                                                                                                               \
        (arr) = pf_arena_grow((arena), (arr), (n) * sizeof(*(arr)), ((n) + 1) * sizeof(*(arr)));                       \
        (arr)[(n)++] = (item);                                                                                         \
    } while (0)

otlp_resource_profiles *pf_batch_add_resource(pf_batch *b)
{
    otlp_resource_profiles *rp = pf_arena_alloc(b->arena, sizeof(*rp));
    *rp = (otlp_resource_profiles)OTLP_RESOURCE_PROFILES_INIT;
    rp->resource = pf_arena_alloc(b->arena, sizeof(*rp->resource));
    *rp->resource = (otlp_resource)OTLP_RESOURCE_INIT;
    APPEND(b->arena, b->req->resource_profiles, b->req->n_resource_profiles, rp);
    return rp;
}

otlp_scope_profiles *pf_batch_add_scope(pf_batch *b, otlp_resource_profiles *rp, const char *name, const char *version)
{
    otlp_scope_profiles *sp = pf_arena_alloc(b->arena, sizeof(*sp));
    *sp = (otlp_scope_profiles)OTLP_SCOPE_PROFILES_INIT;
    sp->scope = pf_arena_alloc(b->arena, sizeof(*sp->scope));
    *sp->scope = (otlp_scope)OTLP_SCOPE_INIT;
    sp->scope->name = pf_arena_strdup(b->arena, name ? name : "");
    sp->scope->version = pf_arena_strdup(b->arena, version ? version : "");
    APPEND(b->arena, rp->scope_profiles, rp->n_scope_profiles, sp);
    return sp;
}

otlp_profile *pf_batch_add_profile(pf_batch *b, otlp_scope_profiles *sp)
{
    otlp_profile *p = pf_arena_alloc(b->arena, sizeof(*p));
    *p = (otlp_profile)OTLP_PROFILE_INIT;
    APPEND(b->arena, sp->profiles, sp->n_profiles, p);
    return p;
}

/* ---- iteration and filtering ---- */

bool pf_batch_foreach_profile(pf_batch *b, bool (*fn)(pf_batch *b, const pf_profile_ref *ref, void *data), void *data)
{
    for (size_t r = 0; r < b->req->n_resource_profiles; r++) {
        otlp_resource_profiles *rp = b->req->resource_profiles[r];
        for (size_t s = 0; s < rp->n_scope_profiles; s++) {
            otlp_scope_profiles *sp = rp->scope_profiles[s];
            for (size_t p = 0; p < sp->n_profiles; p++) {
                pf_profile_ref ref = {rp, sp, sp->profiles[p], r, s, p};
                if (!fn(b, &ref, data)) return false;
            }
        }
    }
    return true;
}

size_t pf_batch_filter_profiles(pf_batch *b, bool (*keep)(pf_batch *b, const pf_profile_ref *ref, void *data),
                                void *data)
{
    size_t removed = 0, nr = 0;
    bool changed = false;
    otlp_request *req = b->req;
    for (size_t r = 0; r < req->n_resource_profiles; r++) {
        otlp_resource_profiles *rp = req->resource_profiles[r];
        size_t ns = 0;
        for (size_t s = 0; s < rp->n_scope_profiles; s++) {
            otlp_scope_profiles *sp = rp->scope_profiles[s];
            size_t np = 0;
            for (size_t p = 0; p < sp->n_profiles; p++) {
                pf_profile_ref ref = {rp, sp, sp->profiles[p], r, s, p};
                if (keep(b, &ref, data))
                    sp->profiles[np++] = sp->profiles[p];
                else if (sp->profiles[p])
                    removed += pf_profile_sample_count(sp->profiles[p]);
            }
            if (np != sp->n_profiles) pf_batch_scope_source_forget(b, sp);
            changed |= np != sp->n_profiles;
            sp->n_profiles = np;
            if (np) rp->scope_profiles[ns++] = sp;
        }
        changed |= ns != rp->n_scope_profiles;
        rp->n_scope_profiles = ns;
        if (ns) req->resource_profiles[nr++] = rp;
    }
    changed |= nr != req->n_resource_profiles;
    req->n_resource_profiles = nr;
    if (changed) pf_batch_wire_drop(b); /* the received bytes no longer match (wire.h) */
    return removed;
}
