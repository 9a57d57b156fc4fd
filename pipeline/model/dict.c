/* dict.c — de-duplicating appends to a batch's ProfilesDictionary (see dict.h).
 *
 * Each table gets an open-addressing hash index keyed by a compact byte encoding of the entry
 * (the string itself for string_table). The index and the grown tables live in the batch arena, so
 * nothing here needs freeing. Existing duplicates in a decoded dictionary are tolerated: the first
 * occurrence is the one returned. */
#include "pipeline/model/dict.h"
#include "pipeline/model/wire.h"

#include <string.h>

#include "pipeline/base/hash.h"
#include "pipeline/base/map.h"

/* The key of one dictionary entry, by its index in the table. */
typedef struct entry_key {
    uint64_t hash;
    const uint8_t *p; /* NULL: not indexed (a duplicate of an earlier entry, or beyond the index) */
    uint32_t len;
} entry_key;

typedef struct table_index {
    pf_map map;      /* key -> index of the entry in the dictionary table */
    entry_key *keys; /* by entry index */
    size_t keys_cap;
    size_t table_cap; /* allocated length of the dictionary array it indexes */
} table_index;

enum { T_STRING, T_FUNCTION, T_MAPPING, T_LOCATION, T_STACK, T_LINK, T_ATTR, T_COUNT };

struct pf_dict_index {
    table_index t[T_COUNT];
};

/* ---- key encoding ---- */

typedef struct keybuf {
    uint8_t *p;
    size_t len, cap;
    uint8_t stack[512];
    pf_arena *arena;
} keybuf;

static void kb_init(keybuf *k, pf_arena *a)
{
    k->p = k->stack;
    k->len = 0;
    k->cap = sizeof(k->stack);
    k->arena = a;
}

static void kb_put(keybuf *k, const void *data, size_t n)
{
    if (k->len + n > k->cap) {
        size_t cap = pf_grow_cap(k->cap, k->len + n, sizeof(k->stack));
        uint8_t *np = pf_arena_alloc(k->arena, cap);
        memcpy(np, k->p, k->len);
        k->p = np;
        k->cap = cap;
    }
    memcpy(k->p + k->len, data, n);
    k->len += n;
}

#define KB_INT(k, v)                                                                                                   \
    do {                                                                                                               \
        __typeof__(v) tmp_ = (v);                                                                                      \
        kb_put((k), &tmp_, sizeof tmp_);                                                                               \
    } while (0)

/* ---- hash index ---- */

static bool same_key(const void *ctx, uint32_t entry, const void *key)
{
    const entry_key *have = &((const table_index *)ctx)->keys[entry], *want = key;
    return have->hash == want->hash && have->len == want->len && memcmp(have->p, want->p, want->len) == 0;
}

static uint64_t key_hash(const void *ctx, uint32_t entry) { return ((const table_index *)ctx)->keys[entry].hash; }

static int32_t index_find(const table_index *t, uint64_t h, const uint8_t *key, size_t len)
{
    entry_key want = {h, key, (uint32_t)len};
    uint32_t found = pf_map_find(&t->map, h, &want, same_key, t);
    return found == PF_MAP_NONE ? -1 : (int32_t)found;
}

/* Records key → idx unless the key is present. `key` must stay valid (arena or table memory). */
static void index_add(pf_arena *a, table_index *t, const uint8_t *key, size_t len, int32_t idx)
{
    uint64_t h = pf_hash_bytes(key, len);
    if (index_find(t, h, key, len) >= 0) return;
    PF_ARENA_GROW(a, t->keys, t->keys_cap, (size_t)idx + 1, 64);
    t->keys[idx] = (entry_key){h, key, (uint32_t)len};
    if (!t->map.slots) pf_map_init(&t->map, a);
    pf_map_add(&t->map, h, (uint32_t)idx, 64, key_hash, t);
}

/* ---- per-table key encoders ---- */

static void key_function(keybuf *k, const otlp_function *f)
{
    KB_INT(k, f->name_strindex);
    KB_INT(k, f->system_name_strindex);
    KB_INT(k, f->filename_strindex);
    KB_INT(k, f->start_line);
}

static void key_ints(keybuf *k, const int32_t *v, size_t n)
{
    KB_INT(k, (uint64_t)n);
    if (n) kb_put(k, v, n * sizeof(int32_t));
}

static void key_mapping(keybuf *k, const otlp_mapping *m)
{
    KB_INT(k, m->memory_start);
    KB_INT(k, m->memory_limit);
    KB_INT(k, m->file_offset);
    KB_INT(k, m->filename_strindex);
    key_ints(k, m->attribute_indices, m->n_attribute_indices);
}

static void key_location(keybuf *k, const otlp_location *l)
{
    KB_INT(k, l->mapping_index);
    KB_INT(k, l->address);
    KB_INT(k, (uint64_t)l->n_lines);
    for (size_t i = 0; i < l->n_lines; i++) {
        KB_INT(k, l->lines[i]->function_index);
        KB_INT(k, l->lines[i]->line);
        KB_INT(k, l->lines[i]->column);
    }
    key_ints(k, l->attribute_indices, l->n_attribute_indices);
}

static void key_link(keybuf *k, const otlp_link *l)
{
    KB_INT(k, (uint64_t)l->trace_id.len);
    if (l->trace_id.len) kb_put(k, l->trace_id.data, l->trace_id.len);
    if (l->span_id.len) kb_put(k, l->span_id.data, l->span_id.len);
}

static void key_attr(keybuf *k, const otlp_kvu *a)
{
    KB_INT(k, a->key_strindex);
    KB_INT(k, a->unit_strindex);
    if (a->value) {
        size_t n = protobuf_c_message_get_packed_size(&a->value->base);
        uint8_t small[256];
        uint8_t *p = n <= sizeof small ? small : pf_arena_alloc(k->arena, n);
        protobuf_c_message_pack(&a->value->base, p);
        kb_put(k, p, n);
    }
}

/* Copies a lookup key into the arena (it may be on the stack) so the index can keep it. */
static const uint8_t *persist_key(pf_arena *a, keybuf *k)
{
    return k->p == k->stack ? pf_arena_memdup(a, k->p, k->len) : k->p;
}

/* ---- building the index from existing tables ---- */

static pf_dict_index *ensure_index(pf_batch *b)
{
    if (b->dict_index) return b->dict_index;
    pf_arena *a = b->arena;
    otlp_dictionary *d = b->req->dictionary;
    pf_dict_index *x = pf_arena_alloc(a, sizeof(*x));
    b->dict_index = x;
    x->t[T_STRING].table_cap = d->n_string_table;
    for (size_t i = 0; i < d->n_string_table; i++) {
        if (!d->string_table[i]) d->string_table[i] = "";
        index_add(a, &x->t[T_STRING], (const uint8_t *)d->string_table[i], strlen(d->string_table[i]), (int32_t)i);
    }
#define INDEX_TABLE(T, field, encode)                                                                                  \
    x->t[T].table_cap = d->n_##field;                                                                                  \
    for (size_t i = 0; i < d->n_##field; i++) {                                                                        \
        keybuf k;                                                                                                      \
        kb_init(&k, a);                                                                                                \
        encode(&k, d->field[i]);                                                                                       \
        index_add(a, &x->t[T], persist_key(a, &k), k.len, (int32_t)i);                                                 \
    }
    INDEX_TABLE(T_FUNCTION, function_table, key_function)
    INDEX_TABLE(T_MAPPING, mapping_table, key_mapping)
    INDEX_TABLE(T_LOCATION, location_table, key_location)
    INDEX_TABLE(T_LINK, link_table, key_link)
    INDEX_TABLE(T_ATTR, attribute_table, key_attr)
#undef INDEX_TABLE
    x->t[T_STACK].table_cap = d->n_stack_table;
    for (size_t i = 0; i < d->n_stack_table; i++) {
        keybuf k;
        kb_init(&k, a);
        key_ints(&k, d->stack_table[i]->location_indices, d->stack_table[i]->n_location_indices);
        index_add(a, &x->t[T_STACK], persist_key(a, &k), k.len, (int32_t)i);
    }
    return x;
}

/* Appends `item` to a dictionary array, doubling its capacity in the arena when full. */
static int32_t table_append(pf_arena *a, table_index *t, void ***arr, size_t *n, void *item)
{
    if (*n >= t->table_cap) {
        size_t cap = pf_grow_cap(t->table_cap, *n + 1, 16);
        *arr = pf_arena_grow(a, *arr, *n * sizeof(void *), cap * sizeof(void *));
        t->table_cap = cap;
    }
    (*arr)[*n] = item;
    return (int32_t)(*n)++;
}

/* Looks `k` up in table T; when absent, calls make() to build the entry, appends it and indexes it. */
#define INTERN(b, T, field, k, make_expr)                                                                              \
    do {                                                                                                               \
        pf_dict_index *x_ = ensure_index(b);                                                                           \
        table_index *t_ = &x_->t[T];                                                                                   \
        uint64_t h_ = pf_hash_bytes((k)->p, (k)->len);                                                                 \
        int32_t found_ = index_find(t_, h_, (k)->p, (k)->len);                                                         \
        if (found_ >= 0) return found_;                                                                                \
        otlp_dictionary *d_ = (b)->req->dictionary;                                                                    \
        pf_batch_wire_drop(b); /* an entry is added: the received bytes no longer match */                             \
        int32_t idx_ = table_append((b)->arena, t_, (void ***)&d_->field, &d_->n_##field, (make_expr));                \
        index_add((b)->arena, t_, persist_key((b)->arena, (k)), (k)->len, idx_);                                       \
        return idx_;                                                                                                   \
    } while (0)

int32_t pf_dict_string_n(pf_batch *b, const char *s, size_t len)
{
    pf_dict_index *x = ensure_index(b);
    table_index *t = &x->t[T_STRING];
    uint64_t h = pf_hash_bytes((const uint8_t *)s, len);
    int32_t found = index_find(t, h, (const uint8_t *)s, len);
    if (found >= 0) return found;
    otlp_dictionary *d = b->req->dictionary;
    pf_batch_wire_drop(b); /* a string is added: the received bytes no longer match (wire.h) */
    char *copy = pf_arena_strndup(b->arena, s, len);
    int32_t idx = table_append(b->arena, t, (void ***)&d->string_table, &d->n_string_table, copy);
    index_add(b->arena, t, (const uint8_t *)copy, len, idx);
    return idx;
}

int32_t pf_dict_string(pf_batch *b, const char *s) { return pf_dict_string_n(b, s ? s : "", s ? strlen(s) : 0); }

static int32_t *copy_ints(pf_arena *a, const int32_t *v, size_t n)
{
    return n ? pf_arena_memdup(a, v, n * sizeof(int32_t)) : NULL;
}

static otlp_function *new_function(pf_arena *a, const otlp_function *src)
{
    otlp_function *f = pf_arena_alloc(a, sizeof(*f));
    *f = (otlp_function)OTLP_FUNCTION_INIT;
    f->name_strindex = src->name_strindex;
    f->system_name_strindex = src->system_name_strindex;
    f->filename_strindex = src->filename_strindex;
    f->start_line = src->start_line;
    return f;
}

int32_t pf_dict_function(pf_batch *b, int32_t name, int32_t system_name, int32_t filename, int64_t start_line)
{
    otlp_function f = OTLP_FUNCTION_INIT;
    f.name_strindex = name;
    f.system_name_strindex = system_name;
    f.filename_strindex = filename;
    f.start_line = start_line;
    keybuf k;
    kb_init(&k, b->arena);
    key_function(&k, &f);
    INTERN(b, T_FUNCTION, function_table, &k, new_function(b->arena, &f));
}

static otlp_mapping *new_mapping(pf_arena *a, const otlp_mapping *src)
{
    otlp_mapping *m = pf_arena_alloc(a, sizeof(*m));
    *m = *src;
    m->attribute_indices = copy_ints(a, src->attribute_indices, src->n_attribute_indices);
    return m;
}

int32_t pf_dict_mapping(pf_batch *b, uint64_t memory_start, uint64_t memory_limit, uint64_t file_offset,
                        int32_t filename_strindex, const int32_t *attribute_indices, size_t n_attributes)
{
    otlp_mapping m = OTLP_MAPPING_INIT;
    m.memory_start = memory_start;
    m.memory_limit = memory_limit;
    m.file_offset = file_offset;
    m.filename_strindex = filename_strindex;
    m.attribute_indices = (int32_t *)attribute_indices;
    m.n_attribute_indices = n_attributes;
    keybuf k;
    kb_init(&k, b->arena);
    key_mapping(&k, &m);
    INTERN(b, T_MAPPING, mapping_table, &k, new_mapping(b->arena, &m));
}

static otlp_location *new_location(pf_arena *a, const otlp_location *src)
{
    otlp_location *l = pf_arena_alloc(a, sizeof(*l));
    *l = *src;
    l->attribute_indices = copy_ints(a, src->attribute_indices, src->n_attribute_indices);
    l->lines = src->n_lines ? pf_arena_alloc(a, src->n_lines * sizeof(otlp_line *)) : NULL;
    for (size_t i = 0; i < src->n_lines; i++) {
        l->lines[i] = pf_arena_alloc(a, sizeof(otlp_line));
        *l->lines[i] = *src->lines[i];
    }
    return l;
}

int32_t pf_dict_location(pf_batch *b, int32_t mapping_index, uint64_t address, const otlp_line *lines, size_t n_lines,
                         const int32_t *attribute_indices, size_t n_attributes)
{
    otlp_line *ptrs_stack[64];
    otlp_line **ptrs = n_lines <= 64 ? ptrs_stack : pf_arena_alloc(b->arena, n_lines * sizeof(otlp_line *));
    for (size_t i = 0; i < n_lines; i++) ptrs[i] = (otlp_line *)&lines[i];
    otlp_location l = OTLP_LOCATION_INIT;
    l.mapping_index = mapping_index;
    l.address = address;
    l.lines = ptrs;
    l.n_lines = n_lines;
    l.attribute_indices = (int32_t *)attribute_indices;
    l.n_attribute_indices = n_attributes;
    keybuf k;
    kb_init(&k, b->arena);
    key_location(&k, &l);
    INTERN(b, T_LOCATION, location_table, &k, new_location(b->arena, &l));
}

static otlp_stack *new_stack(pf_arena *a, const int32_t *locs, size_t n)
{
    otlp_stack *s = pf_arena_alloc(a, sizeof(*s));
    *s = (otlp_stack)OTLP_STACK_INIT;
    s->location_indices = copy_ints(a, locs, n);
    s->n_location_indices = n;
    return s;
}

int32_t pf_dict_stack(pf_batch *b, const int32_t *location_indices, size_t n)
{
    keybuf k;
    kb_init(&k, b->arena);
    key_ints(&k, location_indices, n);
    INTERN(b, T_STACK, stack_table, &k, new_stack(b->arena, location_indices, n));
}

static otlp_link *new_link(pf_arena *a, const uint8_t trace_id[16], const uint8_t span_id[8])
{
    otlp_link *l = pf_arena_alloc(a, sizeof(*l));
    *l = (otlp_link)OTLP_LINK_INIT;
    l->trace_id.len = 16;
    l->trace_id.data = pf_arena_memdup(a, trace_id, 16);
    l->span_id.len = 8;
    l->span_id.data = pf_arena_memdup(a, span_id, 8);
    return l;
}

int32_t pf_dict_link(pf_batch *b, const uint8_t trace_id[16], const uint8_t span_id[8])
{
    otlp_link l = OTLP_LINK_INIT;
    l.trace_id.len = 16;
    l.trace_id.data = (uint8_t *)trace_id;
    l.span_id.len = 8;
    l.span_id.data = (uint8_t *)span_id;
    keybuf k;
    kb_init(&k, b->arena);
    key_link(&k, &l);
    INTERN(b, T_LINK, link_table, &k, new_link(b->arena, trace_id, span_id));
}

/* Deep copy of an AnyValue into the arena (pack + unpack keeps nested arrays/kvlists right). */
static otlp_any_value *copy_value(pf_arena *a, const otlp_any_value *v)
{
    size_t n = protobuf_c_message_get_packed_size(&v->base);
    uint8_t *buf = pf_arena_alloc(a, n);
    protobuf_c_message_pack(&v->base, buf);
    ProtobufCAllocator al = pf_arena_allocator(a);
    return (otlp_any_value *)protobuf_c_message_unpack(&opentelemetry__proto__common__v1__any_value__descriptor, &al, n,
                                                       buf);
}

static otlp_kvu *new_attr(pf_arena *a, const otlp_kvu *src)
{
    otlp_kvu *kv = pf_arena_alloc(a, sizeof(*kv));
    *kv = (otlp_kvu)OTLP_KVU_INIT;
    kv->key_strindex = src->key_strindex;
    kv->unit_strindex = src->unit_strindex;
    kv->value = src->value ? copy_value(a, src->value) : NULL;
    return kv;
}

int32_t pf_dict_attr(pf_batch *b, const char *key, const otlp_any_value *value, int32_t unit_strindex)
{
    otlp_kvu kv = OTLP_KVU_INIT;
    kv.key_strindex = pf_dict_string(b, key);
    kv.unit_strindex = unit_strindex;
    kv.value = (otlp_any_value *)value;
    keybuf k;
    kb_init(&k, b->arena);
    key_attr(&k, &kv);
    INTERN(b, T_ATTR, attribute_table, &k, new_attr(b->arena, &kv));
}

int32_t pf_dict_attr_string(pf_batch *b, const char *key, const char *value, int32_t unit_strindex)
{
    otlp_any_value v = OTLP_ANY_VALUE_INIT;
    v.value_case = OTLP_VALUE_STRING;
    v.string_value = (char *)(value ? value : "");
    return pf_dict_attr(b, key, &v, unit_strindex);
}

int32_t pf_dict_attr_int(pf_batch *b, const char *key, int64_t value, int32_t unit_strindex)
{
    otlp_any_value v = OTLP_ANY_VALUE_INIT;
    v.value_case = OTLP_VALUE_INT;
    v.int_value = value;
    return pf_dict_attr(b, key, &v, unit_strindex);
}

int32_t pf_dict_attr_bool(pf_batch *b, const char *key, bool value)
{
    otlp_any_value v = OTLP_ANY_VALUE_INIT;
    v.value_case = OTLP_VALUE_BOOL;
    v.bool_value = value;
    return pf_dict_attr(b, key, &v, 0);
}

int32_t pf_dict_attr_double(pf_batch *b, const char *key, double value, int32_t unit_strindex)
{
    otlp_any_value v = OTLP_ANY_VALUE_INIT;
    v.value_case = OTLP_VALUE_DOUBLE;
    v.double_value = value;
    return pf_dict_attr(b, key, &v, unit_strindex);
}
