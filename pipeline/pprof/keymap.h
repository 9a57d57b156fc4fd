/* keymap.h — a byte-string → uint64 hash map for the pyroscope decoders (interning strings,
 * functions, locations, samples and JFR constant-pool ids while building pprof).
 *
 * Ownership: everything (entries, index and key copies) lives in the pf_arena given to
 * pf_keymap_init(); there is no free — the map dies with the arena. Growing leaves the old arrays in
 * the arena, which bounds the waste to the size of the final ones. A value pointer is valid until the
 * next put. */
#ifndef PF_PYRO_KEYMAP_H
#define PF_PYRO_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"
#include "pipeline/base/map.h"

typedef struct pf_keymap_entry {
    const uint8_t *key; /* a copy in the arena */
    size_t key_len;
    uint64_t hash;
    uint64_t value;
} pf_keymap_entry;

typedef struct pf_keymap {
    pf_arena *arena;
    pf_keymap_entry *entries; /* in insertion order */
    size_t count, cap;
    pf_map index; /* key -> entry */
} pf_keymap;

void pf_keymap_init(pf_keymap *m, pf_arena *a);

/* Returns the value slot for key, inserting `value_if_new` (and copying the key) when absent;
 * *inserted tells which happened. */
uint64_t *pf_keymap_put(pf_keymap *m, const void *key, size_t key_len, uint64_t value_if_new, bool *inserted);

/* NULL when absent. */
uint64_t *pf_keymap_get(const pf_keymap *m, const void *key, size_t key_len);

/* Convenience for integer keys (JFR constant ids). */
uint64_t *pf_keymap_put_u64(pf_keymap *m, uint64_t key, uint64_t value_if_new, bool *inserted);
uint64_t *pf_keymap_get_u64(const pf_keymap *m, uint64_t key);

#endif
