/* delta.h — client-side delta of cumulative pprof sample types between consecutive scrapes of one
 * target and profile (Go's allocs, mutex and block profiles only ever grow).
 *
 * Cumulative types are alloc_objects, alloc_space, contentions and delay; every other type (inuse_*,
 * goroutine, cpu …) passes through untouched. Samples are matched across scrapes by content (stack
 * addresses, function names, files and lines, labels), not by pprof ids, which Go renumbers on every
 * scrape. Only what the next delta needs is kept: a 128-bit key and the cumulative totals per key.
 *
 * Ownership: pf_pprof_delta_new() returns a state the caller frees with pf_pprof_delta_free(). */
#ifndef PF_RECEIVER_PPROF_DELTA_H
#define PF_RECEIVER_PPROF_DELTA_H

#include <stdbool.h>

#include "pipeline/pprof/pprof.h"

typedef struct pf_pprof_delta pf_pprof_delta;

pf_pprof_delta *pf_pprof_delta_new(void);
void pf_pprof_delta_free(pf_pprof_delta *d);

/* Rewrites pp's cumulative values in place into the growth since the previous profile given to this
 * state (a key whose total went down counts from zero again: the process restarted), and removes
 * samples left with only zero values. Returns false when the profile only primed the baseline (the
 * first one with cumulative types, or one whose cumulative types changed): nothing should be sent. */
bool pf_pprof_delta_apply(pf_pprof_delta *d, pf_pprof *pp);

/* Number of sample keys remembered (for tests and memory accounting). */
size_t pf_pprof_delta_keys(const pf_pprof_delta *d);

#endif
