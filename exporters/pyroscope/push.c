/* push.c — push.v1.PushRequest encoding for the pyroscope exporter (see pyroscope_exporter.h): the
 * series walk of exporters/helper/series_pb.h with push.v1's shape (series = 1, repeated LabelPair,
 * a UUID per sample). */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "exporters/pyroscope/pyroscope_exporter.h"
#include "exporters/helper/series_pb.h"

const char *const pf_pyroscope_reserved_labels[] = {"__delta__", NULL};

void pf_pyroscope_default_delta(pf_series_pprofs *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (!pf_labels_get(&s->items[i].labels, "__delta__")) pf_labels_set(&s->items[i].labels, "__delta__", "false");
}

void pf_uuid_v4(char out[37])
{
    uint8_t r[16];
    if (uv_random(NULL, NULL, r, sizeof(r), 0, NULL) != 0) {
        /* getrandom() does not fail once the kernel pool is initialised; rand() keeps IDs unique enough
         * for de-duplication if it ever does. */
        for (size_t i = 0; i < sizeof(r); i++) r[i] = (uint8_t)rand();
    }
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

void pf_pyroscope_push_encode(const pf_series_pprofs *s, pf_buf *out)
{
    static const pf_series_pb_shape push = {.series_field = 1, .sample_id = pf_uuid_v4};
    pf_series_pb_encode(s, &push, out);
}
