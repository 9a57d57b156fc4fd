/* config_map_internal.h — helpers shared by the config_map sources (apply, reference, scalars);
 * private to config/. Everything writes into caller-provided buffers; nothing is allocated. */
#ifndef PF_CONFIG_MAP_INTERNAL_H
#define PF_CONFIG_MAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "config/config_map.h"

/* Finite decimal/float text ("1.5", "-2", "1e3"); no inf/nan words. */
bool pf_cfg_parse_double(const char *s, double *out);
/* Go's Duration.String(): "1h0m0s", "1.5s", "200ms", "0s". */
void pf_cfg_format_duration(int64_t ns, char *buf, size_t n);
/* A min/max bound as the entry's type reads it (durations as Go durations, others as numbers). */
void pf_cfg_format_bound(const pf_cfg_entry *e, double v, char *buf, size_t n);

#endif
