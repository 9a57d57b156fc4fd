/* delta.c — cumulative-to-delta conversion for scraped pprofs (see delta.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/base/xalloc.h"
#include "pipeline/base/hash.h"
#include "pipeline/base/map.h"
#include "receivers/pprof/delta.h"

#define MAX_CUMULATIVE 8

typedef struct key128 {
    uint64_t a, b;
} key128;

/* Sample keys of one profile with their totals: entry e has keys[e] and totals[e * n_cum ...]; the
 * index finds an entry by key. Entries are at most the profile's samples, so the arrays never grow. */
typedef struct totals_table {
    key128 *keys;
    int64_t *totals;
    uint32_t *first_sample; /* while building: the sample that carries the key's delta */
    size_t count;
    pf_map index;
} totals_table;

struct pf_scrape_delta {
    totals_table prev;
    bool primed;
    size_t n_cum;
    size_t cum_pos[MAX_CUMULATIVE]; /* sample-type positions of the cumulative types, last profile */
    char signature[256];            /* the cumulative types of the previous profile, "alloc_objects/count,..." */
    uint64_t prev_scrape_unix_nano; /* when the baseline was scraped */
    uint64_t window_start_unix_nano, window_duration_nano; /* what the last delta covers */
    size_t n_stamped; /* cumulative types of the last profile applied; 0 when it had none */
};

static const char *const cumulative_types[] = {"alloc_objects", "alloc_space", "contentions", "delay", NULL};

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

static void key_add(key128 *k, uint64_t v)
{
    k->a = mix(k->a, v);
    k->b = mix(k->b ^ 0x5851F42D4C957F2Dull, v + 1);
}

static void key_add_str(key128 *k, const char *s)
{
    uint64_t h = pf_hash_str(s);
    k->a = mix(k->a, mix(0x243F6A8885A308D3ull, h));
    k->b = mix(k->b, mix(0x13198A2E03707344ull, h));
}

/* A location by content: address, and function name, file and line of each line. */
static key128 location_key(const pf_pprof *pp, const pprof_location *l)
{
    key128 k = {0x3C6EF372FE94F82Bull, 0xA54FF53A5F1D36F1ull};
    key_add(&k, l->address);
    for (size_t j = 0; j < l->n_line; j++) {
        const pprof_function *f = pf_pprof_function(pp, l->line[j]->function_id);
        if (f) {
            key_add_str(&k, pf_pprof_string(pp, f->name));
            key_add_str(&k, pf_pprof_string(pp, f->filename));
        }
        key_add(&k, (uint64_t)l->line[j]->line);
    }
    return k;
}

/* Location keys of one profile, each computed once: samples share most of their locations. */
typedef struct location_keys {
    key128 *keys; /* by location position */
    bool *done;
} location_keys;

static key128 sample_key(const pf_pprof *pp, location_keys *lk, const pprof_sample *s)
{
    key128 k = {0x6A09E667F3BCC908ull, 0xBB67AE8584CAA73Bull};
    for (size_t i = 0; i < s->n_location_id; i++) {
        uint32_t pos = 0;
        pf_idmap_get(pp->location_pos, s->location_id[i], &pos); /* validated: always present */
        if (!lk->done[pos]) {
            lk->keys[pos] = location_key(pp, pp->p->location[pos]);
            lk->done[pos] = true;
        }
        key_add(&k, lk->keys[pos].a);
        key_add(&k, lk->keys[pos].b);
    }
    /* Labels: order-independent (summed), so a writer's label order does not matter. */
    uint64_t la = 0, lb = 0;
    for (size_t i = 0; i < s->n_label; i++) {
        const pprof_label *l = s->label[i];
        key128 lk = {1, 2};
        key_add_str(&lk, pf_pprof_string(pp, l->key));
        key_add_str(&lk, pf_pprof_string(pp, l->str));
        key_add(&lk, (uint64_t)l->num);
        key_add_str(&lk, pf_pprof_string(pp, l->num_unit));
        la += lk.a, lb += lk.b;
    }
    key_add(&k, la);
    key_add(&k, lb);
    return k;
}

static void table_init(totals_table *t, size_t samples, size_t n_cum)
{
    size_t cap = samples ? samples : 1;
    t->keys = pf_xmalloc(cap * sizeof(*t->keys));
    t->totals = pf_xcalloc(cap * (n_cum ? n_cum : 1), sizeof(*t->totals));
    t->first_sample = pf_xmalloc(cap * sizeof(*t->first_sample));
    t->count = 0;
    pf_map_init(&t->index, NULL);
}

static void table_free(totals_table *t)
{
    free(t->keys);
    free(t->totals);
    free(t->first_sample);
    pf_map_free(&t->index);
    memset(t, 0, sizeof(*t));
}

static bool entry_has_key(const void *ctx, uint32_t entry, const void *key)
{
    const key128 *have = &((const totals_table *)ctx)->keys[entry], *want = key;
    return have->a == want->a && have->b == want->b;
}

static uint64_t entry_hash(const void *ctx, uint32_t entry) { return ((const totals_table *)ctx)->keys[entry].a; }

/* Entry of key; added (totals zero) when absent and `insert`, else SIZE_MAX when absent. */
static size_t table_slot(totals_table *t, key128 k, bool insert, bool *inserted)
{
    uint32_t e = pf_map_find(&t->index, k.a, &k, entry_has_key, t);
    if (e != PF_MAP_NONE) return e;
    if (!insert) return SIZE_MAX;
    e = (uint32_t)t->count++;
    t->keys[e] = k;
    pf_map_add(&t->index, k.a, e, 16, entry_hash, t);
    *inserted = true;
    return e;
}

pf_scrape_delta *pf_scrape_delta_new(void) { return pf_xcalloc(1, sizeof(pf_scrape_delta)); }

void pf_scrape_delta_free(pf_scrape_delta *d)
{
    if (!d) return;
    table_free(&d->prev);
    free(d);
}

size_t pf_scrape_delta_keys(const pf_scrape_delta *d) { return d->prev.count; }

static bool is_cumulative(const char *type)
{
    for (size_t i = 0; cumulative_types[i]; i++)
        if (strcmp(type, cumulative_types[i]) == 0) return true;
    return false;
}

/* Positions of the cumulative sample types and a signature naming them. */
static size_t find_cumulative(const pf_pprof *pp, size_t *pos, char *sig, size_t sig_len)
{
    size_t n = 0, used = 0;
    sig[0] = '\0';
    for (size_t i = 0; i < pp->p->n_sample_type && n < MAX_CUMULATIVE; i++) {
        const char *type = pf_pprof_string(pp, pp->p->sample_type[i]->type);
        if (!is_cumulative(type)) continue;
        pos[n++] = i;
        int w = snprintf(sig + used, sig_len - used, "%zu:%s/%s,", i, type,
                         pf_pprof_string(pp, pp->p->sample_type[i]->unit));
        if (w > 0 && (size_t)w < sig_len - used) used += (size_t)w;
    }
    return n;
}

static bool all_zero(const pprof_sample *s)
{
    for (size_t i = 0; i < s->n_value; i++)
        if (s->value[i]) return false;
    return true;
}

bool pf_scrape_delta_apply(pf_scrape_delta *d, pf_pprof *pp, uint64_t scrape_unix_nano)
{
    size_t pos[MAX_CUMULATIVE];
    char sig[sizeof(d->signature)];
    size_t n_cum = find_cumulative(pp, pos, sig, sizeof(sig));
    d->n_stamped = 0;
    if (n_cum == 0) return true;
    bool comparable = d->primed && d->n_cum == n_cum && strcmp(d->signature, sig) == 0;

    pprof_profile *p = pp->p;
    totals_table cur;
    table_init(&cur, p->n_sample, n_cum);
    size_t *slot_of = pf_xcalloc(p->n_sample ? p->n_sample : 1, sizeof(*slot_of));
    size_t n_loc = p->n_location ? p->n_location : 1;
    location_keys lk = {pf_xmalloc(n_loc * sizeof(*lk.keys)), pf_xcalloc(n_loc, sizeof(*lk.done))};
    for (size_t i = 0; i < p->n_sample; i++) {
        bool inserted = false;
        size_t slot = table_slot(&cur, sample_key(pp, &lk, p->sample[i]), true, &inserted);
        if (inserted) cur.first_sample[slot] = (uint32_t)i;
        for (size_t t = 0; t < n_cum; t++) cur.totals[slot * n_cum + t] += p->sample[i]->value[pos[t]];
        slot_of[i] = slot;
    }
    if (comparable) {
        /* The delta of a key goes on its first sample; duplicates of the key carry 0. */
        for (size_t i = 0; i < p->n_sample; i++) {
            size_t slot = slot_of[i];
            bool first = cur.first_sample[slot] == i;
            bool ignored;
            size_t prev = first ? table_slot(&d->prev, cur.keys[slot], false, &ignored) : SIZE_MAX;
            for (size_t t = 0; t < n_cum; t++) {
                int64_t now = cur.totals[slot * n_cum + t];
                int64_t before = prev == SIZE_MAX ? 0 : d->prev.totals[prev * n_cum + t];
                p->sample[i]->value[pos[t]] = !first ? 0 : now >= before ? now - before : now;
            }
        }
        size_t kept = 0;
        for (size_t i = 0; i < p->n_sample; i++)
            if (!all_zero(p->sample[i])) p->sample[kept++] = p->sample[i];
        p->n_sample = kept;
    }
    free(slot_of);
    free(lk.keys);
    free(lk.done);
    table_free(&d->prev);
    d->prev = cur;
    d->primed = true;
    d->n_cum = n_cum;
    memcpy(d->cum_pos, pos, n_cum * sizeof(*pos));
    memcpy(d->signature, sig, sizeof(sig));
    if (comparable) {
        d->n_stamped = n_cum;
        d->window_start_unix_nano = d->prev_scrape_unix_nano;
        /* A wall clock stepping back must not wrap the duration around. */
        d->window_duration_nano =
            scrape_unix_nano > d->prev_scrape_unix_nano ? scrape_unix_nano - d->prev_scrape_unix_nano : 0;
    }
    d->prev_scrape_unix_nano = scrape_unix_nano;
    return comparable;
}

void pf_scrape_delta_stamp(const pf_scrape_delta *d, otlp_scope_profiles *scope)
{
    /* Every sample type of a delta profile gets the window, inuse_* snapshots included: the types of
     * one scrape then stay one pprof downstream, as in Go's own server-side ?seconds= delta. */
    if (!d->n_stamped) return;
    for (size_t i = 0; i < scope->n_profiles; i++) {
        scope->profiles[i]->time_unix_nano = d->window_start_unix_nano;
        scope->profiles[i]->duration_nano = d->window_duration_nano;
    }
}
