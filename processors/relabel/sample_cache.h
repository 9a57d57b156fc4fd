/* sample_cache.h — the outcome of sample_relabel_configs per distinct attribute_indices list of one
 * batch. A sample's labels come only from its attribute_indices, and most samples of a batch share a
 * few lists, so the relabel processor relabels each distinct list once and reuses the outcome.
 *
 * Ownership: the cache is the caller's (zero-initialized, e.g. on the stack); its tables are malloc'd
 * and released by sample_cache_free. Keys and outcomes point into the batch's arena and are not
 * copied: the batch outlives the cache, and a key array must not change while the cache is used. */
#ifndef PF_RELABEL_SAMPLE_CACHE_H
#define PF_RELABEL_SAMPLE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/map.h"

typedef struct sample_outcome {
    bool dropped;
    bool edited;      /* the labels changed: indices is the edited list */
    int32_t *indices; /* batch arena */
    size_t n;
} sample_outcome;

typedef struct sample_cache_entry sample_cache_entry; /* private to sample_cache.c */

typedef struct sample_cache {
    sample_cache_entry *entries;
    size_t n, cap;
    pf_map index; /* list -> entry */
} sample_cache;

/* The outcome remembered for the list idx[0..n); NULL when there is none. Valid until the next put. */
const sample_outcome *sample_cache_get(const sample_cache *c, const int32_t *idx, size_t n);
/* Remembers the outcome for the list idx[0..n), which has none yet. */
void sample_cache_put(sample_cache *c, const int32_t *idx, size_t n, sample_outcome outcome);
void sample_cache_free(sample_cache *c);

#endif
