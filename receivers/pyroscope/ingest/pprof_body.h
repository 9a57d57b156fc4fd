/* pprof_body.h — pprof /ingest payloads: a raw (optionally gzipped) pprof Profile plus the optional
 * `sample_type_config` JSON of the multipart form, into one pf_pyro_profile whose __name__ is
 * inferred from the sample types like Pyroscope does (wall, process_cpu, memory, mutex, block,
 * goroutines; sample_type_config "display-name" overrides the name used for the inference).
 * A profile whose time_nanos is unset (or in 1970) gets the query's `from`.
 *
 * The Profile is unpacked into the caller's arena. */
#ifndef PF_PYRO_PPROF_BODY_H
#define PF_PYRO_PPROF_BODY_H

#include "receivers/pyroscope/ingest/ingest.h"

/* stc_json may be NULL. An empty pprof payload yields zero profiles. */
pf_pyro_status pf_pyro_decode_pprof(const uint8_t *data, size_t len, const uint8_t *stc_json, size_t stc_len,
                                    const pf_pyro_query *q, size_t max_decompressed, pf_arena *a,
                                    pf_pyro_profile **profiles, size_t *n_profiles, char *err, size_t errlen);

#endif
