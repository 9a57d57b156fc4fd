/* payload.h — gzip detection for /ingest payloads: pprof, JFR, labels and text bodies may be
 * gzip-compressed without any Content-Encoding (the pprof file convention), so the magic bytes decide.
 *
 * The inflated copy lives in the caller's arena. */
#ifndef PF_PYRO_PAYLOAD_H
#define PF_PYRO_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "receivers/pyroscope/ingest/ingest.h"

/* Sets *out and *out_len to the payload itself, or to its inflated copy when it starts with the gzip
 * magic. `what` names the payload in error messages. */
pf_pyro_status pf_pyro_maybe_gunzip(const char *what, const uint8_t *p, size_t len, size_t max_out, pf_arena *a,
                                    const uint8_t **out, size_t *out_len, char *err, size_t errlen);

#endif
