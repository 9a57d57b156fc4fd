/* encode.h — private to pipeline/pprof: builds one pprof from a group of OTLP Profiles that share
 * time, duration, period and profile attributes and have distinct sample types (from_batch.c forms
 * the groups). */
#ifndef PF_PPROF_ENCODE_H
#define PF_PPROF_ENCODE_H

#include "pipeline/pprof/pprof.h"

/* Fills item->gzipped (appends), item->n_samples, item->time_unix_nano and item->duration_nano.
 * The caller fills the rest. Returns false with err set on an unresolvable reference. */
bool pf_pprof_encode_group(const pf_batch *b, const otlp_scope_profiles *sp, otlp_profile *const *members,
                           size_t n_members, pf_series_pprof_item *item, char *err, size_t err_len);

#endif
