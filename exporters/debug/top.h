/* top.h — per-function flat and cumulative totals of one profile, like `go tool pprof -top`, for the
 * debug exporter's detailed verbosity.
 *
 * flat: value of samples whose leaf frame (first line of the first location: the innermost inlined
 * function) is the function. cum: value of samples whose stack contains the function anywhere,
 * counted once per sample even when it recurses. Functions are grouped by name; a location without
 * line information is named by its address ("0x4010a0").
 *
 * Ownership: debug_top_compute fills a caller-owned debug_top; debug_top_free releases its rows.
 * Names point into the batch (or into the rows' owned names), so the batch must outlive the result. */
#ifndef PF_DEBUG_TOP_H
#define PF_DEBUG_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/map.h"

#include "pipeline/model/batch.h"

typedef struct debug_top_row {
    const char *name; /* into the batch, or owned_name */
    char *owned_name; /* malloc'd name of a location without lines ("0x4010a0") */
    int64_t flat, cum;
    size_t last_sample; /* 1 + index of the last sample counted in cum */
} debug_top_row;

typedef struct debug_top {
    debug_top_row *rows;
    size_t n_rows, cap_rows;
    int64_t total; /* sum over all samples */
    pf_map index;  /* name -> row; private */
} debug_top;

/* Value of one sample: the sum of its values, or its timestamp count when it has none. */
int64_t debug_sample_value(const otlp_sample *s);

void debug_top_compute(const pf_batch *b, const otlp_profile *p, debug_top *out);
/* Row indices ordered by flat (by_cum false) or cum (true), largest first, ties by name; at most
 * `max` of them are written to order. Returns how many. */
size_t debug_top_order(const debug_top *t, bool by_cum, size_t *order, size_t max);
void debug_top_free(debug_top *t);

#endif
