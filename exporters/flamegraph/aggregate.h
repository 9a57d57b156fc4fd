/* aggregate.h — folds a batch's samples into a flame store (pipeline/component/flame_store.h): for every
 * profile, the tree of (service.name, "<type>:<sample type>:<unit>", minute of the profile's time),
 * each sample's stack walked root first (locations from the outermost, inlined lines from the
 * outermost), functions named by name (system name when empty), locations without lines by address.
 * A stack already seen in the same profile resolves to its leaf node through a per-batch cache, so
 * the common cost per sample is one lookup and one addition.
 *
 * Ownership: the batch is only read. */
#ifndef PF_EXPORTER_FLAMEGRAPH_AGGREGATE_H
#define PF_EXPORTER_FLAMEGRAPH_AGGREGATE_H

#include "pipeline/model/batch.h"
#include "pipeline/component/flame_store.h"

typedef struct flamegraph_drops {
    size_t max_services, max_types, outside_retention; /* samples */
} flamegraph_drops;

/* Returns the number of samples aggregated. */
size_t flamegraph_aggregate(pf_flame_store *s, const pf_batch *b, uint64_t now_unix_nano, flamegraph_drops *drops);

#endif
