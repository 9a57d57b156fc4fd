/* yaml.c — one YAML document (libyaml event API) into a pf_node tree with positions (loader.h).
 *
 * Mapping children carry the position of their key (that is where a user looks for "unknown key" or
 * "bad value"); sequence items and the root carry their own. Duplicate keys are errors. Anchors are
 * resolved by copying; "<<" merge keys (as in yaml.v3, which the Collector uses) add the keys the
 * mapping does not set itself. Alias expansion is bounded so a "billion laughs" document fails fast. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "config/loader.h"
#include "config/node_build.h"
#include "pipeline/base/xalloc.h"

#define MAX_NODES 1000000
#define MERGE_KEY "<<"

typedef struct anchor {
    char *name;
    pf_node *copy; /* snapshot taken when the anchored node was complete */
    size_t n_nodes;
    int height;
} anchor;

typedef struct frame {
    pf_node *node;
    char *anchor;      /* anchor declared on this container, registered when it closes */
    char *pending_key; /* MAP: key waiting for its value */
    bool pending_key_quoted;
    int key_line, key_col;
    pf_node **merge_sources; /* MAP: values of "<<" keys, applied when the mapping closes */
    size_t n_merge;
} frame;

typedef struct builder {
    const char *file;
    frame stack[PF_NODE_MAX_DEPTH];
    int depth;
    pf_node *root;
    anchor *anchors;
    size_t n_anchors;
    size_t n_nodes;
    int n_documents;
    pf_cfg_error *err;
} builder;

static void fail_at(builder *b, yaml_mark_t mark, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_at(builder *b, yaml_mark_t mark, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(b->err->msg, sizeof(b->err->msg), "%s:%zu:%zu: %s", b->file, mark.line + 1, mark.column + 1, msg);
}

static size_t count_nodes(const pf_node *n, int *height)
{
    size_t count = 1;
    int deepest = 0;
    for (size_t i = 0; i < n->n_children; i++) {
        int h = 0;
        count += count_nodes(n->children[i], &h);
        if (h > deepest) deepest = h;
    }
    *height = deepest + 1;
    return count;
}

static void register_anchor(builder *b, const char *name, const pf_node *n)
{
    anchor *a = NULL;
    for (size_t i = 0; i < b->n_anchors; i++)
        if (!strcmp(b->anchors[i].name, name)) a = &b->anchors[i];
    if (a) {
        pf_node_free(a->copy); /* YAML lets a later anchor reuse a name */
    } else {
        b->anchors = pf_xrealloc(b->anchors, (b->n_anchors + 1) * sizeof(*b->anchors));
        a = &b->anchors[b->n_anchors++];
        a->name = pf_xstrdup(name);
    }
    a->copy = pf_node_copy(n);
    free(a->copy->key);
    a->copy->key = NULL;
    a->n_nodes = count_nodes(n, &a->height);
}

static const anchor *find_anchor(const builder *b, const char *name)
{
    for (size_t i = 0; i < b->n_anchors; i++)
        if (!strcmp(b->anchors[i].name, name)) return &b->anchors[i];
    return NULL;
}

static bool is_merge_key(const frame *f) { return !f->pending_key_quoted && !strcmp(f->pending_key, MERGE_KEY); }

/* Hands a finished node to its parent (or makes it the root). */
static void attach(builder *b, pf_node *n)
{
    if (b->depth == 0) {
        b->root = n;
        return;
    }
    frame *f = &b->stack[b->depth - 1];
    if (f->node->type == PF_NODE_SEQ) {
        pf_node_append(f->node, n);
        return;
    }
    n->line = f->key_line;
    n->col = f->key_col;
    if (is_merge_key(f)) {
        free(f->pending_key);
        f->merge_sources = pf_xrealloc(f->merge_sources, (f->n_merge + 1) * sizeof(*f->merge_sources));
        f->merge_sources[f->n_merge++] = n;
    } else {
        n->key = f->pending_key;
        pf_node_append(f->node, n);
    }
    f->pending_key = NULL;
}

static bool has_key(const pf_node *map, const char *key) { return pf_node_get(map, key) != NULL; }

/* Accepts a scalar as the key of the open mapping. */
static bool take_key(builder *b, frame *f, const char *key, bool quoted, yaml_mark_t mark)
{
    bool merge = !quoted && !strcmp(key, MERGE_KEY); /* may repeat: each adds merge sources */
    const pf_node *first = merge ? NULL : pf_node_get(f->node, key);
    if (first) {
        fail_at(b, mark, "duplicate key \"%.200s\" (first defined on line %d)", key, first->line);
        return false;
    }
    f->pending_key = pf_xstrdup(key);
    f->pending_key_quoted = quoted;
    f->key_line = (int)mark.line + 1;
    f->key_col = (int)mark.column + 1;
    return true;
}

static bool in_key_position(const builder *b)
{
    if (b->depth == 0) return false;
    const frame *f = &b->stack[b->depth - 1];
    return f->node->type == PF_NODE_MAP && !f->pending_key;
}

static bool apply_merge_source(builder *b, pf_node *map, pf_node *src, yaml_mark_t mark)
{
    if (src->type != PF_NODE_MAP) {
        fail_at(b, mark, "\"<<\" expects a mapping or a sequence of mappings");
        return false;
    }
    for (size_t i = 0; i < src->n_children; i++) {
        pf_node *child = src->children[i];
        if (has_key(map, child->key)) {
            pf_node_free(child);
        } else {
            pf_node_append(map, child);
        }
    }
    src->n_children = 0;
    return true;
}

/* Explicit keys win over merged ones, and earlier merge sources over later ones. */
static bool apply_merges(builder *b, frame *f, yaml_mark_t mark)
{
    bool ok = true;
    for (size_t i = 0; i < f->n_merge; i++) {
        pf_node *src = f->merge_sources[i];
        if (ok && src->type == PF_NODE_SEQ) {
            for (size_t j = 0; ok && j < src->n_children; j++)
                ok = apply_merge_source(b, f->node, src->children[j], mark);
        } else if (ok) {
            ok = apply_merge_source(b, f->node, src, mark);
        }
        pf_node_free(src);
    }
    free(f->merge_sources);
    f->merge_sources = NULL;
    f->n_merge = 0;
    return ok;
}

static bool count_new(builder *b, size_t n, yaml_mark_t mark)
{
    b->n_nodes += n;
    if (b->n_nodes > MAX_NODES) {
        fail_at(b, mark, "document too large (more than 1000000 nodes after alias expansion)");
        return false;
    }
    return true;
}

static bool on_scalar(builder *b, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    bool quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                  (ev->data.scalar.tag && !strcmp((const char *)ev->data.scalar.tag, YAML_STR_TAG));
    if (strlen(text) != ev->data.scalar.length) {
        fail_at(b, ev->start_mark, "scalar contains a NUL character");
        return false;
    }
    if (!count_new(b, 1, ev->start_mark)) return false;
    pf_node *n =
        pf_node_new_scalar(text, quoted, b->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1);
    if (ev->data.scalar.anchor) register_anchor(b, (const char *)ev->data.scalar.anchor, n);
    if (!in_key_position(b)) {
        attach(b, n);
        return true;
    }
    bool ok = take_key(b, &b->stack[b->depth - 1], text, quoted, ev->start_mark);
    pf_node_free(n);
    return ok;
}

static bool on_alias(builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const anchor *a = find_anchor(b, name);
    if (!a) {
        fail_at(b, ev->start_mark, "unknown anchor \"%.200s\"", name);
        return false;
    }
    if (in_key_position(b)) {
        if (a->copy->type != PF_NODE_SCALAR) {
            fail_at(b, ev->start_mark, "mapping keys must be scalars");
            return false;
        }
        return take_key(b, &b->stack[b->depth - 1], a->copy->value, a->copy->quoted, ev->start_mark);
    }
    if (b->depth + a->height > PF_NODE_MAX_DEPTH) {
        fail_at(b, ev->start_mark, "nesting deeper than 256 levels");
        return false;
    }
    if (!count_new(b, a->n_nodes, ev->start_mark)) return false;
    pf_node *n = pf_node_copy(a->copy);
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    attach(b, n);
    return true;
}

static bool on_start(builder *b, const yaml_event_t *ev, pf_node_type type, const yaml_char_t *anchor_name)
{
    if (in_key_position(b)) {
        fail_at(b, ev->start_mark, "mapping keys must be scalars");
        return false;
    }
    if (b->depth == PF_NODE_MAX_DEPTH) {
        fail_at(b, ev->start_mark, "nesting deeper than 256 levels");
        return false;
    }
    if (!count_new(b, 1, ev->start_mark)) return false;
    frame *f = &b->stack[b->depth++];
    memset(f, 0, sizeof(*f));
    f->node = pf_node_new(type, b->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1);
    f->anchor = anchor_name ? pf_xstrdup((const char *)anchor_name) : NULL;
    return true;
}

static bool on_end(builder *b, const yaml_event_t *ev)
{
    frame *f = &b->stack[b->depth - 1];
    bool ok = apply_merges(b, f, ev->start_mark);
    pf_node *n = f->node;
    char *anchor_name = f->anchor;
    f->node = NULL;
    f->anchor = NULL;
    b->depth--;
    if (ok && anchor_name) register_anchor(b, anchor_name, n);
    free(anchor_name);
    attach(b, n);
    return ok;
}

static bool on_event(builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->n_documents > 1) {
            fail_at(b, ev->start_mark, "only one YAML document per file is supported");
            return false;
        }
        return true;
    case YAML_SCALAR_EVENT: return on_scalar(b, ev);
    case YAML_ALIAS_EVENT: return on_alias(b, ev);
    case YAML_SEQUENCE_START_EVENT: return on_start(b, ev, PF_NODE_SEQ, ev->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT: return on_start(b, ev, PF_NODE_MAP, ev->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return on_end(b, ev);
    default: return true;
    }
}

static void builder_free(builder *b)
{
    /* On error the open containers are not attached anywhere yet. */
    while (b->depth > 0) {
        frame *f = &b->stack[--b->depth];
        for (size_t i = 0; i < f->n_merge; i++) pf_node_free(f->merge_sources[i]);
        free(f->merge_sources);
        free(f->pending_key);
        free(f->anchor);
        pf_node_free(f->node);
    }
    for (size_t i = 0; i < b->n_anchors; i++) {
        free(b->anchors[i].name);
        pf_node_free(b->anchors[i].copy);
    }
    free(b->anchors);
}

static void fail_from_parser(builder *b, const yaml_parser_t *p)
{
    char msg[600];
    if (p->context)
        snprintf(msg, sizeof(msg), "%s (%s at line %zu)", p->problem ? p->problem : "invalid YAML", p->context,
                 p->context_mark.line + 1);
    else
        snprintf(msg, sizeof(msg), "%s", p->problem ? p->problem : "invalid YAML");
    fail_at(b, p->problem_mark, "%s", msg);
}

pf_node *pf_yaml_parse(const char *text, size_t len, const char *name, pf_cfg_error *err)
{
    builder *b = pf_xcalloc(1, sizeof(*b));
    b->file = pf_node_intern_file(name);
    b->err = err;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fprintf(stderr, "proflow: out of memory initializing the YAML parser\n");
        abort();
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    bool ok = true, done = false;
    while (ok && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            fail_from_parser(b, &parser);
            ok = false;
            break;
        }
        ok = on_event(b, &ev);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    pf_node *root = b->root;
    if (!ok) {
        pf_node_free(root);
        root = NULL;
    } else if (!root) {
        root = pf_node_new_scalar("", false, b->file, 1, 1); /* empty or comment-only document */
    }
    builder_free(b);
    free(b);
    return root;
}
