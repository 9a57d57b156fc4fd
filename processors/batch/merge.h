/* merge.h — building one request out of profiles of other requests, re-interning every dictionary
 * entry they reference (strings, functions, mappings, locations, stacks, links, attributes) so the
 * result is valid, self-contained and without duplicates; equal resources and equal scopes are merged
 * into one ResourceProfiles / ScopeProfiles. The batch processor merges with it, and splits by
 * copying slices of profiles into fresh builders.
 *
 * Ownership: a pf_merge owns its batch until pf_merge_take() hands it (one reference) to the caller;
 * pf_merge_free() releases what is left. Source batches are only read. Loop thread only. */
#ifndef PF_BATCH_MERGE_H
#define PF_BATCH_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/model/batch.h"
#include "pipeline/base/xalloc.h"

typedef struct pf_merge pf_merge;

/* meta_from: whose metadata (tenant, receiver, client, headers) the built batch carries. */
pf_merge *pf_merge_new(const pf_batch *meta_from);
void pf_merge_free(pf_merge *m);

/* Appends every profile of src. */
void pf_merge_add_batch(pf_merge *m, const pf_batch *src);
/* Appends samples [from, to) of one profile of src (with its resource and scope). */
void pf_merge_add_profile(pf_merge *m, const pf_batch *src, const otlp_resource_profiles *rp,
                          const otlp_scope_profiles *sp, const otlp_profile *p, size_t from, size_t to);

size_t pf_merge_samples(const pf_merge *m);
size_t pf_merge_profiles(const pf_merge *m);
/* The built batch (NULL when nothing was added); the merge is then spent: free it. */
pf_batch *pf_merge_take(pf_merge *m);

/* Splits src into pieces of at most max_samples samples (a bigger profile is cut into several
 * profiles with the same fields), calling emit for each piece in order; emit takes the reference.
 * Returns the number of pieces. */
size_t pf_batch_split(const pf_batch *src, size_t max_samples, void (*emit)(pf_batch *piece, void *data), void *data);

/* A canonical text of a value with string indices resolved (types tagged), for equality keys and
 * tests. */
void pf_any_value_render(pf_buf *out, const pf_batch *b, const otlp_any_value *v);

#endif
