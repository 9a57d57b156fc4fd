/* strtab.h — a pprof string_table under construction: de-duplicated, entry 0 is "".
 *
 * Ownership: the table and its slots live in the caller's arena. Strings are NOT copied: the caller
 * keeps every interned string alive until the table is no longer used (the OTLP → pprof encoder
 * interns strings of the batch it reads, which outlives the encoding). */
#ifndef PF_PPROF_STRTAB_H
#define PF_PPROF_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"
#include "pipeline/base/map.h"

typedef struct pf_strtab {
    pf_arena *arena;
    char **strings;
    size_t n, cap;
    pf_map index; /* string → its index in strings */
} pf_strtab;

void pf_strtab_init(pf_strtab *t, pf_arena *a);
int64_t pf_strtab_intern(pf_strtab *t, const char *s);

#endif
