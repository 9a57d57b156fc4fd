/* name.c — Pyroscope labelset parsing, legacy suffix mapping and series labels; see name.h. */
#include "receivers/pyroscope/ingest/name.h"

#include <stdio.h>
#include <string.h>

static bool is_label_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static bool is_app_name_char(char c) { return c == '-' || c == '/' || is_label_name_char(c); }

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void trim(const char **b, const char **e)
{
    while (*b < *e && is_space(**b)) (*b)++;
    while (*e > *b && is_space((*e)[-1])) (*e)--;
}

static bool validate(const char *what, const char *s, size_t n, bool (*allowed)(char), char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "%s is required", what);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!allowed(s[i])) {
            snprintf(err, errlen, "invalid %s: %.*s: character is not allowed: '%c'", what, (int)n, s, s[i]);
            return false;
        }
    }
    return true;
}

/* Reads a double-quoted value starting at *p (on the quote); leaves *p after the closing quote. */
static bool read_quoted(const char **p, const char *end, pf_arena *a, const char **out, char *err, size_t errlen)
{
    const char *s = *p + 1;
    char *buf = pf_arena_alloc(a, (size_t)(end - s) + 1);
    size_t n = 0;
    while (s < end && *s != '"') {
        if (*s == '\\') {
            if (++s == end) break;
            buf[n++] = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
        } else {
            buf[n++] = *s;
        }
        s++;
    }
    if (s == end) {
        snprintf(err, errlen, "unterminated quoted label value");
        return false;
    }
    buf[n] = '\0';
    *out = buf;
    *p = s + 1;
    return true;
}

static void set_label(pf_pyro_labels *l, size_t *cap, pf_arena *a, const char *k, const char *v)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].name, k) == 0) {
            l->items[i].value = v; /* a repeated key keeps the last value, like Pyroscope's map */
            return;
        }
    }
    PF_ARENA_GROW(a, l->items, *cap, l->n + 1, 8);
    l->items[l->n].name = k;
    l->items[l->n].value = v;
    l->n++;
}

static bool parse_labels(const char *p, const char *end, pf_arena *a, pf_pyro_labels *labels, char *err, size_t errlen)
{
    size_t cap = 0;
    for (;;) {
        while (p < end && is_space(*p)) p++;
        if (p == end) {
            snprintf(err, errlen, "unterminated label set: missing '}'");
            return false;
        }
        if (*p == '}') break;
        const char *kb = p;
        while (p < end && *p != '=' && *p != ',' && *p != '}') p++;
        const char *ke = p;
        trim(&kb, &ke);
        if (p == end || *p != '=') {
            snprintf(err, errlen, "label \"%.*s\" has no '=value'", (int)(ke - kb), kb);
            return false;
        }
        if (!validate("label name", kb, (size_t)(ke - kb), is_label_name_char, err, errlen)) return false;
        if ((size_t)(ke - kb) == 8 && memcmp(kb, "__name__", 8) == 0) {
            snprintf(err, errlen, "label name is reserved: __name__");
            return false;
        }
        p++; /* '=' */
        while (p < end && is_space(*p)) p++;
        const char *value;
        if (p < end && *p == '"') {
            if (!read_quoted(&p, end, a, &value, err, errlen)) return false;
            while (p < end && is_space(*p)) p++;
            if (p < end && *p != ',' && *p != '}') {
                snprintf(err, errlen, "unexpected '%c' after quoted value of label \"%.*s\"", *p, (int)(ke - kb), kb);
                return false;
            }
        } else {
            const char *vb = p;
            while (p < end && *p != ',' && *p != '}') p++;
            const char *ve = p;
            trim(&vb, &ve);
            value = pf_arena_strndup(a, vb, (size_t)(ve - vb));
        }
        if (p == end) {
            snprintf(err, errlen, "unterminated label set: missing '}'");
            return false;
        }
        set_label(labels, &cap, a, pf_arena_strndup(a, kb, (size_t)(ke - kb)), value);
        if (*p == ',') p++;
    }
    p++; /* '}' */
    while (p < end && is_space(*p)) p++;
    if (p != end) {
        snprintf(err, errlen, "unexpected text after '}': \"%.*s\"", (int)(end - p), p);
        return false;
    }
    return true;
}

bool pf_pyro_parse_name(const char *s, pf_arena *a, const char **app_name, pf_pyro_labels *labels, char *err,
                        size_t errlen)
{
    const char *end = s + strlen(s);
    const char *brace = memchr(s, '{', (size_t)(end - s));
    const char *nb = s, *ne = brace ? brace : end;
    trim(&nb, &ne);
    if (!validate("service name", nb, (size_t)(ne - nb), is_app_name_char, err, errlen)) return false;
    *app_name = pf_arena_strndup(a, nb, (size_t)(ne - nb));
    labels->items = NULL;
    labels->n = 0;
    return brace ? parse_labels(brace + 1, end, a, labels, err, errlen) : true;
}

typedef struct legacy_row {
    const char *suffix, *metric, *sample_type, *unit;
} legacy_row;

/* The suffix table of Pyroscope's ingest adapter (convertMetadata). */
static const legacy_row LEGACY[] = {
    {"cpu", "process_cpu", "samples", "count"},
    {"itimer", "process_cpu", "samples", "count"},
    {"wall", "wall", "samples", "count"},
    {"inuse_objects", "memory", "inuse_objects", "count"},
    {"inuse_space", "memory", "inuse_space", "bytes"},
    {"alloc_objects", "memory", "alloc_objects", "count"},
    {"alloc_space", "memory", "alloc_space", "bytes"},
    {"goroutines", "goroutine", "goroutines", "count"},
    {"mutex_count", "mutex", "contentions", "count"},
    {"mutex_duration", "mutex", "delay", "nanoseconds"},
    {"block_count", "block", "contentions", "count"},
    {"block_duration", "block", "delay", "nanoseconds"},
    {"lock_count", "block", "contentions", "count"},
    {"lock_duration", "block", "delay", "nanoseconds"},
    {"alloc_in_new_tlab_objects", "memory", "alloc_in_new_tlab_objects", "count"},
    {"alloc_in_new_tlab_bytes", "memory", "alloc_in_new_tlab_bytes", "bytes"},
    {"alloc_outside_tlab_objects", "memory", "alloc_outside_tlab_objects", "count"},
    {"alloc_outside_tlab_bytes", "memory", "alloc_outside_tlab_bytes", "bytes"},
    {"live", "memory", "live", "count"},
    {"exceptions", "exceptions", "samples", "count"},
    {"seconds", "wall", "samples", "count"},
    {"nanoseconds", "wall", "samples", "count"},
    {"microseconds", "wall", "samples", "count"},
    {"milliseconds", "wall", "samples", "count"},
    {"bytes", "memory", "samples", "bytes"},
};

bool pf_pyro_legacy_type_of(const char *name, pf_arena *a, pf_pyro_legacy_type *out, char *err, size_t errlen)
{
    const char *dot = strrchr(name, '.');
    const char *suffix = dot ? dot + 1 : "cpu";
    out->app = dot ? pf_arena_strndup(a, name, (size_t)(dot - name)) : name;
    for (size_t i = 0; i < sizeof(LEGACY) / sizeof(LEGACY[0]); i++) {
        if (strcmp(LEGACY[i].suffix, suffix) == 0) {
            out->metric = LEGACY[i].metric;
            out->sample_type = LEGACY[i].sample_type;
            out->unit = LEGACY[i].unit;
            out->per_sample_period = strcmp(out->metric, "process_cpu") == 0 || strcmp(out->metric, "wall") == 0;
            return true;
        }
    }
    snprintf(err, errlen, "unknown profile type: %s (from name suffix \".%s\")", suffix, suffix);
    return false;
}

const char *pf_pyro_label_get(const pf_pyro_labels *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0) return l->items[i].value;
    return NULL;
}

static bool allowed_for_ingestion(const char *name)
{
    return strncmp(name, "__", 2) != 0 || strcmp(name, "__session_id__") == 0;
}

void pf_pyro_series_labels(const pf_pyro_query *q, const char *app, const char *metric, const char *jfr_event,
                           pf_arena *a, pf_pyro_labels *out)
{
    out->items = pf_arena_alloc(a, (q->labels.n + 6) * sizeof(*out->items));
    out->n = 0;
    out->items[out->n++] = (pf_pyro_label){"__name__", metric};
    out->items[out->n++] = (pf_pyro_label){"__delta__", "false"};
    if (q->spy_name && *q->spy_name) out->items[out->n++] = (pf_pyro_label){"pyroscope_spy", q->spy_name};
    for (size_t i = 0; i < q->labels.n; i++)
        if (allowed_for_ingestion(q->labels.items[i].name)) out->items[out->n++] = q->labels.items[i];
    if (!pf_pyro_label_get(&q->labels, "service_name"))
        out->items[out->n++] = (pf_pyro_label){"service_name", app};
    else if (!pf_pyro_label_get(&q->labels, "app_name"))
        out->items[out->n++] = (pf_pyro_label){"app_name", app};
    if (jfr_event && *jfr_event) out->items[out->n++] = (pf_pyro_label){"jfr_event", jfr_event};
}
