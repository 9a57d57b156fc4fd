/* flame_store.h — stacks aggregated per (service, profile type, minute) with bounded memory, shared by
 * the `flamegraph` exporter (which writes) and the `flamegraph` extension (which reads). The two
 * components never include each other's headers: they meet here, by store name (the exporter's id).
 *
 * A tree is a call tree of frame names, root first; each node has a `self` value (samples whose leaf
 * it is); totals are computed when needed. Limits:
 *   max_services  distinct service names with data; samples of further services are dropped
 *                 (counted, reason "max_services"); at most PF_FLAME_MAX_TYPES types per service;
 *   retention     minutes older than this are freed (and samples stamped older are dropped, reason
 *                 "outside_retention");
 *   max_nodes     nodes per minute tree: a full tree is pruned to at most half of it by keeping the
 *                 quarter of nodes with the largest totals; the totals of the others go to an "other" child of
 *                 their nearest kept ancestor, so every tree's total stays exact.
 * Memory in use is tracked to the byte (node arrays, name strings, hash tables).
 *
 * Time: a profile's minute comes from its time_unix_nano (the receive time when that is 0 or in the
 * future); windows are [from, until) in unix nanoseconds, rounded out to whole minutes.
 *
 * Ownership: stores are reference counted by name; trees returned by queries (pf_flame_view) belong to
 * the caller (pf_flame_view_free). Single-threaded (the loop thread). */
#ifndef PF_FLAME_STORE_H
#define PF_FLAME_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/xalloc.h"

#define PF_FLAME_MAX_TYPES 32
#define PF_FLAME_MAX_DEPTH 1024
#define PF_FLAME_MAX_NAME  512

typedef struct pf_flame_limits {
    int64_t max_services;
    int64_t retention_ns;
    int64_t max_nodes;
} pf_flame_limits;

typedef struct pf_flame_store pf_flame_store;
typedef struct pf_flame_tree pf_flame_tree;

/* The store called `name`, created on first use; limits are (re)applied. */
pf_flame_store *pf_flame_store_acquire(const char *name, const pf_flame_limits *limits);
void pf_flame_store_release(pf_flame_store *s);
/* Readers: the store `name`, or with name NULL the only one (NULL when there are none or several). */
pf_flame_store *pf_flame_store_find(const char *name);
const char *pf_flame_store_name(const pf_flame_store *s);
size_t pf_flame_store_memory(const pf_flame_store *s);
size_t pf_flame_store_nodes(const pf_flame_store *s);

/* ---- writing ---- */

/* The tree of (service, type) for the minute of time_unix_nano; NULL when the sample is to be dropped
 * (*reason says why: "max_services", "max_types", "outside_retention"). now_unix_nano: the clock. */
pf_flame_tree *pf_flame_tree_for(pf_flame_store *s, const char *service, const char *type, uint64_t time_unix_nano,
                                 uint64_t now_unix_nano, const char **reason);
/* Node and name ids are valid until the tree is pruned, which changes pf_flame_tree_generation.
 * Call pf_flame_make_room(t, depth) before adding a stack of `depth` frames (it may prune); after that
 * the stack's nodes fit. The root is node 0. */
uint32_t pf_flame_tree_generation(const pf_flame_tree *t);
void pf_flame_make_room(pf_flame_tree *t, size_t depth);
/* Deepest stack worth adding (deeper ones are cut below this many root frames). */
size_t pf_flame_max_depth(const pf_flame_tree *t);
uint32_t pf_flame_intern(pf_flame_tree *t, const char *name, size_t len);
/* The child of `parent` with name id `name`, created when new. */
uint32_t pf_flame_child(pf_flame_tree *t, uint32_t parent, uint32_t name);
void pf_flame_add_self(pf_flame_tree *t, uint32_t node, int64_t value);
/* Counts samples / profiles for the services listing and brings the store's memory and node figures
 * up to date for this tree (call after each profile). */
void pf_flame_count(pf_flame_tree *t, int64_t samples, int64_t profiles);
/* Sets the memory/nodes/series gauges from the figures (cheap); _account recounts every tree first. */
void pf_flame_store_publish(pf_flame_store *s);
void pf_flame_store_account(pf_flame_store *s);

/* Adds one stack given as names root first (tests, benchmarks). */
void pf_flame_add_stack(pf_flame_tree *t, const char *const *frames, size_t n, int64_t value);

/* ---- reading ---- */

typedef struct pf_flame_view pf_flame_view;

/* Merged trees of (service, type) over [from, until); with base_from < base_until also the baseline
 * window as a second value. NULL when the series is unknown. */
pf_flame_view *pf_flame_query(pf_flame_store *s, const char *service, const char *type, uint64_t from, uint64_t until,
                              uint64_t base_from, uint64_t base_until, uint64_t now_unix_nano);
void pf_flame_view_free(pf_flame_view *v);
int64_t pf_flame_view_total(const pf_flame_view *v, int which);
/* {"name": "total", "value": <total>, "self": ..., "children": [...]} children sorted by value, largest
 * first; with a baseline also "base" and "base_self" on every node. */
json_t *pf_flame_view_json(const pf_flame_view *v, bool with_base);
/* Brendan Gregg's collapsed stacks: "a;b;c <self>\n", or with a baseline "a;b;c <base> <value>\n"
 * (difffolded.pl's order). Lines sorted. */
void pf_flame_view_collapsed(const pf_flame_view *v, bool with_base, pf_buf *out);

/* {"services": [{"name", "types": [{"type", "unit", "total", "samples", "profiles", "rate_per_second",
 *  "samples_per_second", "last_seen"}]}], "window_seconds"} over the last `window_ns`. */
json_t *pf_flame_services_json(pf_flame_store *s, uint64_t window_ns, uint64_t now_unix_nano);

#endif
