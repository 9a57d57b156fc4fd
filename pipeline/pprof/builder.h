/* builder.h — builds a pprof Profile (perftools.profiles) from stacks of function names, for
 * the decoders whose input is not pprof (folded/lines text, JFR).
 *
 * Functions are deduplicated by name, locations by (function, line), samples by (stack, labels):
 * adding a sample whose stack and labels were seen before adds its values to the existing sample
 * (saturating at INT64_MAX / INT64_MIN: each value was range-checked alone, their sum is not).
 *
 * Ownership: the builder and the Profile it returns live in the pf_arena passed to
 * pf_pprof_builder_new(); nothing is freed individually. */
#ifndef PF_PYRO_PPROF_BUILDER_H
#define PF_PYRO_PPROF_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"
#include "profile.pb-c.h"

typedef struct pf_pprof_builder pf_pprof_builder;

/* A string label on a sample; key and value are copied into the string table. */
typedef struct pf_pprof_str_label {
    const char *key;
    const char *value;
} pf_pprof_str_label;

pf_pprof_builder *pf_pprof_builder_new(pf_arena *a);

/* Appends a sample type; every sample then carries one value per sample type, in this order. */
void pf_pprof_builder_sample_type(pf_pprof_builder *b, const char *type, const char *unit);
void pf_pprof_builder_period(pf_pprof_builder *b, const char *type, const char *unit, int64_t period);
void pf_pprof_builder_time(pf_pprof_builder *b, int64_t time_nanos, int64_t duration_nanos);
/* Adds a mapping with id 1 and has_functions, which every location then references (JFR: the JVM). */
void pf_pprof_builder_single_mapping(pf_pprof_builder *b);

/* Location id for a frame named name[0..len) at `line` (0 = unknown). */
uint64_t pf_pprof_builder_location(pf_pprof_builder *b, const char *name, size_t len, int64_t line);

/* location_ids are leaf first; values has one entry per sample type. */
void pf_pprof_builder_add(pf_pprof_builder *b, const uint64_t *location_ids, size_t n_locations,
                          const pf_pprof_str_label *labels, size_t n_labels, const int64_t *values);

size_t pf_pprof_builder_sample_count(const pf_pprof_builder *b);

/* The finished Profile (the builder must not be used afterwards). */
Perftools__Profiles__Profile *pf_pprof_builder_finish(pf_pprof_builder *b);

#endif
