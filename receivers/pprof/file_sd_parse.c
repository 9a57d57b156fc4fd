/* file_sd_parse.c — Prometheus target files (JSON or YAML) → target groups (see file_sd.h).
 * Both formats are mapped onto the same checks: a list of mappings with `targets` (strings) and
 * optional `labels` (string values, Prometheus label names). */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "receivers/pprof/file_sd.h"

static bool fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return false;
}

static bool valid_label_name(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_')) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return false;
    return true;
}

static void strlist_push(pf_strlist *l, const char *s)
{
    l->items = pf_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
    l->items[l->n++] = pf_xstrdup(s);
}

static void strmap_push(pf_strmap *m, const char *k, const char *v)
{
    m->keys = pf_xrealloc(m->keys, (m->n + 1) * sizeof(*m->keys));
    m->values = pf_xrealloc(m->values, (m->n + 1) * sizeof(*m->values));
    m->keys[m->n] = pf_xstrdup(k);
    m->values[m->n++] = pf_xstrdup(v);
}

static scrape_sd_group *new_group(scrape_sd_groups *out)
{
    out->items = pf_xrealloc(out->items, (out->n + 1) * sizeof(*out->items));
    scrape_sd_group *g = &out->items[out->n++];
    memset(g, 0, sizeof(*g));
    return g;
}

/* ---- JSON ---- */

static bool parse_json(const char *path, const char *text, size_t len, scrape_sd_groups *out, char *err, size_t err_len)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root) return fail(err, err_len, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    bool ok = json_is_array(root) || fail(err, err_len, "%s: expected a list of target groups", path);
    for (size_t i = 0; ok && i < json_array_size(root); i++) {
        json_t *g = json_array_get(root, i);
        json_t *targets = json_object_get(g, "targets"), *labels = json_object_get(g, "labels");
        if (!json_is_object(g)) {
            ok = fail(err, err_len, "%s: [%zu]: expected an object with targets and labels", path, i);
            break;
        }
        if (!json_is_array(targets)) {
            ok = fail(err, err_len, "%s: [%zu].targets: expected a list of \"host:port\" strings", path, i);
            break;
        }
        scrape_sd_group *grp = new_group(out);
        for (size_t t = 0; ok && t < json_array_size(targets); t++) {
            const char *s = json_string_value(json_array_get(targets, t));
            if (!s || !*s)
                ok = fail(err, err_len, "%s: [%zu].targets[%zu]: expected a non-empty string", path, i, t);
            else
                strlist_push(&grp->targets, s);
        }
        if (ok && labels && !json_is_null(labels) && !json_is_object(labels))
            ok = fail(err, err_len, "%s: [%zu].labels: expected an object of strings", path, i);
        const char *key;
        json_t *value;
        json_object_foreach(labels, key, value)
        {
            if (!ok) break;
            if (!valid_label_name(key))
                ok = fail(err, err_len, "%s: [%zu].labels: \"%s\" is not a valid label name", path, i, key);
            else if (!json_is_string(value))
                ok = fail(err, err_len, "%s: [%zu].labels.%s: value must be a string", path, i, key);
            else
                strmap_push(&grp->labels, key, json_string_value(value));
        }
    }
    json_decref(root);
    return ok;
}

/* ---- YAML ---- */

static bool parse_yaml_group(const char *path, size_t i, const pf_node *g, scrape_sd_group *grp, char *err,
                             size_t err_len)
{
    const pf_node *targets = pf_node_get(g, "targets"), *labels = pf_node_get(g, "labels");
    if (g->type != PF_NODE_MAP)
        return fail(err, err_len, "%s:%d: [%zu]: expected a mapping with targets and labels", path, g->line, i);
    if (!targets || targets->type != PF_NODE_SEQ)
        return fail(err, err_len, "%s:%d: [%zu].targets: expected a list of \"host:port\" strings", path, g->line, i);
    for (size_t t = 0; t < targets->n_children; t++) {
        const pf_node *s = targets->children[t];
        if (s->type != PF_NODE_SCALAR || s->is_null || !*s->value)
            return fail(err, err_len, "%s:%d: [%zu].targets[%zu]: expected a non-empty string", path, s->line, i, t);
        strlist_push(&grp->targets, s->value);
    }
    if (!labels || (labels->type == PF_NODE_SCALAR && labels->is_null)) return true;
    if (labels->type != PF_NODE_MAP)
        return fail(err, err_len, "%s:%d: [%zu].labels: expected a mapping of strings", path, labels->line, i);
    for (size_t k = 0; k < labels->n_children; k++) {
        const pf_node *l = labels->children[k];
        if (!valid_label_name(l->key))
            return fail(err, err_len, "%s:%d: [%zu].labels: \"%s\" is not a valid label name", path, l->line, i,
                        l->key);
        if (l->type != PF_NODE_SCALAR)
            return fail(err, err_len, "%s:%d: [%zu].labels.%s: value must be a string", path, l->line, i, l->key);
        strmap_push(&grp->labels, l->key, l->is_null ? "" : l->value);
    }
    return true;
}

static bool parse_yaml(const char *path, const char *text, size_t len, scrape_sd_groups *out, char *err, size_t err_len)
{
    pf_cfg_error perr = {{0}};
    pf_node *root = pf_yaml_parse(text, len, path, &perr);
    if (!root) return fail(err, err_len, "%s", perr.msg);
    bool ok = true;
    if (root->type == PF_NODE_SEQ) {
        for (size_t i = 0; ok && i < root->n_children; i++)
            ok = parse_yaml_group(path, i, root->children[i], new_group(out), err, err_len);
    } else if (!(root->type == PF_NODE_SCALAR && root->is_null)) { /* an empty file has no groups */
        ok = fail(err, err_len, "%s: expected a list of target groups", path);
    }
    pf_node_free(root);
    return ok;
}

bool scrape_sd_parse(const char *path, const char *text, size_t len, scrape_sd_groups *out, char *err, size_t err_len)
{
    const char *ext = strrchr(path, '.');
    scrape_sd_groups parsed = {0};
    bool ok = ext && strcmp(ext, ".json") == 0 ? parse_json(path, text, len, &parsed, err, err_len)
                                               : parse_yaml(path, text, len, &parsed, err, err_len);
    if (!ok) {
        scrape_sd_groups_free(&parsed);
        return false;
    }
    *out = parsed;
    return true;
}

void scrape_sd_groups_free(scrape_sd_groups *g)
{
    for (size_t i = 0; i < g->n; i++) {
        pf_strlist_free(&g->items[i].targets);
        pf_strmap_free(&g->items[i].labels);
    }
    free(g->items);
    *g = (scrape_sd_groups){0};
}
