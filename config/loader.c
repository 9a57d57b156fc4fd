/* loader.c — --config files, the embedded default and --set overrides into one tree (loader.h). */
#include "config/loader.h"

#include <errno.h>
#include <string.h>

#include "config/node_build.h"
#include "pipeline/base/utf8.h"
#include "pipeline/base/xalloc.h"

#define SET_SOURCE "<--set>"

static const char *node_type_name(const pf_node *n)
{
    return n->type == PF_NODE_MAP ? "a mapping" : n->type == PF_NODE_SEQ ? "a sequence" : "a scalar";
}

/* Parses and expands one source; the top level must be a mapping (an empty document is one). */
static pf_node *load_document(const char *text, size_t len, const char *name, pf_cfg_error *err)
{
    pf_node *root = pf_yaml_parse(text, len, name, err);
    if (!root) return NULL;
    if (root->type == PF_NODE_SCALAR && root->is_null) {
        pf_node *empty = pf_node_new(PF_NODE_MAP, root->file, 1, 1);
        pf_node_free(root);
        return empty;
    }
    if (root->type != PF_NODE_MAP) {
        pf_cfg_errorf(err, root, NULL, "the top level must be a mapping, got %s", node_type_name(root));
        pf_node_free(root);
        return NULL;
    }
    if (!pf_node_expand(root, "", err)) {
        pf_node_free(root);
        return NULL;
    }
    return root;
}

static pf_node *load_file(const char *path, pf_cfg_error *err)
{
    pf_buf text = {0};
    pf_node *root = NULL;
    if (pf_config_read_file(path, &text))
        root = load_document(text.data, text.len, path, err);
    else
        snprintf(err->msg, sizeof(err->msg), "%s:1:1: cannot read config file: %s", path, strerror(errno));
    pf_buf_free(&text);
    return root;
}

static bool set_error(pf_cfg_error *err, size_t index, const char *arg, const char *why)
{
    pf_node where = {.file = pf_node_intern_file(SET_SOURCE), .line = 1, .col = (int)index + 1};
    pf_cfg_errorf(err, &where, NULL, "invalid --set \"%s\": %s", arg, why);
    return false;
}

/* Validates "a.b.c" (no empty segments). */
static bool valid_key_path(const char *key, size_t len)
{
    if (len == 0 || key[0] == '.' || key[len - 1] == '.') return false;
    for (size_t i = 1; i < len; i++)
        if (key[i] == '.' && key[i - 1] == '.') return false;
    return true;
}

/* Mappings and sequences nested in n, n included (0 for a scalar). */
static size_t container_height(const pf_node *n)
{
    size_t h = 0;
    for (size_t i = 0; i < n->n_children; i++) {
        size_t c = container_height(n->children[i]);
        if (c > h) h = c;
    }
    return n->type == PF_NODE_SCALAR ? 0 : h + 1;
}

/* Builds {a: {b: {c: value}}} for "a.b.c=value", every node at <--set>:1:(index+1). */
static pf_node *parse_set(const char *arg, size_t index, pf_cfg_error *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq || !valid_key_path(arg, (size_t)(eq - arg))) {
        set_error(err, index, arg, "expected key.path=value");
        return NULL;
    }
    /* YAML files are checked by libyaml; a key from the command line must be UTF-8 too, or print-config
     * could not write it back (and two keys could print the same). */
    char *key = pf_xstrndup(arg, (size_t)(eq - arg));
    bool utf8 = pf_utf8_valid(key);
    free(key);
    if (!utf8) {
        set_error(err, index, "(key not shown)", "the key is not valid UTF-8");
        return NULL;
    }
    const char *file = pf_node_intern_file(SET_SOURCE);
    int col = (int)index + 1;
    pf_cfg_error parse_err;
    pf_node *value = pf_yaml_parse(eq + 1, strlen(eq + 1), SET_SOURCE, &parse_err);
    if (!value) {
        /* Drop libyaml's own position inside the value; the --set index is the useful one. */
        const char *why = strstr(parse_err.msg + strlen(SET_SOURCE), ": ");
        set_error(err, index, arg, why ? why + 2 : parse_err.msg);
        return NULL;
    }
    pf_node_set_position(value, file, 1, col);
    /* One mapping per key segment around the value: together no deeper than a config file may nest,
     * or print-config would write what the loader refuses. */
    size_t segments = 1;
    for (const char *c = arg; c < eq; c++) segments += *c == '.';
    if (segments + container_height(value) > PF_NODE_MAX_DEPTH) {
        pf_node_free(value);
        set_error(err, index, arg, "the key path and value nest deeper than 256 levels");
        return NULL;
    }
    char *key_path = pf_xstrndup(arg, (size_t)(eq - arg));
    bool ok = pf_node_expand(value, key_path, err);
    pf_node *tree = value;
    char *end = key_path + strlen(key_path);
    while (ok) {
        char *dot = strrchr(key_path, '.');
        char *segment = dot ? dot + 1 : key_path;
        tree->key = pf_xstrndup(segment, (size_t)(end - segment));
        pf_node *parent = pf_node_new(PF_NODE_MAP, file, 1, col);
        pf_node_append(parent, tree);
        tree = parent;
        if (!dot) break;
        *dot = '\0';
        end = dot;
    }
    free(key_path);
    if (!ok) {
        pf_node_free(tree);
        return NULL;
    }
    return tree;
}

pf_node *pf_config_load(const pf_config_sources *src, pf_cfg_error *err)
{
    pf_node *root = NULL;
    if (src->n_files == 0) {
        const char *text = src->fallback_yaml ? src->fallback_yaml : "";
        root = load_document(text, strlen(text), "<default>", err);
        if (!root) return NULL;
    }
    for (size_t i = 0; i < src->n_files; i++) {
        pf_node *doc = load_file(src->files[i], err);
        if (!doc) {
            pf_node_free(root);
            return NULL;
        }
        root = pf_node_merge(root, doc);
    }
    for (size_t i = 0; i < src->n_sets; i++) {
        pf_node *set = parse_set(src->sets[i], i, err);
        if (!set) {
            pf_node_free(root);
            return NULL;
        }
        root = pf_node_merge(root, set);
    }
    return root;
}
