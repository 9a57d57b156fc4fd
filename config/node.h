/* node.h — YAML documents as a tree that remembers where every value came from.
 *
 * libyaml parses; we keep file/line/column on every node so any later error can say
 * "config.yaml:12:5: exporters.otlphttp.timeout: ...". Nodes are malloc'd; pf_node_free() frees a
 * whole tree. Mapping children keep file order; keys are unique after loading (duplicate keys in one
 * file are an error). */
#ifndef PF_NODE_H
#define PF_NODE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum pf_node_type {
    PF_NODE_SCALAR,
    PF_NODE_MAP,
    PF_NODE_SEQ,
} pf_node_type;

typedef struct pf_node {
    pf_node_type type;
    char *key;                 /* key within the parent mapping; NULL for sequence items and the root */
    char *value;               /* SCALAR: text after ${...} expansion */
    bool is_null;              /* SCALAR: plain "~", "null", "" or missing value */
    bool quoted;               /* SCALAR: was single/double quoted (so "true" stays a string) */
    struct pf_node **children; /* MAP, SEQ */
    size_t n_children;
    const char *file; /* interned file name ("<default>", "<--set>" for non-files) */
    int line, col;    /* 1-based */
} pf_node;

/* Child of a mapping by key; NULL if absent or node is not a mapping. */
const pf_node *pf_node_get(const pf_node *map, const char *key);
/* Walks a dotted path ("service.telemetry.metrics"); NULL when any step is absent. */
const pf_node *pf_node_path(const pf_node *root, const char *dotted);
void pf_node_free(pf_node *n);

#endif
