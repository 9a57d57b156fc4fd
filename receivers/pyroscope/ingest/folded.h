/* folded.h — Pyroscope's text ingest formats into pprof: `format=folded`/`groups` ("a;b;c 123",
 * root first, the count after the last space) and `format=lines` (one stack per line, each counts 1).
 *
 * The single sample type comes from the name suffix (see name.h): cpu/wall become
 * cpu|wall/nanoseconds with period 1e9/sampleRate and every count multiplied by it, as Pyroscope's
 * ingest adapter does; other suffixes keep their sample type and unit with raw counts.
 *
 * The Profile is allocated in the caller's arena; the body is not referenced afterwards. */
#ifndef PF_PYRO_FOLDED_H
#define PF_PYRO_FOLDED_H

#include <stdbool.h>

#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/ingest/name.h"

/* NULL with a message (naming the line) on malformed input. */
Perftools__Profiles__Profile *pf_pyro_decode_folded(const uint8_t *body, size_t len, bool one_stack_per_line,
                                                    const pf_pyro_query *q, const pf_pyro_legacy_type *type,
                                                    pf_arena *a, char *err, size_t errlen);

#endif
