/* overrides.c — the store of dynamic sampling overrides (see overrides.h). A handful of overrides is
 * the expected size, so a plain array scanned in order is both simplest and fastest. */
#include "processors/sampling/overrides.h"

#include <string.h>

#include "pipeline/base/xalloc.h"

bool sampling_match(const pf_strmap *match, const pf_labels *ls)
{
    for (size_t i = 0; i < match->n; i++) {
        const char *have = pf_labels_get(ls, match->keys[i]);
        if (!have || strcmp(have, match->values[i]) != 0) return false;
    }
    return true;
}

sampling_override *override_store_add(override_store *s, uint64_t id, pf_strmap *match, const sampling_limits *limits,
                                      uint64_t now_ms, uint64_t expires_ms, const char *source, const char *fingerprint)
{
    PF_GROW(s->items, s->cap, s->n + 1, 8);
    sampling_override *o = &s->items[s->n++];
    *o = (sampling_override){.id = id,
                             .match = *match,
                             .limits = *limits,
                             .created_ms = now_ms,
                             .expires_ms = expires_ms,
                             .source = source,
                             .fingerprint = fingerprint ? pf_xstrdup(fingerprint) : NULL};
    *match = (pf_strmap){0};
    return o;
}

static void remove_at(override_store *s, size_t i)
{
    pf_strmap_free(&s->items[i].match);
    free(s->items[i].fingerprint);
    memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof(*s->items));
    s->n--;
}

bool override_store_remove(override_store *s, uint64_t id)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i].id != id) continue;
        remove_at(s, i);
        return true;
    }
    return false;
}

sampling_override *override_store_get(override_store *s, uint64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].id == id) return &s->items[i];
    return NULL;
}

sampling_override *override_store_find_fingerprint(override_store *s, const char *fingerprint)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].fingerprint && strcmp(s->items[i].fingerprint, fingerprint) == 0) return &s->items[i];
    return NULL;
}

size_t override_store_expire(override_store *s, uint64_t now_ms)
{
    size_t removed = 0;
    for (size_t i = s->n; i-- > 0;) {
        if (s->items[i].expires_ms > now_ms) continue;
        remove_at(s, i);
        removed++;
    }
    return removed;
}

uint64_t override_store_next_expiry(const override_store *s)
{
    uint64_t next = 0;
    for (size_t i = 0; i < s->n; i++)
        if (next == 0 || s->items[i].expires_ms < next) next = s->items[i].expires_ms;
    return next;
}

sampling_override *override_store_match(override_store *s, const pf_labels *ls, uint64_t now_ms)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].expires_ms > now_ms && sampling_match(&s->items[i].match, ls)) return &s->items[i];
    return NULL;
}

void override_store_free(override_store *s)
{
    while (s->n) remove_at(s, s->n - 1);
    free(s->items);
    *s = (override_store){0};
}
