/* node.c — pf_node trees: lookup, construction, copying, merging and freeing (node.h, node_build.h). */
#include "config/node_build.h"

#include <pthread.h>
#include <string.h>

#include "pipeline/base/xalloc.h"

/* Interned file names live until exit: nodes from many trees point at them and the set is tiny
 * (one entry per config file plus "<default>"/"<--set>"). */
typedef struct interned_name {
    struct interned_name *next;
    char name[];
} interned_name;

static interned_name *interned_names;
static pthread_mutex_t interned_lock = PTHREAD_MUTEX_INITIALIZER;

const char *pf_node_intern_file(const char *name)
{
    pthread_mutex_lock(&interned_lock);
    interned_name *it = interned_names;
    while (it && strcmp(it->name, name) != 0) it = it->next;
    if (!it) {
        size_t len = strlen(name);
        it = pf_xmalloc(sizeof(*it) + len + 1);
        memcpy(it->name, name, len + 1);
        it->next = interned_names;
        interned_names = it;
    }
    pthread_mutex_unlock(&interned_lock);
    return it->name;
}

pf_node *pf_node_new(pf_node_type type, const char *file, int line, int col)
{
    pf_node *n = pf_xcalloc(1, sizeof(*n));
    n->type = type;
    n->file = file;
    n->line = line;
    n->col = col;
    return n;
}

bool pf_node_is_null_text(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

pf_node *pf_node_new_scalar(const char *value, bool quoted, const char *file, int line, int col)
{
    pf_node *n = pf_node_new(PF_NODE_SCALAR, file, line, col);
    n->value = pf_xstrdup(value);
    n->quoted = quoted;
    n->is_null = !quoted && pf_node_is_null_text(value);
    return n;
}

void pf_node_append(pf_node *parent, pf_node *child)
{
    parent->children = pf_xrealloc(parent->children, (parent->n_children + 1) * sizeof(*parent->children));
    parent->children[parent->n_children++] = child;
}

pf_node *pf_node_copy(const pf_node *n)
{
    pf_node *c = pf_node_new(n->type, n->file, n->line, n->col);
    c->key = n->key ? pf_xstrdup(n->key) : NULL;
    c->value = n->value ? pf_xstrdup(n->value) : NULL;
    c->is_null = n->is_null;
    c->quoted = n->quoted;
    if (n->n_children) {
        c->children = pf_xmalloc(n->n_children * sizeof(*c->children));
        for (size_t i = 0; i < n->n_children; i++) c->children[i] = pf_node_copy(n->children[i]);
        c->n_children = n->n_children;
    }
    return c;
}

void pf_node_set_position(pf_node *n, const char *file, int line, int col)
{
    n->file = file;
    n->line = line;
    n->col = col;
    for (size_t i = 0; i < n->n_children; i++) pf_node_set_position(n->children[i], file, line, col);
}

void pf_node_free(pf_node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n_children; i++) pf_node_free(n->children[i]);
    free(n->children);
    free(n->key);
    free(n->value);
    free(n);
}

static size_t child_index(const pf_node *map, const char *key, size_t len)
{
    for (size_t i = 0; i < map->n_children; i++) {
        const char *k = map->children[i]->key;
        if (k && strlen(k) == len && !memcmp(k, key, len)) return i;
    }
    return map->n_children;
}

const pf_node *pf_node_get(const pf_node *map, const char *key)
{
    if (!map || map->type != PF_NODE_MAP) return NULL;
    size_t i = child_index(map, key, strlen(key));
    return i < map->n_children ? map->children[i] : NULL;
}

const pf_node *pf_node_path(const pf_node *root, const char *dotted)
{
    if (!*dotted) return root;
    const pf_node *n = root;
    const char *p = dotted;
    while (n) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (n->type != PF_NODE_MAP) return NULL;
        size_t i = child_index(n, p, len);
        n = i < n->n_children ? n->children[i] : NULL;
        if (!dot) return n;
        p = dot + 1;
    }
    return NULL;
}

pf_node *pf_node_merge(pf_node *base, pf_node *over)
{
    if (!base) return over;
    if (base->type != PF_NODE_MAP || over->type != PF_NODE_MAP) {
        /* The replacement sits where base was, under base's key. */
        free(over->key);
        over->key = base->key;
        base->key = NULL;
        pf_node_free(base);
        return over;
    }
    for (size_t i = 0; i < over->n_children; i++) {
        pf_node *child = over->children[i];
        size_t j = child_index(base, child->key, strlen(child->key));
        if (j < base->n_children)
            base->children[j] = pf_node_merge(base->children[j], child);
        else
            pf_node_append(base, child);
    }
    over->n_children = 0;
    pf_node_free(over);
    return base;
}
