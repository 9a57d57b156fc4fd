/* overrides.h — the dynamic overrides of one sampling processor id: added through the control API or
 * the Alertmanager webhook, each with an expiry, consulted (in creation order, first match wins)
 * before the configured overrides.
 *
 * Times are loop milliseconds (uv_now). Ownership: the store owns every override and its strings;
 * override_store_add() takes over the match map it is given. override_store_free() releases all. */
#ifndef PF_SAMPLING_OVERRIDES_H
#define PF_SAMPLING_OVERRIDES_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/relabel/relabel.h"
#include "processors/sampling/sampling_processor.h"

typedef struct sampling_override {
    uint64_t id;
    pf_strmap match; /* series label name → exact value; every pair must match */
    sampling_limits limits;
    uint64_t created_ms, expires_ms;
    const char *source; /* "api" or "alertmanager" (static strings) */
    char *fingerprint;  /* the alert's, for "alertmanager"; NULL otherwise */
    uint64_t kept, dropped;
} sampling_override;

typedef struct override_store {
    sampling_override *items; /* creation order */
    size_t n, cap;
} override_store;

sampling_override *override_store_add(override_store *s, uint64_t id, pf_strmap *match, const sampling_limits *limits,
                                      uint64_t now_ms, uint64_t expires_ms, const char *source,
                                      const char *fingerprint);
/* False when no override has that id. */
bool override_store_remove(override_store *s, uint64_t id);
sampling_override *override_store_get(override_store *s, uint64_t id);
sampling_override *override_store_find_fingerprint(override_store *s, const char *fingerprint);
/* Removes overrides whose expiry is <= now_ms; returns how many. */
size_t override_store_expire(override_store *s, uint64_t now_ms);
/* Earliest expiry, or 0 when the store is empty. */
uint64_t override_store_next_expiry(const override_store *s);
/* First unexpired override whose match holds for ls; NULL when none. */
sampling_override *override_store_match(override_store *s, const pf_labels *ls, uint64_t now_ms);
void override_store_free(override_store *s);

/* True when every pair of match is a label of ls with exactly that value. */
bool sampling_match(const pf_strmap *match, const pf_labels *ls);

#endif
