/* series_pb.h — the one walk from series of gzipped pprofs (series_pprof.h) to the protobuf of the
 * series-based write APIs. Pyroscope's push.v1.PushRequest and Parca's WriteRawRequest have one shape:
 *
 *   Request          { repeated RawProfileSeries series = <series_field>; }
 *   RawProfileSeries { <labels> = 1; repeated RawSample samples = 2; }
 *   RawSample        { bytes raw_profile = 1; string ID = 2; }   (ID only when sample_id is set)
 *
 * where <labels> is either repeated Label{name = 1, value = 2} (push.v1: types.v1.LabelPair) or one
 * LabelSet{repeated Label labels = 1} (Parca). One RawProfileSeries per run of equal labels
 * (pf_series_run), one RawSample per pprof. The bytes are what protobuf-c packs for the same
 * message: fields in number order, empty strings left out.
 *
 * Ownership: appends to the caller's buffer; reads `s` only. */
#ifndef PF_SERIES_PB_H
#define PF_SERIES_PB_H

#include <stdbool.h>
#include <stdint.h>

#include "exporters/helper/series_pprof.h"

typedef struct pf_series_pb_shape {
    uint32_t series_field;           /* the request's field number of `series` */
    bool label_set;                  /* labels wrapped in one LabelSet message */
    void (*sample_id)(char out[37]); /* writes each RawSample's ID (36 chars + NUL); NULL: no ID */
} pf_series_pb_shape;

void pf_series_pb_encode(const pf_series_pprofs *s, const pf_series_pb_shape *shape, pf_buf *out);

#endif
