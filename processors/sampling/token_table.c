/* token_table.c — token buckets in a fixed-size chained hash table with an intrusive LRU list
 * (see token_table.h). The slot array is sized once from max_entries, so memory is bounded. */
#include "processors/sampling/token_table.h"

#include <string.h>

#include "pipeline/base/xalloc.h"
#include "pipeline/base/hash.h"

typedef struct bucket {
    struct bucket *chain;         /* next in the same slot */
    struct bucket *newer, *older; /* LRU list */
    uint64_t hash;
    uint64_t last_ns;
    double tokens, rate, capacity;
    size_t key_len;
    unsigned char key[];
} bucket;

struct token_table {
    bucket **slots;
    size_t mask;
    size_t n, max_entries;
    bucket *newest, *oldest;
    uint64_t evictions;
};

token_table *token_table_new(size_t max_entries)
{
    token_table *t = pf_xcalloc(1, sizeof(*t));
    size_t slots = 16;
    while (slots < max_entries && slots < ((size_t)1 << 24)) slots <<= 1;
    t->slots = pf_xcalloc(slots, sizeof(bucket *));
    t->mask = slots - 1;
    t->max_entries = max_entries ? max_entries : 1;
    return t;
}

void token_table_free(token_table *t)
{
    if (!t) return;
    for (bucket *b = t->newest, *next; b; b = next) {
        next = b->older;
        free(b);
    }
    free(t->slots);
    free(t);
}

static void lru_unlink(token_table *t, bucket *b)
{
    if (b->newer)
        b->newer->older = b->older;
    else
        t->newest = b->older;
    if (b->older)
        b->older->newer = b->newer;
    else
        t->oldest = b->newer;
    b->newer = b->older = NULL;
}

static void lru_push_newest(token_table *t, bucket *b)
{
    b->older = t->newest;
    b->newer = NULL;
    if (t->newest) t->newest->newer = b;
    t->newest = b;
    if (!t->oldest) t->oldest = b;
}

static void remove_bucket(token_table *t, bucket *b)
{
    bucket **pp = &t->slots[b->hash & t->mask];
    while (*pp != b) pp = &(*pp)->chain;
    *pp = b->chain;
    lru_unlink(t, b);
    free(b);
    t->n--;
}

static double refilled(const bucket *b, uint64_t now_ns)
{
    double elapsed_s = now_ns > b->last_ns ? (double)(now_ns - b->last_ns) / 1e9 : 0;
    double tokens = b->tokens + elapsed_s * b->rate;
    return tokens < b->capacity ? tokens : b->capacity;
}

/* Forgets buckets that are full again: recreating them later gives the same answer. */
static void forget_idle(token_table *t, uint64_t now_ns)
{
    while (t->oldest && refilled(t->oldest, now_ns) >= t->oldest->capacity) remove_bucket(t, t->oldest);
}

static bucket *find(token_table *t, const void *key, size_t key_len, uint64_t h)
{
    for (bucket *b = t->slots[h & t->mask]; b; b = b->chain)
        if (b->hash == h && b->key_len == key_len && memcmp(b->key, key, key_len) == 0) return b;
    return NULL;
}

bool token_table_take(token_table *t, const void *key, size_t key_len, double rate, double capacity, double cost,
                      uint64_t now_ns)
{
    forget_idle(t, now_ns);
    uint64_t h = pf_hash_bytes(key, key_len);
    bucket *b = find(t, key, key_len, h);
    if (b) {
        b->tokens = refilled(b, now_ns);
        lru_unlink(t, b);
    } else {
        if (t->n >= t->max_entries) {
            remove_bucket(t, t->oldest);
            t->evictions++;
        }
        b = pf_xmalloc(sizeof(*b) + key_len);
        b->hash = h;
        b->key_len = key_len;
        memcpy(b->key, key, key_len);
        b->tokens = capacity;
        b->chain = t->slots[h & t->mask];
        t->slots[h & t->mask] = b;
        t->n++;
    }
    lru_push_newest(t, b);
    /* The rule in force may have changed since the last take: the current one sets the limits. */
    b->rate = rate;
    b->capacity = capacity;
    if (b->tokens > capacity) b->tokens = capacity;
    b->last_ns = now_ns;
    if (b->tokens < cost) return false;
    b->tokens -= cost;
    return true;
}

size_t token_table_size(const token_table *t) { return t->n; }

uint64_t token_table_evictions(const token_table *t) { return t->evictions; }
