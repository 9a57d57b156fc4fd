/* config_map.c — pf_cfg_defaults / pf_cfg_apply / pf_cfg_release over pf_cfg_entry tables
 * (config_map.h).
 *
 * Rules shared by every type: a null value ("key:" or "key: ~") keeps the default; a present key sets
 * its PRESENCE flag even when null; every struct (sections, list elements) has its .check run after
 * its keys are applied, present in the YAML or not. On error the struct stays consistent (every
 * pointer is owned or NULL), so the caller releases it as usual. */
#include <stdlib.h>
#include <string.h>

#include "config/config_map.h"
#include "config/config_map_internal.h"
#include "config/loader.h"
#include "config/node_build.h"
#include "pipeline/base/xalloc.h"

static bool apply_section(const pf_cfg_entry *map, const pf_node *node, const pf_node *pos, void *cfg, const char *path,
                          pf_cfg_error *err);
static bool defaults_at(const pf_cfg_entry *map, void *cfg, const char *path, pf_cfg_error *err);

#define FIELD(cfg, e, T) ((T *)(void *)((char *)(cfg) + (e)->offset))

static char *join_path(const char *path, const char *key)
{
    return path && *path ? pf_xasprintf("%s.%s", path, key) : pf_xstrdup(key);
}

static const char *shape_name(const pf_node *n)
{
    if (n->type == PF_NODE_MAP) return "a mapping";
    if (n->type == PF_NODE_SEQ) return "a sequence";
    return n->is_null ? "null" : "a scalar";
}

static bool expect_type(const pf_node *n, pf_node_type want, const char *path, pf_cfg_error *err)
{
    if (n->type == want && !(want == PF_NODE_SCALAR && n->is_null)) return true;
    const char *want_name = want == PF_NODE_MAP ? "a mapping" : want == PF_NODE_SEQ ? "a sequence" : "a scalar";
    pf_cfg_errorf(err, n, path, "expected %s, got %s", want_name, shape_name(n));
    return false;
}

static bool check_range(const pf_cfg_entry *e, const pf_node *n, double v, const char *path, pf_cfg_error *err)
{
    if (!(e->min < e->max) || (v >= e->min && v <= e->max)) return true;
    char bound[64];
    bool below = v < e->min;
    pf_cfg_format_bound(e, below ? e->min : e->max, bound, sizeof(bound));
    pf_cfg_errorf(err, n, path, "%s is %s %s", n->value, below ? "below the minimum" : "above the maximum", bound);
    return false;
}

static bool check_choice(const pf_cfg_entry *e, const pf_node *n, const char *path, pf_cfg_error *err)
{
    if (!e->choices) return true;
    pf_buf list = {0};
    for (size_t i = 0; e->choices[i]; i++) {
        if (!strcmp(e->choices[i], n->value)) {
            pf_buf_free(&list);
            return true;
        }
        pf_buf_printf(&list, "%s%s", i ? ", " : "", e->choices[i]);
    }
    pf_cfg_errorf(err, n, path, "\"%s\" is not one of: %s", n->value, list.data ? list.data : "");
    pf_buf_free(&list);
    return false;
}

static bool apply_number(const pf_cfg_entry *e, const pf_node *n, void *cfg, const char *path, pf_cfg_error *err)
{
    int64_t i64 = 0;
    double d = 0;
    bool ok;
    const char *what;
    switch (e->type) {
    case PF_CFG_INT: ok = pf_parse_int(n->value, &i64), what = "an integer"; break;
    case PF_CFG_DURATION: ok = pf_parse_duration(n->value, &i64), what = "a duration"; break;
    case PF_CFG_SIZE: ok = pf_parse_size(n->value, &i64), what = "a size"; break;
    default: ok = pf_cfg_parse_double(n->value, &d), what = "a number"; break;
    }
    if (!ok) {
        pf_cfg_errorf(err, n, path, "\"%s\" is not %s", n->value, what);
        return false;
    }
    if (!check_range(e, n, e->type == PF_CFG_DOUBLE ? d : (double)i64, path, err)) return false;
    if (e->type == PF_CFG_DOUBLE)
        *FIELD(cfg, e, double) = d;
    else
        *FIELD(cfg, e, int64_t) = i64;
    return true;
}

static bool apply_string_list(const pf_cfg_entry *e, const pf_node *n, void *cfg, const char *path, pf_cfg_error *err)
{
    pf_strlist list = {0};
    if (n->type == PF_NODE_SCALAR) {
        list.items = pf_xmalloc(sizeof(char *));
        list.items[list.n++] = pf_xstrdup(n->value);
    } else {
        if (!expect_type(n, PF_NODE_SEQ, path, err)) return false;
        list.items = pf_xcalloc(n->n_children, sizeof(char *));
        for (size_t i = 0; i < n->n_children; i++) {
            char *item_path = pf_xasprintf("%s[%zu]", path, i);
            bool ok = expect_type(n->children[i], PF_NODE_SCALAR, item_path, err);
            free(item_path);
            if (!ok) {
                pf_strlist_free(&list);
                return false;
            }
            list.items[list.n++] = pf_xstrdup(n->children[i]->value);
        }
    }
    pf_strlist_free(FIELD(cfg, e, pf_strlist));
    *FIELD(cfg, e, pf_strlist) = list;
    return true;
}

static bool apply_string_map(const pf_cfg_entry *e, const pf_node *n, void *cfg, const char *path, pf_cfg_error *err)
{
    if (!expect_type(n, PF_NODE_MAP, path, err)) return false;
    pf_strmap map = {pf_xcalloc(n->n_children, sizeof(char *)), pf_xcalloc(n->n_children, sizeof(char *)), 0};
    for (size_t i = 0; i < n->n_children; i++) {
        const pf_node *child = n->children[i];
        if (child->type != PF_NODE_SCALAR) {
            char *child_path = join_path(path, child->key);
            expect_type(child, PF_NODE_SCALAR, child_path, err);
            free(child_path);
            pf_strmap_free(&map);
            return false;
        }
        map.keys[map.n] = pf_xstrdup(child->key);
        map.values[map.n++] = pf_xstrdup(child->value); /* a null value is the empty string */
    }
    pf_strmap_free(FIELD(cfg, e, pf_strmap));
    *FIELD(cfg, e, pf_strmap) = map;
    return true;
}

static void release_elements(const pf_cfg_entry *e, pf_list *list)
{
    for (size_t i = 0; i < list->n; i++) pf_cfg_release(e->sub, (char *)list->items + i * e->elem_size);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static bool run_check(const pf_cfg_entry *e, void *section, const pf_node *pos, const char *path, pf_cfg_error *err)
{
    return !e->check || e->check(section, pos, path, err);
}

static bool apply_section_list(const pf_cfg_entry *e, const pf_node *n, void *cfg, const char *path, pf_cfg_error *err)
{
    if (!expect_type(n, PF_NODE_SEQ, path, err)) return false;
    pf_list list = {pf_xcalloc(n->n_children, e->elem_size), 0};
    bool ok = true;
    for (size_t i = 0; ok && i < n->n_children; i++) {
        void *elem = (char *)list.items + i * e->elem_size;
        const pf_node *item = n->children[i];
        char *item_path = pf_xasprintf("%s[%zu]", path, i);
        list.n++;
        ok = expect_type(item, PF_NODE_MAP, item_path, err) && defaults_at(e->sub, elem, item_path, err) &&
             apply_section(e->sub, item, item, elem, item_path, err) && run_check(e, elem, item, item_path, err);
        free(item_path);
    }
    if (!ok) {
        release_elements(e, &list);
        return false;
    }
    release_elements(e, FIELD(cfg, e, pf_list));
    *FIELD(cfg, e, pf_list) = list;
    return true;
}

/* Writes one present, non-null value (or a default) into its field. */
static bool apply_value(const pf_cfg_entry *e, const pf_node *n, void *cfg, const char *path, pf_cfg_error *err)
{
    switch (e->type) {
    case PF_CFG_STRING:
        if (n->type != PF_NODE_SCALAR) return expect_type(n, PF_NODE_SCALAR, path, err);
        if (!check_choice(e, n, path, err)) return false;
        free(*FIELD(cfg, e, char *));
        *FIELD(cfg, e, char *) = pf_xstrdup(n->value);
        return true;
    case PF_CFG_BOOL:
        if (!expect_type(n, PF_NODE_SCALAR, path, err)) return false;
        if (!pf_parse_bool(n->value, FIELD(cfg, e, bool))) {
            pf_cfg_errorf(err, n, path, "\"%s\" is not a boolean (true or false)", n->value);
            return false;
        }
        return true;
    case PF_CFG_INT:
    case PF_CFG_DOUBLE:
    case PF_CFG_DURATION:
    case PF_CFG_SIZE: return expect_type(n, PF_NODE_SCALAR, path, err) && apply_number(e, n, cfg, path, err);
    case PF_CFG_STRING_LIST: return apply_string_list(e, n, cfg, path, err);
    case PF_CFG_STRING_MAP: return apply_string_map(e, n, cfg, path, err);
    case PF_CFG_SECTION:
        return apply_section(e->sub, n, n, FIELD(cfg, e, void), path, err) &&
               run_check(e, FIELD(cfg, e, void), n, path, err);
    case PF_CFG_SECTION_LIST: return apply_section_list(e, n, cfg, path, err);
    case PF_CFG_CUSTOM:
        if (e->release) e->release(e, FIELD(cfg, e, void));
        return e->parse(e, n, FIELD(cfg, e, void), path, err);
    }
    return false;
}

/* Optimal-string-alignment distance: typos and swapped letters count 1. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static void unknown_key(const pf_cfg_entry *map, const pf_node *child, const char *path, pf_cfg_error *err)
{
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (const pf_cfg_entry *e = map; e->name; e++) {
        size_t d = edit_distance(child->key, e->name);
        if (d < best_distance) best_distance = d, best = e->name;
    }
    size_t limit = strlen(child->key) / 3;
    if (best && best_distance <= (limit > 1 ? limit : 1))
        pf_cfg_errorf(err, child, path, "unknown key (did you mean \"%s\"?)", best);
    else
        pf_cfg_errorf(err, child, path, "unknown key");
}

static const pf_cfg_entry *find_entry(const pf_cfg_entry *map, const char *key)
{
    for (const pf_cfg_entry *e = map; e->name; e++)
        if (!strcmp(e->name, key)) return e;
    return NULL;
}

static bool apply_child(const pf_cfg_entry *e, const pf_node *child, void *cfg, const char *path, pf_cfg_error *err)
{
    if (e->flags & PF_CFG_PRESENCE) *(bool *)(void *)((char *)cfg + e->presence_offset) = true;
    if (child->type != PF_NODE_SCALAR || !child->is_null) return apply_value(e, child, cfg, path, err);
    if (e->type == PF_CFG_SECTION) return apply_value(e, child, cfg, path, err);
    if (e->flags & PF_CFG_REQUIRED) {
        pf_cfg_errorf(err, child, path, "a value is required");
        return false;
    }
    return true;
}

/* `node`: the mapping (or NULL / null scalar = nothing set); `pos`: where errors about the section
 * as a whole point (the mapping itself, or its parent when the section is absent). */
static bool apply_section(const pf_cfg_entry *map, const pf_node *node, const pf_node *pos, void *cfg, const char *path,
                          pf_cfg_error *err)
{
    if (node && node->type == PF_NODE_SCALAR && node->is_null) node = NULL;
    if (node && !expect_type(node, PF_NODE_MAP, path, err)) return false;
    for (size_t i = 0; node && i < node->n_children; i++) {
        const pf_node *child = node->children[i];
        char *child_path = join_path(path, child->key);
        const pf_cfg_entry *e = find_entry(map, child->key);
        bool ok = e ? apply_child(e, child, cfg, child_path, err) : (unknown_key(map, child, child_path, err), false);
        free(child_path);
        if (!ok) return false;
    }
    for (const pf_cfg_entry *e = map; e->name; e++) {
        if (node && pf_node_get(node, e->name)) continue;
        if (e->flags & PF_CFG_REQUIRED) {
            pf_cfg_errorf(err, pos, path, "missing required key \"%s\"", e->name);
            return false;
        }
        if (e->type == PF_CFG_SECTION) {
            char *child_path = join_path(path, e->name);
            bool ok = apply_section(e->sub, NULL, pos, FIELD(cfg, e, void), child_path, err) &&
                      run_check(e, FIELD(cfg, e, void), pos, child_path, err);
            free(child_path);
            if (!ok) return false;
        }
    }
    return true;
}

bool pf_cfg_apply(const pf_cfg_entry *map, const pf_node *node, void *cfg, const char *path, pf_cfg_error *err)
{
    return apply_section(map, node, node, cfg, path ? path : "", err);
}

/* A default as a node: scalar types take the text verbatim, collections and CUSTOM read it as YAML. */
static pf_node *default_node(const pf_cfg_entry *e, pf_cfg_error *err)
{
    static const char *const source = "<default>";
    bool scalar = e->type == PF_CFG_STRING || e->type == PF_CFG_INT || e->type == PF_CFG_BOOL ||
                  e->type == PF_CFG_DOUBLE || e->type == PF_CFG_DURATION || e->type == PF_CFG_SIZE;
    if (scalar) return pf_node_new_scalar(e->def, false, pf_node_intern_file(source), 1, 1);
    return pf_yaml_parse(e->def, strlen(e->def), source, err);
}

static void zero_field(const pf_cfg_entry *e, void *cfg)
{
    switch (e->type) {
    case PF_CFG_STRING: *FIELD(cfg, e, char *) = NULL; break;
    case PF_CFG_INT:
    case PF_CFG_DURATION:
    case PF_CFG_SIZE: *FIELD(cfg, e, int64_t) = 0; break;
    case PF_CFG_BOOL: *FIELD(cfg, e, bool) = false; break;
    case PF_CFG_DOUBLE: *FIELD(cfg, e, double) = 0; break;
    case PF_CFG_STRING_LIST: *FIELD(cfg, e, pf_strlist) = (pf_strlist){0}; break;
    case PF_CFG_STRING_MAP: *FIELD(cfg, e, pf_strmap) = (pf_strmap){0}; break;
    case PF_CFG_SECTION_LIST: *FIELD(cfg, e, pf_list) = (pf_list){0}; break;
    case PF_CFG_SECTION:       /* its own entries are zeroed one by one */
    case PF_CFG_CUSTOM: break; /* size unknown here: the caller's zeroed struct is the zero value */
    }
    if (e->flags & PF_CFG_PRESENCE) *(bool *)(void *)((char *)cfg + e->presence_offset) = false;
}

static bool defaults_at(const pf_cfg_entry *map, void *cfg, const char *path, pf_cfg_error *err)
{
    for (const pf_cfg_entry *e = map; e->name; e++) zero_field(e, cfg);
    for (const pf_cfg_entry *e = map; e->name; e++) {
        char *key_path = join_path(path, e->name);
        bool ok = true;
        if (e->type == PF_CFG_SECTION) {
            ok = defaults_at(e->sub, FIELD(cfg, e, void), key_path, err);
        } else if (e->def) {
            pf_node *n = default_node(e, err);
            /* A CUSTOM field holds its zero value here: nothing to release before parsing. */
            if (n && e->type == PF_CFG_CUSTOM)
                ok = e->parse(e, n, FIELD(cfg, e, void), key_path, err);
            else
                ok = n && apply_value(e, n, cfg, key_path, err);
            pf_node_free(n);
        }
        free(key_path);
        if (!ok) return false;
    }
    return true;
}

bool pf_cfg_defaults(const pf_cfg_entry *map, void *cfg, pf_cfg_error *err) { return defaults_at(map, cfg, "", err); }

void pf_cfg_release(const pf_cfg_entry *map, void *cfg)
{
    for (const pf_cfg_entry *e = map; e->name; e++) {
        switch (e->type) {
        case PF_CFG_STRING:
            free(*FIELD(cfg, e, char *));
            *FIELD(cfg, e, char *) = NULL;
            break;
        case PF_CFG_STRING_LIST: pf_strlist_free(FIELD(cfg, e, pf_strlist)); break;
        case PF_CFG_STRING_MAP: pf_strmap_free(FIELD(cfg, e, pf_strmap)); break;
        case PF_CFG_SECTION: pf_cfg_release(e->sub, FIELD(cfg, e, void)); break;
        case PF_CFG_SECTION_LIST: release_elements(e, FIELD(cfg, e, pf_list)); break;
        case PF_CFG_CUSTOM:
            if (e->release) e->release(e, FIELD(cfg, e, void));
            break;
        default: break;
        }
    }
}
