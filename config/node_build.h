/* node_build.h — building and reshaping pf_node trees; private to config/ (yaml, expand, loader).
 *
 * Ownership: every pf_node returned here is malloc'd and owned by the caller until it is attached to
 * a parent with pf_node_append(), after which the parent owns it (pf_node_free frees the whole tree).
 * File names are interned for the life of the process, so nodes only borrow them. */
#ifndef PF_NODE_BUILD_H
#define PF_NODE_BUILD_H

#include "config/config_map.h"
#include "config/node.h"

/* Deepest nesting of mappings/sequences accepted; the tree code recurses once per level. */
#define PF_NODE_MAX_DEPTH 256

/* Returns a process-lifetime copy of `name` (same pointer for equal names). */
const char *pf_node_intern_file(const char *name);

/* New empty node of `type` at file:line:col; `file` must be interned. value/key start NULL. */
pf_node *pf_node_new(pf_node_type type, const char *file, int line, int col);
/* New scalar node owning a copy of `value`. */
pf_node *pf_node_new_scalar(const char *value, bool quoted, const char *file, int line, int col);
/* Appends `child` (ownership moves to `parent`). */
void pf_node_append(pf_node *parent, pf_node *child);
/* Deep copy (key included). */
pf_node *pf_node_copy(const pf_node *n);
/* Moves every node of the tree to one position (used for --set values and defaults). */
void pf_node_set_position(pf_node *n, const char *file, int line, int col);
/* True for the plain scalars YAML 1.2 reads as null: "", "~", "null", "Null", "NULL". */
bool pf_node_is_null_text(const char *s);
/* Merges `over` into `base` the confmap way: mappings key by key (recursively); anything else in
 * `over` replaces what `base` had. Consumes `over`; returns the merged tree (base or over). */
pf_node *pf_node_merge(pf_node *base, pf_node *over);

/* Reads a whole regular file (config files, ${file:...}) into `out` (appended, NUL-terminated).
 * On failure returns false with errno set (EFBIG above PF_CONFIG_MAX_FILE bytes). */
#define PF_CONFIG_MAX_FILE (64u << 20)
struct pf_buf;
bool pf_config_read_file(const char *path, struct pf_buf *out);

/* Expands ${env:VAR}, ${env:VAR:-default}, ${VAR}, ${file:path} and $$ in every scalar of the tree,
 * in place. A scalar that is exactly one ${...} reference is re-read as YAML, so it takes the type
 * (and null-ness, or even the mapping/sequence shape) of the text it expands to. `path` is the dotted
 * key path of `n` for error messages ("" at the root). */
bool pf_node_expand(pf_node *n, const char *path, pf_cfg_error *err);

#endif
