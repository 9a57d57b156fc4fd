/* metadata.c — the JFR metadata event: a string table and an element tree whose "class"
 * elements (with "field" children) describe every type of the chunk; see jfr_internal.h. */
#include <stdio.h>
#include <string.h>

#include "receivers/pyroscope/jfr/jfr_internal.h"

#define MAX_ELEMENT_DEPTH 16

typedef struct meta_ctx {
    jfr_rd *r;
    pf_arena *a;
    const char **strings;
    size_t n_strings;
    jfr_metadata *out;
    size_t cap_classes;
} meta_ctx;

static const char *string_at(meta_ctx *m, int32_t idx)
{
    if (idx < 0 || (size_t)idx >= m->n_strings || !m->strings[idx]) {
        jfr_rd_fail(m->r, "metadata string index out of range");
        return "";
    }
    return m->strings[idx];
}

static jfr_prim prim_of(const char *name)
{
    static const struct {
        const char *name;
        jfr_prim prim;
    } prims[] = {
        {"boolean", JFR_BOOLEAN}, {"byte", JFR_BYTE},     {"char", JFR_CHAR},
        {"short", JFR_SHORT},     {"int", JFR_INT},       {"long", JFR_LONG},
        {"float", JFR_FLOAT},     {"double", JFR_DOUBLE}, {"java.lang.String", JFR_STRING},
    };
    for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
        if (strcmp(prims[i].name, name) == 0) return prims[i].prim;
    return JFR_STRUCT;
}

static int64_t parse_id(const char *s, bool *ok)
{
    int64_t v = 0;
    *ok = *s != '\0';
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > INT64_MAX / 10) {
            *ok = false;
            return 0;
        }
        v = v * 10 + (*s - '0');
    }
    return v;
}

static void add_class(meta_ctx *m, jfr_class *c)
{
    jfr_metadata *md = m->out;
    PF_ARENA_GROW(m->a, md->classes, m->cap_classes, md->n_classes + 1, 256);
    md->classes[md->n_classes] = c;
    *pf_keymap_put_u64(&md->by_id, (uint64_t)c->id, md->n_classes, NULL) = md->n_classes;
    md->n_classes++;
}

static void add_field(meta_ctx *m, jfr_class *c, const jfr_field *f)
{
    PF_ARENA_GROW(m->a, c->fields, c->cap_fields, c->n_fields + 1, 8);
    c->fields[c->n_fields++] = *f;
}

/* One element: name, attributes, children. `owner` is the enclosing class for "field" elements. */
static void parse_element(meta_ctx *m, int depth, jfr_class *owner)
{
    jfr_rd *r = m->r;
    if (depth > MAX_ELEMENT_DEPTH) {
        jfr_rd_fail(r, "metadata elements nested too deeply");
        return;
    }
    const char *name = string_at(m, jfr_rd_int(r));
    size_t n_attrs = jfr_rd_count(r, 2);
    const char *id = NULL, *cname = NULL, *fclass = NULL, *cpool = NULL, *dim = NULL;
    for (size_t i = 0; i < n_attrs && r->ok; i++) {
        const char *k = string_at(m, jfr_rd_int(r));
        const char *v = string_at(m, jfr_rd_int(r));
        if (strcmp(k, "id") == 0)
            id = v;
        else if (strcmp(k, "name") == 0)
            cname = v;
        else if (strcmp(k, "class") == 0)
            fclass = v;
        else if (strcmp(k, "constantPool") == 0)
            cpool = v;
        else if (strcmp(k, "dimension") == 0)
            dim = v;
    }
    if (!r->ok) return;
    jfr_class *child_owner = NULL;
    bool ok = true;
    if (strcmp(name, "class") == 0) {
        if (!id || !cname) {
            jfr_rd_fail(r, "metadata class without id or name");
            return;
        }
        jfr_class *c = pf_arena_alloc(m->a, sizeof(*c));
        c->id = parse_id(id, &ok);
        c->name = cname;
        c->prim = prim_of(cname);
        pf_keymap_init(&c->pool, m->a);
        if (!ok) {
            jfr_rd_fail(r, "metadata class id is not a number");
            return;
        }
        add_class(m, c);
        child_owner = c;
    } else if (strcmp(name, "field") == 0 && owner) {
        if (!cname || !fclass) {
            jfr_rd_fail(r, "metadata field without name or class");
            return;
        }
        jfr_field f = {.name = cname, .type_id = parse_id(fclass, &ok)};
        f.cpool = cpool && strcmp(cpool, "true") == 0;
        f.array = dim && strcmp(dim, "0") != 0;
        if (!ok) {
            jfr_rd_fail(r, "metadata field class is not a number");
            return;
        }
        add_field(m, owner, &f);
    }
    size_t n_children = jfr_rd_count(r, 3);
    for (size_t i = 0; i < n_children && r->ok; i++) parse_element(m, depth + 1, child_owner);
}

jfr_class *jfr_class_by_id(const jfr_metadata *m, int64_t id)
{
    uint64_t *idx = pf_keymap_get_u64(&m->by_id, (uint64_t)id);
    return idx ? m->classes[*idx] : NULL;
}

jfr_class *jfr_class_by_name(const jfr_metadata *m, const char *name)
{
    for (size_t i = 0; i < m->n_classes; i++)
        if (strcmp(m->classes[i]->name, name) == 0) return m->classes[i];
    return NULL;
}

int jfr_field_index(const jfr_class *c, const char *name)
{
    for (size_t i = 0; c && i < c->n_fields; i++)
        if (strcmp(c->fields[i].name, name) == 0) return (int)i;
    return -1;
}

bool jfr_parse_metadata(jfr_rd *r, pf_arena *a, jfr_metadata *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    pf_keymap_init(&out->by_id, a);
    jfr_rd_long(r); /* start time */
    jfr_rd_long(r); /* duration */
    jfr_rd_long(r); /* metadata id */
    meta_ctx m = {.r = r, .a = a, .out = out};
    m.n_strings = jfr_rd_count(r, 1);
    m.strings = pf_arena_alloc(a, (m.n_strings + 1) * sizeof(*m.strings));
    for (size_t i = 0; i < m.n_strings && r->ok; i++) m.strings[i] = jfr_rd_string(r, a, NULL);
    if (r->ok) parse_element(&m, 0, NULL);
    if (!r->ok) {
        snprintf(err, errlen, "metadata event: %s at offset %zu", r->why, jfr_rd_offset(r));
        return false;
    }
    for (size_t i = 0; i < out->n_classes; i++) {
        jfr_class *c = out->classes[i];
        for (size_t j = 0; j < c->n_fields; j++) {
            c->fields[j].type = jfr_class_by_id(out, c->fields[j].type_id);
            if (!c->fields[j].type) {
                snprintf(err, errlen, "metadata: field %s.%s has unknown type id %lld", c->name, c->fields[j].name,
                         (long long)c->fields[j].type_id);
                return false;
            }
        }
        c->scratch = pf_arena_alloc(a, (c->n_fields + 1) * sizeof(*c->scratch));
    }
    return true;
}
