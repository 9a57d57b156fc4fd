/* reader.c — JFR chunks, constant pools and profiling events; see reader.h. */
#include "receivers/pyroscope/jfr/reader.h"

#include <stdio.h>
#include <string.h>

#include "receivers/pyroscope/jfr/jfr_internal.h"

#define CHUNK_HEADER_SIZE 68
#define EVENT_METADATA    0
#define EVENT_CHECKPOINT  1
#define MAX_VALUE_DEPTH   32

/* Event types the reader reports, with the field names it needs from each. */
typedef struct event_type {
    const char *name;
    pf_jfr_event_kind kind;
} event_type;

static const event_type EVENT_TYPES[] = {
    {"jdk.ExecutionSample", PF_JFR_EXECUTION_SAMPLE},
    {"profiler.WallClockSample", PF_JFR_WALL_CLOCK_SAMPLE},
    {"jdk.ObjectAllocationInNewTLAB", PF_JFR_ALLOC_IN_NEW_TLAB},
    {"jdk.ObjectAllocationOutsideTLAB", PF_JFR_ALLOC_OUTSIDE_TLAB},
    {"jdk.ObjectAllocationSample", PF_JFR_ALLOC_SAMPLE},
    {"jdk.JavaMonitorEnter", PF_JFR_MONITOR_ENTER},
    {"jdk.ThreadPark", PF_JFR_THREAD_PARK},
    {"profiler.LiveObject", PF_JFR_LIVE_OBJECT},
    {"jdk.ActiveSetting", PF_JFR_ACTIVE_SETTING},
};
#define N_EVENT_TYPES (sizeof(EVENT_TYPES) / sizeof(EVENT_TYPES[0]))

/* Field positions of one reported event class (-1 = absent). */
typedef struct event_fields {
    jfr_class *cls;
    int stack, thread, state, object_class, weight, tlab_size, allocation_size, duration, samples, context_id, name,
        value;
} event_fields;

typedef struct chunk {
    pf_arena *a;
    jfr_rd r;
    /* Values left to decode in this chunk. Zero-field classes take no bytes, so crafted metadata
     * could otherwise nest them into an exponential amount of work. */
    size_t value_budget;
    int64_t ticks_per_second;
    jfr_metadata md;
    jfr_class *string_class, *stack_class, *frame_class;
    int frames_field, frame_method_field, frame_line_field, truncated_field;
    event_fields events[N_EVENT_TYPES];
} chunk;

static int64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return (int64_t)v;
}

/* ---- values ---- */

static void read_class_value(chunk *c, const jfr_class *cls, jfr_val *v, int depth);

static void read_single(chunk *c, const jfr_field *f, jfr_val *v, int depth)
{
    if (f->cpool) {
        int64_t id = jfr_rd_long(&c->r);
        if (v) v->i = id;
        return;
    }
    read_class_value(c, f->type, v, depth);
}

static void read_field(chunk *c, const jfr_field *f, jfr_val *v, int depth)
{
    if (!f->array) {
        read_single(c, f, v, depth);
        return;
    }
    size_t n = jfr_rd_count(&c->r, 1);
    for (size_t i = 0; i < n && c->r.ok; i++) read_single(c, f, NULL, depth);
}

static void read_class_value(chunk *c, const jfr_class *cls, jfr_val *v, int depth)
{
    jfr_rd *r = &c->r;
    jfr_val tmp;
    if (!v) v = &tmp;
    if (c->value_budget == 0) {
        jfr_rd_fail(r, "too many values for the chunk size");
        return;
    }
    c->value_budget--;
    switch (cls->prim) {
    case JFR_BOOLEAN:
    case JFR_BYTE: v->i = (int8_t)jfr_rd_u8(r); return;
    case JFR_CHAR:
    case JFR_SHORT: v->i = jfr_rd_short(r); return;
    case JFR_INT: v->i = jfr_rd_int(r); return;
    case JFR_LONG: v->i = jfr_rd_long(r); return;
    case JFR_FLOAT: v->d = jfr_rd_float(r); return;
    case JFR_DOUBLE: v->d = jfr_rd_double(r); return;
    case JFR_STRING: {
        int64_t cp_id;
        v->s = jfr_rd_string(r, v == &tmp ? NULL : c->a, &cp_id);
        if (cp_id >= 0 && c->string_class) {
            uint64_t *e = pf_keymap_get_u64(&c->string_class->pool, (uint64_t)cp_id);
            v->s = e ? ((jfr_pool_entry *)(uintptr_t)*e)->vals[0].s : NULL;
        }
        return;
    }
    case JFR_STRUCT:
        if (depth > MAX_VALUE_DEPTH) {
            jfr_rd_fail(r, "values nested too deeply");
            return;
        }
        for (size_t i = 0; i < cls->n_fields && r->ok; i++) read_field(c, &cls->fields[i], NULL, depth + 1);
        return;
    }
}

/* Decodes a top-level object into cls->scratch (zeroed first) — for structs, one value per field;
 * for primitive classes (a String pool), the value itself in scratch[0]. */
static jfr_val *read_object(chunk *c, jfr_class *cls)
{
    memset(cls->scratch, 0, (cls->n_fields + 1) * sizeof(*cls->scratch));
    if (cls->prim != JFR_STRUCT) {
        read_class_value(c, cls, &cls->scratch[0], 1);
        return cls->scratch;
    }
    for (size_t i = 0; i < cls->n_fields && c->r.ok; i++) read_field(c, &cls->fields[i], &cls->scratch[i], 1);
    return cls->scratch;
}

/* StackTrace constants: like read_object, but keeps every frame's method id and line. */
static void read_stack_trace(chunk *c, jfr_pool_entry *e)
{
    jfr_class *cls = c->stack_class;
    memset(cls->scratch, 0, (cls->n_fields + 1) * sizeof(*cls->scratch));
    for (size_t i = 0; i < cls->n_fields && c->r.ok; i++) {
        const jfr_field *f = &cls->fields[i];
        if ((int)i != c->frames_field || !f->array || f->cpool || f->type != c->frame_class) {
            read_field(c, f, &cls->scratch[i], 1);
            continue;
        }
        size_t n = jfr_rd_count(&c->r, 1);
        e->frames = pf_arena_alloc(c->a, (n + 1) * sizeof(*e->frames));
        for (size_t k = 0; k < n && c->r.ok; k++) {
            jfr_val *fv = read_object(c, c->frame_class);
            e->frames[k].method_id = c->frame_method_field >= 0 ? fv[c->frame_method_field].i : -1;
            e->frames[k].line = c->frame_line_field >= 0 ? fv[c->frame_line_field].i : 0;
        }
        e->n_frames = n;
    }
    e->truncated = c->truncated_field >= 0 && cls->scratch[c->truncated_field].i != 0;
    e->vals = pf_arena_memdup(c->a, cls->scratch, (cls->n_fields + 1) * sizeof(*cls->scratch));
}

/* ---- constant pools ---- */

static bool read_checkpoint(chunk *c, char *err, size_t errlen)
{
    jfr_rd *r = &c->r;
    jfr_rd_long(r); /* start time */
    jfr_rd_long(r); /* duration */
    jfr_rd_long(r); /* delta to the previous checkpoint: every checkpoint is visited by the scan anyway */
    jfr_rd_u8(r);   /* checkpoint kind (flush, header, statics, threads) */
    size_t n_pools = jfr_rd_count(r, 2);
    for (size_t p = 0; p < n_pools && r->ok; p++) {
        int64_t class_id = jfr_rd_long(r);
        jfr_class *cls = jfr_class_by_id(&c->md, class_id);
        if (!cls) {
            snprintf(err, errlen, "constant pool of unknown class id %lld at chunk offset %zu", (long long)class_id,
                     jfr_rd_offset(r));
            return false;
        }
        size_t n = jfr_rd_count(r, 1);
        for (size_t k = 0; k < n && r->ok; k++) {
            int64_t id = jfr_rd_long(r);
            jfr_pool_entry *e = pf_arena_alloc(c->a, sizeof(*e));
            if (cls == c->stack_class) {
                read_stack_trace(c, e);
            } else {
                jfr_val *vals = read_object(c, cls);
                e->vals = pf_arena_memdup(c->a, vals, (cls->n_fields + 1) * sizeof(*vals));
            }
            *pf_keymap_put_u64(&cls->pool, (uint64_t)id, 0, NULL) = (uint64_t)(uintptr_t)e;
        }
    }
    return true;
}

static jfr_pool_entry *pool_get(const jfr_class *cls, int64_t id)
{
    if (!cls) return NULL;
    uint64_t *e = pf_keymap_get_u64(&cls->pool, (uint64_t)id);
    return e ? (jfr_pool_entry *)(uintptr_t)*e : NULL;
}

/* The text a field value stands for: an inline string, or a constant of a String/Symbol-like
 * class (a struct whose first string-valued field holds the text), followed recursively. */
static const char *text_of(const chunk *c, const jfr_field *f, const jfr_val *v, int depth)
{
    if (!f || depth > 4) return NULL;
    if (!f->cpool) return f->type->prim == JFR_STRING ? v->s : NULL;
    jfr_pool_entry *e = pool_get(f->type, v->i);
    if (!e) return NULL;
    if (f->type->prim == JFR_STRING) return e->vals[0].s;
    if (e->text_cache) return e->text_cache;
    for (size_t i = 0; i < f->type->n_fields; i++) {
        const jfr_field *inner = &f->type->fields[i];
        if (strcmp(inner->name, "string") == 0 || strcmp(inner->name, "name") == 0) {
            e->text_cache = text_of(c, inner, &e->vals[i], depth + 1);
            return e->text_cache;
        }
    }
    return NULL;
}

static const char *named_text(const chunk *c, const jfr_class *cls, const jfr_val *vals, const char *field)
{
    int i = jfr_field_index(cls, field);
    return i >= 0 ? text_of(c, &cls->fields[i], &vals[i], 0) : NULL;
}

/* "package/Class.method" for a Method constant; cached on the entry. */
static const char *function_name(chunk *c, const jfr_class *method_cls, int64_t method_id)
{
    jfr_pool_entry *m = pool_get(method_cls, method_id);
    if (!m) return NULL;
    if (m->text_cache) return m->text_cache;
    int type_i = jfr_field_index(method_cls, "type");
    if (type_i < 0 || !method_cls->fields[type_i].cpool) return NULL;
    const jfr_class *class_cls = method_cls->fields[type_i].type;
    jfr_pool_entry *k = pool_get(class_cls, m->vals[type_i].i);
    const char *class_name = k ? named_text(c, class_cls, k->vals, "name") : NULL;
    const char *method_name = named_text(c, method_cls, m->vals, "name");
    if (!class_name || !method_name) return NULL;
    size_t cl = strlen(class_name), ml = strlen(method_name);
    char *s = pf_arena_alloc(c->a, cl + ml + 2);
    memcpy(s, class_name, cl);
    s[cl] = '.';
    memcpy(s + cl + 1, method_name, ml + 1);
    m->text_cache = s;
    return s;
}

/* Frames whose method or class cannot be resolved are left out, as Pyroscope does. */
static const pf_jfr_stack *stack_of(chunk *c, int64_t id)
{
    jfr_pool_entry *e = pool_get(c->stack_class, id);
    if (!e) return NULL;
    if (e->stack_cache) return e->stack_cache;
    int method_i = c->frame_class ? jfr_field_index(c->frame_class, "method") : -1;
    const jfr_class *method_cls = method_i >= 0 ? c->frame_class->fields[method_i].type : NULL;
    pf_jfr_frame *frames = pf_arena_alloc(c->a, (e->n_frames + 1) * sizeof(*frames));
    size_t n = 0;
    for (size_t i = 0; i < e->n_frames; i++) {
        const char *fn = method_cls ? function_name(c, method_cls, e->frames[i].method_id) : NULL;
        if (fn) frames[n++] = (pf_jfr_frame){fn, e->frames[i].line};
    }
    pf_jfr_stack *st = pf_arena_alloc(c->a, sizeof(*st));
    st->frames = frames;
    st->n_frames = n;
    st->truncated = e->truncated;
    e->stack_cache = st;
    return st;
}

/* ---- events ---- */

static const char *thread_name(const chunk *c, const jfr_class *cls, const jfr_val *vals, int field)
{
    if (field < 0 || !cls->fields[field].cpool) return NULL;
    const jfr_class *thread_cls = cls->fields[field].type;
    jfr_pool_entry *t = pool_get(thread_cls, vals[field].i);
    if (!t) return NULL;
    const char *name = named_text(c, thread_cls, t->vals, "javaName");
    return name && *name ? name : named_text(c, thread_cls, t->vals, "osName");
}

static int64_t ticks_to_ns(const chunk *c, int64_t ticks)
{
    if (c->ticks_per_second == 1000000000 || c->ticks_per_second <= 0) return ticks;
    return (int64_t)((__int128)ticks * 1000000000 / c->ticks_per_second);
}

static int64_t int_field(const jfr_val *vals, int field, int64_t dflt) { return field >= 0 ? vals[field].i : dflt; }

static const char *text_field(const chunk *c, const jfr_class *cls, const jfr_val *vals, int field)
{
    return field >= 0 ? text_of(c, &cls->fields[field], &vals[field], 0) : NULL;
}

static void build_event(chunk *c, const event_fields *ef, pf_jfr_event_kind kind, pf_jfr_event *ev)
{
    jfr_class *cls = ef->cls;
    jfr_val *vals = read_object(c, cls);
    memset(ev, 0, sizeof(*ev));
    ev->kind = kind;
    if (!c->r.ok) return;
    if (ef->stack >= 0 && cls->fields[ef->stack].cpool) ev->stack = stack_of(c, vals[ef->stack].i);
    ev->thread = thread_name(c, cls, vals, ef->thread);
    ev->thread_state = text_field(c, cls, vals, ef->state);
    if (ef->object_class >= 0 && cls->fields[ef->object_class].cpool) {
        const jfr_class *class_cls = cls->fields[ef->object_class].type;
        jfr_pool_entry *k = pool_get(class_cls, vals[ef->object_class].i);
        ev->object_class = k ? named_text(c, class_cls, k->vals, "name") : NULL;
    }
    ev->size = kind == PF_JFR_ALLOC_SAMPLE        ? int_field(vals, ef->weight, 0)
               : kind == PF_JFR_ALLOC_IN_NEW_TLAB ? int_field(vals, ef->tlab_size, 0)
                                                  : int_field(vals, ef->allocation_size, 0);
    ev->duration_ns = ticks_to_ns(c, int_field(vals, ef->duration, 0));
    ev->samples = int_field(vals, ef->samples, 1);
    ev->context_id = (uint64_t)int_field(vals, ef->context_id, 0);
    ev->setting_name = text_field(c, cls, vals, ef->name);
    ev->setting_value = text_field(c, cls, vals, ef->value);
}

static void index_classes(chunk *c)
{
    c->string_class = jfr_class_by_name(&c->md, "java.lang.String");
    c->stack_class = jfr_class_by_name(&c->md, "jdk.types.StackTrace");
    c->frame_class = jfr_class_by_name(&c->md, "jdk.types.StackFrame");
    c->frames_field = jfr_field_index(c->stack_class, "frames");
    c->truncated_field = jfr_field_index(c->stack_class, "truncated");
    c->frame_method_field = jfr_field_index(c->frame_class, "method");
    c->frame_line_field = jfr_field_index(c->frame_class, "lineNumber");
    for (size_t i = 0; i < N_EVENT_TYPES; i++) {
        event_fields *ef = &c->events[i];
        jfr_class *cls = jfr_class_by_name(&c->md, EVENT_TYPES[i].name);
        ef->cls = cls;
        ef->stack = jfr_field_index(cls, "stackTrace");
        ef->thread = jfr_field_index(cls, "sampledThread");
        if (ef->thread < 0) ef->thread = jfr_field_index(cls, "eventThread");
        ef->state = jfr_field_index(cls, "state");
        ef->object_class = jfr_field_index(cls, "objectClass");
        if (ef->object_class < 0) ef->object_class = jfr_field_index(cls, "monitorClass");
        ef->weight = jfr_field_index(cls, "weight");
        ef->tlab_size = jfr_field_index(cls, "tlabSize");
        ef->allocation_size = jfr_field_index(cls, "allocationSize");
        ef->duration = jfr_field_index(cls, "duration");
        ef->samples = jfr_field_index(cls, "samples");
        ef->context_id = jfr_field_index(cls, "contextId");
        ef->name = jfr_field_index(cls, "name");
        ef->value = jfr_field_index(cls, "value");
    }
}

typedef enum pass { PASS_CONSTANTS, PASS_EVENTS } pass;

/* Walks every event of the chunk. Returns false on malformed input (err set) or when the callback
 * asked to stop (*stopped set). */
static bool scan_events(chunk *c, size_t chunk_size, pass which, pf_jfr_event_cb cb, void *data, bool *stopped,
                        char *err, size_t errlen)
{
    size_t pos = CHUNK_HEADER_SIZE;
    while (pos < chunk_size) {
        jfr_rd_init(&c->r, c->r.start, chunk_size, c->r.compressed);
        c->r.p = c->r.start + pos;
        int32_t size = jfr_rd_int(&c->r);
        int64_t type = jfr_rd_long(&c->r);
        if (!c->r.ok || size <= 0 || (size_t)size > chunk_size - pos) {
            snprintf(err, errlen, "event at chunk offset %zu has an invalid size %d", pos, (int)size);
            return false;
        }
        /* Fields are read within the event's own bytes only. */
        c->r.end = c->r.start + pos + (size_t)size;
        if (which == PASS_CONSTANTS && type == EVENT_CHECKPOINT) {
            if (!read_checkpoint(c, err, errlen)) return false;
        } else if (which == PASS_EVENTS && type > EVENT_CHECKPOINT) {
            for (size_t i = 0; i < N_EVENT_TYPES; i++) {
                if (!c->events[i].cls || c->events[i].cls->id != type) continue;
                pf_jfr_event ev;
                build_event(c, &c->events[i], EVENT_TYPES[i].kind, &ev);
                if (c->r.ok && !cb(&ev, data)) {
                    *stopped = true;
                    return false;
                }
                break;
            }
        }
        if (!c->r.ok) {
            snprintf(err, errlen, "event type %lld at chunk offset %zu: %s", (long long)type, pos, c->r.why);
            return false;
        }
        pos += (size_t)size;
    }
    return true;
}

static bool read_chunk(const uint8_t *p, size_t avail, size_t *chunk_size_out, pf_arena *a, pf_jfr_event_cb cb,
                       void *data, bool *stopped, char *err, size_t errlen)
{
    if (avail < CHUNK_HEADER_SIZE || memcmp(p, "FLR\0", 4) != 0) {
        snprintf(err, errlen, avail < CHUNK_HEADER_SIZE ? "truncated chunk header" : "missing FLR magic");
        return false;
    }
    unsigned major = (unsigned)(p[4] << 8 | p[5]);
    if (major != 1 && major != 2) {
        snprintf(err, errlen, "unsupported JFR format version %u", major);
        return false;
    }
    int64_t chunk_size = be64(p + 8), cp_offset = be64(p + 16), meta_offset = be64(p + 24);
    if (chunk_size < CHUNK_HEADER_SIZE || (uint64_t)chunk_size > avail) {
        snprintf(err, errlen, "chunk size %lld does not fit the %zu bytes left (truncated recording?)",
                 (long long)chunk_size, avail);
        return false;
    }
    if (meta_offset < CHUNK_HEADER_SIZE || meta_offset >= chunk_size || cp_offset < 0 || cp_offset >= chunk_size) {
        snprintf(err, errlen, "chunk metadata/constant pool offset outside the chunk");
        return false;
    }
    chunk c = {.a = a};
    c.value_budget = (size_t)chunk_size * 8 + 100000;
    c.ticks_per_second = be64(p + 56);
    uint32_t features = (uint32_t)p[64] << 24 | (uint32_t)p[65] << 16 | (uint32_t)p[66] << 8 | p[67];
    jfr_rd_init(&c.r, p, (size_t)chunk_size, (features & 1) != 0);
    c.r.p = p + meta_offset;
    int32_t meta_size = jfr_rd_int(&c.r);
    int64_t meta_type = jfr_rd_long(&c.r);
    if (!c.r.ok || meta_type != EVENT_METADATA || meta_size <= 0 || meta_size > chunk_size - meta_offset) {
        snprintf(err, errlen, "no metadata event at chunk offset %lld", (long long)meta_offset);
        return false;
    }
    c.r.end = p + meta_offset + meta_size;
    if (!jfr_parse_metadata(&c.r, a, &c.md, err, errlen)) return false;
    index_classes(&c);
    *chunk_size_out = (size_t)chunk_size;
    return scan_events(&c, (size_t)chunk_size, PASS_CONSTANTS, cb, data, stopped, err, errlen) &&
           scan_events(&c, (size_t)chunk_size, PASS_EVENTS, cb, data, stopped, err, errlen);
}

bool pf_jfr_read(const uint8_t *buf, size_t len, pf_arena *a, pf_jfr_event_cb cb, void *data, char *err, size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "empty JFR recording");
        return false;
    }
    size_t off = 0;
    while (off < len) {
        size_t size = 0;
        bool stopped = false;
        char inner[240];
        if (!read_chunk(buf + off, len - off, &size, a, cb, data, &stopped, inner, sizeof(inner))) {
            if (stopped) return true;
            snprintf(err, errlen, "JFR chunk at offset %zu: %s", off, inner);
            return false;
        }
        off += size;
    }
    return true;
}
