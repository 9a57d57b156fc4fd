/* write_raw.h — private to exporters/parca: parca.profilestore.v1alpha1.WriteRawRequest encoding.
 *
 * One RawProfileSeries per run of equal labels (series_pprof.h; every label starting with "__"
 * other than __name__ is left out, since Parca requires valid Prometheus names without reserved
 * ones), one RawSample per pprof (raw_profile = the gzipped pprof, whose ids run 1..n as Parca
 * requires). `normalized` stays false: pprof addresses are as the profiled process saw them.
 *
 * Ownership: appends to the caller's buffer. */
#ifndef PF_PARCA_WRITE_RAW_H
#define PF_PARCA_WRITE_RAW_H

#include "exporters/helper/series_pprof.h"

#define PF_PARCA_WRITE_RAW_METHOD "/parca.profilestore.v1alpha1.ProfileStoreService/WriteRaw"

void pf_parca_write_raw_encode(const pf_series_pprofs *s, pf_buf *out);

#endif
