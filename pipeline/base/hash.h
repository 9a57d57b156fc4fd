/* hash.h — the project's one 64-bit hash: FNV-1a over the bytes, then the splitmix64 finalizer so
 * every output bit depends on every input bit (FNV alone leaves the high bits weak for short keys that
 * differ only at the end). Hash tables, the sampling decisions and the override ids all use it.
 *
 * Its outputs must never change: sampling decisions are documented in terms of it
 * (processors/sampling/sampler.h: unit(h) = (mix64(fnv1a(text)) >> 11) / 2^53), so a release that
 * changed it would sample other series. Header-only; no allocation. */
#ifndef PF_HASH_H
#define PF_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The FNV-1a offset basis: where a hash starts. */
#define PF_HASH_SEED 0xcbf29ce484222325ULL

/* Continues an FNV-1a state h with n more bytes (start from PF_HASH_SEED). */
static inline uint64_t pf_hash_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* The splitmix64 finalizer: ends a hash (or spreads any 64-bit value). */
static inline uint64_t pf_hash_mix64(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9ULL;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z;
}

/* The hash of n bytes. */
static inline uint64_t pf_hash_bytes(const void *data, size_t n)
{
    return pf_hash_mix64(pf_hash_fnv1a(PF_HASH_SEED, data, n));
}

/* The hash of a NUL-terminated string (without its NUL). */
static inline uint64_t pf_hash_str(const char *s) { return pf_hash_bytes(s, strlen(s)); }

#endif
