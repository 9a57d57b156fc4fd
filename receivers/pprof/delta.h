/* delta.h — client-side delta of cumulative pprof sample types between consecutive scrapes of one
 * target and profile (Go's allocs, mutex and block profiles only ever grow).
 *
 * Cumulative types are alloc_objects, alloc_space, contentions and delay; every other type (inuse_*,
 * goroutine, cpu …) passes through untouched. Samples are matched across scrapes by content (stack
 * addresses, function names, files and lines, labels), not by pprof ids, which Go renumbers on every
 * scrape. Only what the next delta needs is kept: a 128-bit key and the cumulative totals per key.
 *
 * A delta covers the time from the previous scrape to this one, which the profile itself does not say
 * (Go's allocs, mutex and block profiles carry no duration): the caller passes each scrape's time, and
 * pf_scrape_delta_stamp() writes that window onto every OTLP Profile of a delta profile (its inuse_*
 * snapshot too, so one scrape stays one pprof downstream).
 *
 * Ownership: pf_scrape_delta_new() returns a state the caller frees with pf_scrape_delta_free(). */
#ifndef PF_RECEIVER_PPROF_DELTA_H
#define PF_RECEIVER_PPROF_DELTA_H

#include <stdbool.h>

#include <stdint.h>

#include "pipeline/model/otlp.h"
#include "pipeline/pprof/pprof.h"

typedef struct pf_scrape_delta pf_scrape_delta;

pf_scrape_delta *pf_scrape_delta_new(void);
void pf_scrape_delta_free(pf_scrape_delta *d);

/* Rewrites pp's cumulative values in place into the growth since the previous profile given to this
 * state (a key whose total went down counts from zero again: the process restarted), and removes
 * samples left with only zero values. scrape_unix_nano is when pp was scraped (the caller's clock);
 * it becomes the start of the next window. Returns false when the profile only primed the baseline
 * (the first one with cumulative types, or one whose cumulative types changed): nothing should be
 * sent. */
bool pf_scrape_delta_apply(pf_scrape_delta *d, pf_pprof *pp, uint64_t scrape_unix_nano);

/* After pf_scrape_delta_apply() returned true for pp, and scope was made from pp by pf_pprof_to_otlp()
 * (one Profile per sample type, in order): sets time_unix_nano to the previous scrape's time and
 * duration_nano to the time between the two scrapes on the Profiles of the cumulative types. Profiles
 * of the other types (inuse_*, goroutine, cpu …) keep the pprof's own time and duration. */
void pf_scrape_delta_stamp(const pf_scrape_delta *d, otlp_scope_profiles *scope);

/* Number of sample keys remembered (for tests and memory accounting). */
size_t pf_scrape_delta_keys(const pf_scrape_delta *d);

#endif
