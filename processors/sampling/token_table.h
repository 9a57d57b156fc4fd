/* token_table.h — a bounded table of token buckets keyed by byte strings (series, tenants), used for
 * max_profiles_per_minute and max_bytes_per_second.
 *
 * A bucket holds at most `capacity` tokens and refills at `rate` tokens per second; a take that finds
 * too few tokens fails and takes nothing, so excess is dropped, never queued. The table never holds
 * more than max_entries buckets: buckets are kept in least-recently-used order, a bucket idle long
 * enough to be full again is forgotten (a new one starts full, so nothing is lost), and when the table
 * is full the least recently used bucket is evicted even if not full (counted in evictions()).
 *
 * Ownership: token_table_new() returns a table the caller frees with token_table_free(); keys are
 * copied. Loop thread only. */
#ifndef PF_SAMPLING_TOKEN_TABLE_H
#define PF_SAMPLING_TOKEN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct token_table token_table;

token_table *token_table_new(size_t max_entries);
void token_table_free(token_table *t);

/* Takes `cost` tokens from the bucket of key (created full when absent) at monotonic time now_ns.
 * Returns false (taking nothing) when the bucket holds fewer than cost tokens. */
bool token_table_take(token_table *t, const void *key, size_t key_len, double rate, double capacity, double cost,
                      uint64_t now_ns);

size_t token_table_size(const token_table *t);
/* Buckets evicted before they were full again because the table was at max_entries. */
uint64_t token_table_evictions(const token_table *t);

#endif
