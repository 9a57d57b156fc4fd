/* write_raw.c — WriteRawRequest encoding for the parca exporter (see write_raw.h): the series walk of
 * exporters/helper/series_pb.h with Parca's shape (series = 2, labels in a LabelSet, no sample IDs). */
#include "exporters/parca/write_raw.h"

#include "exporters/helper/series_pb.h"

void pf_parca_write_raw_encode(const pf_series_pprofs *s, pf_buf *out)
{
    static const pf_series_pb_shape write_raw = {.series_field = 2, .label_set = true};
    pf_series_pb_encode(s, &write_raw, out);
}
