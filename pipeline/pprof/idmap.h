/* idmap.h — uint64 key → uint32 value hash map, used by the pprof translation to resolve pprof ids
 * (mapping/location/function ids are arbitrary non-zero uint64) and OTLP dictionary indices without
 * scanning.
 *
 * Ownership: the map lives in the caller's arena (pf_idmap_new) and dies with it; there is no free.
 * Growing leaves the old arrays in the arena, which is fine for the short-lived scratch arenas this is
 * used with. Key 0 is reserved (never stored, never found): callers store non-zero keys only (pprof
 * ids are never 0, OTLP indices are stored as index + 1). */
#ifndef PF_PPROF_IDMAP_H
#define PF_PPROF_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"
#include "pipeline/base/map.h"

typedef struct pf_idmap {
    pf_arena *arena;
    uint64_t *keys;   /* by entry, in insertion order */
    uint32_t *values; /* by entry */
    size_t count, cap;
    pf_map index; /* key -> entry */
} pf_idmap;

/* Sized for `expected` keys; grows past that. */
pf_idmap *pf_idmap_new(pf_arena *a, size_t expected);
/* Inserts key → value. Returns false if the key was already present (value left unchanged). */
bool pf_idmap_put(pf_idmap *m, uint64_t key, uint32_t value);
/* Looks key up; false when absent. */
bool pf_idmap_get(const pf_idmap *m, uint64_t key, uint32_t *value);

#endif
