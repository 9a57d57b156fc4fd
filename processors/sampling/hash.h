/* hash.h — the 64-bit hash behind sampling decisions and the bucket tables: FNV-1a over the bytes,
 * then the splitmix64 finalizer so every output bit depends on every input bit (FNV alone leaves the
 * high bits weak for short keys that differ only at the end). Header-only; no allocation. */
#ifndef PF_SAMPLING_HASH_H
#define PF_SAMPLING_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SAMPLING_FNV_OFFSET 0xcbf29ce484222325ULL

/* Continues an FNV-1a state with n more bytes (start from SAMPLING_FNV_OFFSET). */
static inline uint64_t sampling_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static inline uint64_t sampling_mix64(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9ULL;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z;
}

#endif
