/* flame_store.c — per-(service, type, minute) call trees with bounded memory (see flame_store.h).
 *
 * A tree is an array of nodes in creation order (a parent always precedes its children, which lets
 * totals be summed in one backward pass), an interning table of frame names, and an open-addressing
 * index of (parent, name) → child. Pruning rebuilds all three. */
#include "pipeline/component/flame_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/base/hash.h"
#include "pipeline/base/telemetry.h"

#define NONE      UINT32_MAX
#define MINUTE_NS 60000000000ull

typedef struct fnode {
    uint32_t name, parent, first_child, next_sibling;
    int64_t self;
} fnode;

struct pf_flame_tree {
    pf_flame_store *store;
    uint64_t minute;
    fnode *nodes;
    uint32_t n, cap;
    char **names;
    uint32_t *name_len;
    uint32_t n_names, cap_names;
    size_t name_bytes;
    uint32_t *name_slots; /* name id + 1; 0 = empty */
    uint32_t n_name_slots;
    uint32_t *child_slots; /* node id + 1; 0 = empty */
    uint32_t n_child_slots;
    uint32_t max_nodes, generation;
    int64_t samples, profiles, total;
    size_t bytes;         /* last figure added to the store's */
    size_t counted_nodes; /* likewise for nodes */
};

typedef struct fseries {
    char *service, *type;
    uint64_t hash;        /* of service and type */
    pf_flame_tree **ring; /* minute % ring_size */
    uint64_t last_seen;   /* unix ns of the latest sample's minute */
} fseries;

struct pf_flame_store {
    char *name;
    int refs;
    pf_flame_limits lim;
    size_t ring_size;
    fseries *series;
    size_t n_series;
    size_t bytes, nodes;
    uint64_t last_expire_minute;
    pf_metric *m_bytes, *m_nodes, *m_series;
    pf_flame_store *next;
};

static pf_flame_store *stores;

/* The child index key: (parent, name) through the shared finalizer. */
static uint64_t hash_pair(uint32_t parent, uint32_t name) { return pf_hash_mix64((uint64_t)parent << 32 | name); }

/* ---- trees ---- */

static size_t tree_bytes(const pf_flame_tree *t)
{
    return sizeof(*t) + (size_t)t->cap * sizeof(fnode) + (size_t)t->cap_names * (sizeof(char *) + sizeof(uint32_t)) +
           t->name_bytes + ((size_t)t->n_name_slots + t->n_child_slots) * sizeof(uint32_t);
}

static void name_rehash(pf_flame_tree *t, uint32_t slots)
{
    free(t->name_slots);
    t->name_slots = pf_xcalloc(slots, sizeof(uint32_t));
    t->n_name_slots = slots;
    for (uint32_t i = 0; i < t->n_names; i++) {
        size_t h = pf_hash_bytes(t->names[i], t->name_len[i]) & (slots - 1);
        while (t->name_slots[h]) h = (h + 1) & (slots - 1);
        t->name_slots[h] = i + 1;
    }
}

uint32_t pf_flame_intern(pf_flame_tree *t, const char *name, size_t len)
{
    if (len > PF_FLAME_MAX_NAME) len = PF_FLAME_MAX_NAME;
    if ((t->n_names + 1) * 2 > t->n_name_slots) name_rehash(t, t->n_name_slots ? t->n_name_slots * 2 : 64);
    size_t h = pf_hash_bytes(name, len) & (t->n_name_slots - 1);
    for (; t->name_slots[h]; h = (h + 1) & (t->n_name_slots - 1)) {
        uint32_t id = t->name_slots[h] - 1;
        if (t->name_len[id] == len && memcmp(t->names[id], name, len) == 0) return id;
    }
    if (t->n_names == t->cap_names) {
        t->cap_names = t->cap_names ? t->cap_names * 2 : 64;
        t->names = pf_xrealloc(t->names, t->cap_names * sizeof(char *));
        t->name_len = pf_xrealloc(t->name_len, t->cap_names * sizeof(uint32_t));
    }
    char *copy = pf_xmalloc(len + 1);
    memcpy(copy, name, len);
    copy[len] = 0;
    t->names[t->n_names] = copy;
    t->name_len[t->n_names] = (uint32_t)len;
    t->name_bytes += len + 1;
    t->name_slots[h] = t->n_names + 1;
    return t->n_names++;
}

static void child_rehash(pf_flame_tree *t, uint32_t slots)
{
    free(t->child_slots);
    t->child_slots = pf_xcalloc(slots, sizeof(uint32_t));
    t->n_child_slots = slots;
    for (uint32_t i = 1; i < t->n; i++) {
        size_t h = hash_pair(t->nodes[i].parent, t->nodes[i].name) & (slots - 1);
        while (t->child_slots[h]) h = (h + 1) & (slots - 1);
        t->child_slots[h] = i + 1;
    }
}

uint32_t pf_flame_child(pf_flame_tree *t, uint32_t parent, uint32_t name)
{
    if ((t->n + 1) * 2 > t->n_child_slots) child_rehash(t, t->n_child_slots ? t->n_child_slots * 2 : 64);
    size_t h = hash_pair(parent, name) & (t->n_child_slots - 1);
    for (; t->child_slots[h]; h = (h + 1) & (t->n_child_slots - 1)) {
        const fnode *c = &t->nodes[t->child_slots[h] - 1];
        if (c->parent == parent && c->name == name) return t->child_slots[h] - 1;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->nodes = pf_xrealloc(t->nodes, t->cap * sizeof(fnode));
    }
    uint32_t id = t->n++;
    t->nodes[id] = (fnode){name, parent, NONE, t->nodes[parent].first_child, 0};
    t->nodes[parent].first_child = id;
    t->child_slots[h] = id + 1;
    return id;
}

static pf_flame_tree *tree_new(pf_flame_store *s, uint64_t minute, uint32_t max_nodes)
{
    pf_flame_tree *t = pf_xcalloc(1, sizeof(*t));
    t->store = s;
    t->minute = minute;
    t->max_nodes = max_nodes;
    uint32_t root = pf_flame_intern(t, "total", 5);
    t->cap = 64;
    t->nodes = pf_xmalloc(t->cap * sizeof(fnode));
    t->nodes[0] = (fnode){root, NONE, NONE, NONE, 0};
    t->n = 1;
    return t;
}

static void tree_free(pf_flame_tree *t)
{
    if (!t) return;
    for (uint32_t i = 0; i < t->n_names; i++) free(t->names[i]);
    free(t->names);
    free(t->name_len);
    free(t->name_slots);
    free(t->child_slots);
    free(t->nodes);
    free(t);
}

static int64_t *totals_of(const pf_flame_tree *t, const int64_t *self)
{
    int64_t *tot = pf_xmalloc((t->n ? t->n : 1) * sizeof(int64_t));
    for (uint32_t i = 0; i < t->n; i++) tot[i] = self ? self[i] : t->nodes[i].self;
    for (uint32_t i = t->n; i-- > 1;) tot[t->nodes[i].parent] += tot[i];
    return tot;
}

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Keeps the nodes with the largest totals (at most max_nodes / 4 besides the root); each dropped
 * subtree's total goes to an "other" child of its kept parent, one per parent, so the pruned tree has
 * at most half of max_nodes and a stack of pf_flame_max_depth() frames always fits afterwards. */
static void prune(pf_flame_tree *t)
{
    int64_t *tot = totals_of(t, NULL);
    uint32_t keep_n = t->max_nodes / 4 ? t->max_nodes / 4 : 1;
    int64_t threshold = INT64_MIN;
    if (t->n - 1 > keep_n) {
        int64_t *sorted = pf_xmalloc((t->n - 1) * sizeof(int64_t));
        memcpy(sorted, tot + 1, (t->n - 1) * sizeof(int64_t));
        qsort(sorted, t->n - 1, sizeof(int64_t), cmp_desc);
        threshold = sorted[keep_n - 1];
        /* Ties at the threshold would keep too many: require strictly more then. */
        size_t ge = 0;
        while (ge < t->n - 1 && sorted[ge] >= threshold) ge++;
        if (ge > keep_n) threshold++;
        free(sorted);
    }
    pf_flame_tree *n = tree_new(t->store, t->minute, t->max_nodes);
    uint32_t *map = pf_xmalloc(t->n * sizeof(uint32_t));
    int64_t *other = pf_xcalloc(t->n, sizeof(int64_t)); /* by old parent id */
    map[0] = 0;
    n->nodes[0].self = t->nodes[0].self;
    for (uint32_t i = 1; i < t->n; i++) {
        uint32_t p = t->nodes[i].parent;
        if (map[p] != NONE && tot[i] >= threshold) {
            uint32_t name = pf_flame_intern(n, t->names[t->nodes[i].name], t->name_len[t->nodes[i].name]);
            map[i] = pf_flame_child(n, map[p], name);
            n->nodes[map[i]].self += t->nodes[i].self;
        } else {
            map[i] = NONE;
            if (map[p] != NONE) other[p] += tot[i];
        }
    }
    uint32_t other_name = NONE;
    for (uint32_t i = 0; i < t->n; i++) {
        if (!other[i]) continue;
        if (other_name == NONE) other_name = pf_flame_intern(n, "other", 5);
        n->nodes[pf_flame_child(n, map[i], other_name)].self += other[i];
    }
    free(map);
    free(other);
    free(tot);
    n->samples = t->samples;
    n->profiles = t->profiles;
    n->total = t->total;
    n->generation = t->generation + 1;
    n->bytes = t->bytes;
    n->counted_nodes = t->counted_nodes;
    /* Swap contents so callers' pointers to t stay valid. */
    pf_flame_tree tmp = *t;
    *t = *n;
    *n = tmp;
    tree_free(n);
}

void pf_flame_make_room(pf_flame_tree *t, size_t depth)
{
    if (t->n + depth > t->max_nodes) prune(t);
}

size_t pf_flame_max_depth(const pf_flame_tree *t)
{
    size_t d = t->max_nodes / 4;
    return d < PF_FLAME_MAX_DEPTH ? d : PF_FLAME_MAX_DEPTH;
}

uint32_t pf_flame_tree_generation(const pf_flame_tree *t) { return t->generation; }

void pf_flame_add_self(pf_flame_tree *t, uint32_t node, int64_t value)
{
    t->nodes[node].self += value;
    t->total += value;
}

void pf_flame_count(pf_flame_tree *t, int64_t samples, int64_t profiles)
{
    t->samples += samples;
    t->profiles += profiles;
    /* Keep the store's figures current without walking every tree. */
    pf_flame_store *s = t->store;
    if (!s) return;
    size_t bytes = tree_bytes(t);
    s->bytes = s->bytes - t->bytes + bytes;
    s->nodes = s->nodes - t->counted_nodes + t->n;
    t->bytes = bytes;
    t->counted_nodes = t->n;
}

void pf_flame_add_stack(pf_flame_tree *t, const char *const *frames, size_t n, int64_t value)
{
    size_t max = pf_flame_max_depth(t);
    if (n > max) n = max;
    pf_flame_make_room(t, n);
    uint32_t node = 0;
    for (size_t i = 0; i < n; i++) node = pf_flame_child(t, node, pf_flame_intern(t, frames[i], strlen(frames[i])));
    pf_flame_add_self(t, node, value);
    pf_flame_count(t, 1, 0);
}

/* ---- stores ---- */

void pf_flame_store_publish(pf_flame_store *s)
{
    pf_metric_set(s->m_bytes, (double)s->bytes);
    pf_metric_set(s->m_nodes, (double)s->nodes);
    pf_metric_set(s->m_series, (double)s->n_series);
}

void pf_flame_store_account(pf_flame_store *s)
{
    size_t bytes = sizeof(*s) + s->n_series * (sizeof(fseries) + s->ring_size * sizeof(pf_flame_tree *)), nodes = 0;
    for (size_t i = 0; i < s->n_series; i++) {
        bytes += strlen(s->series[i].service) + strlen(s->series[i].type) + 2;
        for (size_t k = 0; k < s->ring_size; k++) {
            pf_flame_tree *t = s->series[i].ring[k];
            if (!t) continue;
            t->bytes = tree_bytes(t);
            t->counted_nodes = t->n;
            bytes += t->bytes;
            nodes += t->n;
        }
    }
    s->bytes = bytes;
    s->nodes = nodes;
    pf_flame_store_publish(s);
}

static void series_free(pf_flame_store *s, fseries *se)
{
    for (size_t k = 0; k < s->ring_size; k++) tree_free(se->ring[k]);
    free(se->ring);
    free(se->service);
    free(se->type);
}

static void drop_all(pf_flame_store *s)
{
    for (size_t i = 0; i < s->n_series; i++) series_free(s, &s->series[i]);
    free(s->series);
    s->series = NULL;
    s->n_series = 0;
}

static size_t ring_for(const pf_flame_limits *l)
{
    uint64_t minutes = ((uint64_t)l->retention_ns + MINUTE_NS - 1) / MINUTE_NS;
    return (size_t)(minutes ? minutes : 1) + 1;
}

pf_flame_store *pf_flame_store_acquire(const char *name, const pf_flame_limits *limits)
{
    pf_flame_store *s = stores;
    while (s && strcmp(s->name, name) != 0) s = s->next;
    if (!s) {
        s = pf_xcalloc(1, sizeof(*s));
        s->name = pf_xstrdup(name);
        char *labels = pf_xasprintf("exporter=\"%s\"", name);
        s->m_bytes = pf_gauge("proflow_exporter_flamegraph_memory_bytes",
                              "Memory held by the flame-graph aggregation (trees, names, indexes).", labels);
        s->m_nodes =
            pf_gauge("proflow_exporter_flamegraph_nodes", "Call-tree nodes held over all minute trees.", labels);
        s->m_series = pf_gauge("proflow_exporter_flamegraph_series", "(service, profile type) pairs held.", labels);
        free(labels);
        s->next = stores;
        stores = s;
    }
    s->refs++;
    size_t ring = ring_for(limits);
    if (ring != s->ring_size || limits->max_nodes != s->lim.max_nodes) drop_all(s);
    s->lim = *limits;
    s->ring_size = ring;
    pf_flame_store_account(s);
    return s;
}

void pf_flame_store_release(pf_flame_store *s)
{
    if (!s || --s->refs > 0) return;
    pf_flame_store **p = &stores;
    while (*p != s) p = &(*p)->next;
    *p = s->next;
    drop_all(s);
    char *labels = pf_xasprintf("exporter=\"%s\"", s->name);
    pf_metric_remove("proflow_exporter_flamegraph_memory_bytes", labels);
    pf_metric_remove("proflow_exporter_flamegraph_nodes", labels);
    pf_metric_remove("proflow_exporter_flamegraph_series", labels);
    free(labels);
    free(s->name);
    free(s);
}

pf_flame_store *pf_flame_store_find(const char *name)
{
    if (name) {
        for (pf_flame_store *s = stores; s; s = s->next)
            if (strcmp(s->name, name) == 0) return s;
        return NULL;
    }
    return stores && !stores->next ? stores : NULL;
}

const char *pf_flame_store_name(const pf_flame_store *s) { return s->name; }

size_t pf_flame_store_memory(const pf_flame_store *s) { return s->bytes; }

size_t pf_flame_store_nodes(const pf_flame_store *s) { return s->nodes; }

/* Frees minute trees older than the retention and series left without any. */
static void expire(pf_flame_store *s, uint64_t now_minute)
{
    if (now_minute == s->last_expire_minute) return;
    s->last_expire_minute = now_minute;
    uint64_t oldest = now_minute >= s->ring_size - 1 ? now_minute - (s->ring_size - 1) : 0;
    size_t kept = 0;
    for (size_t i = 0; i < s->n_series; i++) {
        fseries *se = &s->series[i];
        bool any = false;
        for (size_t k = 0; k < s->ring_size; k++) {
            if (se->ring[k] && se->ring[k]->minute < oldest) {
                tree_free(se->ring[k]);
                se->ring[k] = NULL;
            }
            any |= se->ring[k] != NULL;
        }
        if (any)
            s->series[kept++] = *se;
        else
            series_free(s, se);
    }
    s->n_series = kept;
    pf_flame_store_account(s);
}

pf_flame_tree *pf_flame_tree_for(pf_flame_store *s, const char *service, const char *type, uint64_t time_unix_nano,
                                 uint64_t now_unix_nano, const char **reason)
{
    uint64_t now_minute = now_unix_nano / MINUTE_NS;
    expire(s, now_minute);
    uint64_t t = time_unix_nano && time_unix_nano <= now_unix_nano ? time_unix_nano : now_unix_nano;
    uint64_t minute = t / MINUTE_NS;
    if (minute + (s->ring_size - 1) < now_minute) {
        *reason = "outside_retention";
        return NULL;
    }
    fseries *se = NULL;
    size_t services = 0, types = 0;
    bool known_service = false;
    size_t sl = strlen(service);
    uint64_t h = pf_hash_bytes(service, sl) * 31 + pf_hash_bytes(type, strlen(type));
    for (size_t i = 0; i < s->n_series; i++)
        if (s->series[i].hash == h && strcmp(s->series[i].service, service) == 0 &&
            strcmp(s->series[i].type, type) == 0)
            se = &s->series[i];
    for (size_t i = 0; i < s->n_series && !se; i++) {
        bool same = strcmp(s->series[i].service, service) == 0;
        if (same && strcmp(s->series[i].type, type) == 0) {
            se = &s->series[i];
            break;
        }
        if (same) {
            known_service = true;
            types++;
        } else {
            bool first = true; /* count each service once: only at its first series */
            for (size_t k = 0; k < i && first; k++) first = strcmp(s->series[k].service, s->series[i].service) != 0;
            services += first;
        }
    }
    if (!se) {
        if (!known_service && services >= (size_t)s->lim.max_services) {
            *reason = "max_services";
            return NULL;
        }
        if (types >= PF_FLAME_MAX_TYPES) {
            *reason = "max_types";
            return NULL;
        }
        s->series = pf_xrealloc(s->series, (s->n_series + 1) * sizeof(fseries));
        se = &s->series[s->n_series++];
        *se = (fseries){pf_xstrdup(service), pf_xstrdup(type), h, pf_xcalloc(s->ring_size, sizeof(pf_flame_tree *)), 0};
    }
    pf_flame_tree **slot = &se->ring[minute % s->ring_size];
    if (*slot && (*slot)->minute != minute) {
        tree_free(*slot); /* an expired minute the last sweep has not reached yet */
        *slot = NULL;
        pf_flame_store_account(s);
    }
    if (!*slot) *slot = tree_new(s, minute, (uint32_t)s->lim.max_nodes);
    if (minute * MINUTE_NS > se->last_seen) se->last_seen = minute * MINUTE_NS;
    return *slot;
}

/* ---- views ---- */

struct pf_flame_view {
    pf_flame_tree *t;
    int64_t *base;           /* baseline self per node (NULL without one) */
    int64_t *tot, *base_tot; /* computed once merged */
};

static void merge_into(pf_flame_tree *dst, const pf_flame_tree *src)
{
    uint32_t *map = pf_xmalloc(src->n * sizeof(uint32_t));
    map[0] = 0;
    for (uint32_t i = 0; i < src->n; i++) {
        if (i) {
            uint32_t name = pf_flame_intern(dst, src->names[src->nodes[i].name], src->name_len[src->nodes[i].name]);
            map[i] = pf_flame_child(dst, map[src->nodes[i].parent], name);
        }
        dst->nodes[map[i]].self += src->nodes[i].self;
    }
    free(map);
}

static void merge_window(pf_flame_store *s, const fseries *se, uint64_t from, uint64_t until, pf_flame_tree *dst)
{
    uint64_t first = from / MINUTE_NS, last = (until + MINUTE_NS - 1) / MINUTE_NS; /* [first, last) */
    for (size_t k = 0; k < s->ring_size; k++) {
        const pf_flame_tree *t = se->ring[k];
        if (t && t->minute >= first && t->minute < last) merge_into(dst, t);
    }
}

pf_flame_view *pf_flame_query(pf_flame_store *s, const char *service, const char *type, uint64_t from, uint64_t until,
                              uint64_t base_from, uint64_t base_until, uint64_t now_unix_nano)
{
    expire(s, now_unix_nano / MINUTE_NS);
    const fseries *se = NULL;
    for (size_t i = 0; i < s->n_series && !se; i++)
        if (strcmp(s->series[i].service, service) == 0 && strcmp(s->series[i].type, type) == 0) se = &s->series[i];
    if (!se) return NULL;
    pf_flame_view *v = pf_xcalloc(1, sizeof(*v));
    v->t = tree_new(NULL, 0, UINT32_MAX);
    bool with_base = base_from < base_until;
    if (with_base) {
        merge_window(s, se, base_from, base_until, v->t);
        v->base = pf_xcalloc(v->t->n, sizeof(int64_t));
        for (uint32_t i = 0; i < v->t->n; i++) {
            v->base[i] = v->t->nodes[i].self;
            v->t->nodes[i].self = 0;
        }
    }
    uint32_t before = v->t->n;
    merge_window(s, se, from, until, v->t);
    if (with_base) {
        v->base = pf_xrealloc(v->base, (v->t->n ? v->t->n : 1) * sizeof(int64_t));
        for (uint32_t i = before; i < v->t->n; i++) v->base[i] = 0;
        v->base_tot = totals_of(v->t, v->base);
    }
    v->tot = totals_of(v->t, NULL);
    return v;
}

void pf_flame_view_free(pf_flame_view *v)
{
    if (!v) return;
    tree_free(v->t);
    free(v->base);
    free(v->tot);
    free(v->base_tot);
    free(v);
}

int64_t pf_flame_view_total(const pf_flame_view *v, int which)
{
    return which ? (v->base_tot ? v->base_tot[0] : 0) : v->tot[0];
}

static const pf_flame_view *sort_view;

static int cmp_children(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int64_t vx = sort_view->tot[x] + (sort_view->base_tot ? sort_view->base_tot[x] : 0);
    int64_t vy = sort_view->tot[y] + (sort_view->base_tot ? sort_view->base_tot[y] : 0);
    if (vx != vy) return vx > vy ? -1 : 1;
    return strcmp(sort_view->t->names[sort_view->t->nodes[x].name], sort_view->t->names[sort_view->t->nodes[y].name]);
}

/* Children of node, sorted by value (largest first); caller frees. */
static uint32_t *children_of(const pf_flame_view *v, uint32_t node, size_t *n)
{
    size_t count = 0;
    for (uint32_t c = v->t->nodes[node].first_child; c != NONE; c = v->t->nodes[c].next_sibling) count++;
    uint32_t *kids = pf_xmalloc((count ? count : 1) * sizeof(uint32_t));
    size_t i = 0;
    for (uint32_t c = v->t->nodes[node].first_child; c != NONE; c = v->t->nodes[c].next_sibling) kids[i++] = c;
    sort_view = v;
    qsort(kids, count, sizeof(uint32_t), cmp_children);
    *n = count;
    return kids;
}

static json_t *node_json(const pf_flame_view *v, uint32_t node, bool with_base)
{
    const pf_flame_tree *t = v->t;
    json_t *j = json_pack("{s:s, s:I, s:I}", "name", t->names[t->nodes[node].name], "value", (json_int_t)v->tot[node],
                          "self", (json_int_t)t->nodes[node].self);
    if (with_base && v->base) {
        json_object_set_new(j, "base", json_integer(v->base_tot[node]));
        json_object_set_new(j, "base_self", json_integer(v->base[node]));
    }
    size_t n;
    uint32_t *kids = children_of(v, node, &n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, node_json(v, kids[i], with_base));
    free(kids);
    json_object_set_new(j, "children", arr);
    return j;
}

json_t *pf_flame_view_json(const pf_flame_view *v, bool with_base) { return node_json(v, 0, with_base); }

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void pf_flame_view_collapsed(const pf_flame_view *v, bool with_base, pf_buf *out)
{
    const pf_flame_tree *t = v->t;
    char **lines = pf_xmalloc(t->n * sizeof(char *));
    size_t n_lines = 0;
    pf_buf path = {0};
    uint32_t *chain = pf_xmalloc((t->n ? t->n : 1) * sizeof(uint32_t));
    for (uint32_t i = 1; i < t->n; i++) {
        int64_t base = with_base && v->base ? v->base[i] : 0;
        if (!t->nodes[i].self && !base) continue;
        size_t depth = 0;
        for (uint32_t c = i; c != 0; c = t->nodes[c].parent) chain[depth++] = c;
        pf_buf_reset(&path);
        while (depth--) pf_buf_printf(&path, "%s%s", path.len ? ";" : "", t->names[t->nodes[chain[depth]].name]);
        lines[n_lines++] = with_base && v->base
                               ? pf_xasprintf("%s %lld %lld", path.data, (long long)base, (long long)t->nodes[i].self)
                               : pf_xasprintf("%s %lld", path.data, (long long)t->nodes[i].self);
    }
    qsort(lines, n_lines, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n_lines; i++) {
        pf_buf_printf(out, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    free(chain);
    pf_buf_free(&path);
}

json_t *pf_flame_services_json(pf_flame_store *s, uint64_t window_ns, uint64_t now_unix_nano)
{
    uint64_t now_minute = now_unix_nano / MINUTE_NS;
    expire(s, now_minute);
    uint64_t from = now_unix_nano > window_ns ? (now_unix_nano - window_ns) / MINUTE_NS : 0;
    double seconds = (double)window_ns / 1e9;
    json_t *services = json_array();
    for (size_t i = 0; i < s->n_series; i++) {
        const fseries *se = &s->series[i];
        int64_t total = 0, samples = 0, profiles = 0;
        for (size_t k = 0; k < s->ring_size; k++) {
            const pf_flame_tree *t = se->ring[k];
            if (!t || t->minute < from) continue;
            total += t->total;
            samples += t->samples;
            profiles += t->profiles;
        }
        if (!profiles && !samples) continue;
        json_t *svc = NULL;
        for (size_t k = 0; k < json_array_size(services); k++) {
            json_t *c = json_array_get(services, k);
            if (strcmp(json_string_value(json_object_get(c, "name")), se->service) == 0) svc = c;
        }
        if (!svc) {
            svc = json_pack("{s:s, s:[]}", "name", se->service, "types");
            json_array_append_new(services, svc);
        }
        const char *unit = strrchr(se->type, ':');
        char when[32];
        time_t at = (time_t)(se->last_seen / 1000000000u);
        struct tm tm;
        gmtime_r(&at, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_array_append_new(json_object_get(svc, "types"),
                              json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:s}", "type", se->type, "unit",
                                        unit ? unit + 1 : "", "total", (json_int_t)total, "samples",
                                        (json_int_t)samples, "profiles", (json_int_t)profiles, "rate_per_second",
                                        (double)total / seconds, "samples_per_second", (double)samples / seconds,
                                        "last_seen", when));
    }
    return json_pack("{s:o, s:f}", "services", services, "window_seconds", seconds);
}
