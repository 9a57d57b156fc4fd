/* jfr.h — JFR recordings into pprof Profiles the way Pyroscope's JFR converter splits them:
 *   jdk.ExecutionSample (not STATE_SLEEPING) -> process_cpu  cpu/nanoseconds (count x 1e9/sampleRate)
 *   ExecutionSample when ActiveSetting event=wall, profiler.WallClockSample -> wall wall/nanoseconds
 *   jdk.ObjectAllocationInNewTLAB  -> memory alloc_in_new_tlab_objects/count + alloc_in_new_tlab_bytes/bytes
 *   jdk.ObjectAllocationOutsideTLAB-> memory alloc_outside_tlab_objects/count + alloc_outside_tlab_bytes/bytes
 *   jdk.ObjectAllocationSample     -> memory alloc_sample_objects/count + alloc_sample_bytes/bytes (weight)
 *   jdk.JavaMonitorEnter           -> mutex contentions/count + delay/nanoseconds
 *   jdk.ThreadPark                 -> block contentions/count + delay/nanoseconds
 *   profiler.LiveObject            -> memory live/count
 * Frames are "package/Class.method" with line numbers; samples carry the LabelsSnapshot context
 * labels when given. Unlike Pyroscope, events without a stack trace are kept (empty stack) so the
 * profile totals equal the recording's. Each Profile comes with Pyroscope's series labels (jfr_event = the recording's
 * "event" setting, e.g. cpu / itimer / wall, when present).
 *
 * Everything is allocated in the caller's arena. */
#ifndef PF_PYRO_JFR_H
#define PF_PYRO_JFR_H

#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/jfr/labels.h"

/* labels may be NULL. False with a message on malformed input. */
bool pf_pyro_decode_jfr(const uint8_t *jfr, size_t len, const pf_jfr_labels *labels, const pf_pyro_query *q,
                        pf_arena *a, pf_pyro_profile **profiles, size_t *n_profiles, char *err, size_t errlen);

#endif
