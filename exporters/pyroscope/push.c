/* push.c — push.v1.PushRequest encoding for the pyroscope exporter (see pyroscope_exporter.h). */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "exporters/pyroscope/pyroscope_exporter.h"
#include "push/v1/push.pb-c.h"

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
    Push__V1__PushRequest req = PUSH__V1__PUSH_REQUEST__INIT;
    Push__V1__RawProfileSeries *series = pf_xcalloc(s->n + 1, sizeof(*series));
    Push__V1__RawProfileSeries **series_ptrs = pf_xcalloc(s->n + 1, sizeof(*series_ptrs));
    Push__V1__RawSample *samples = pf_xcalloc(s->n + 1, sizeof(*samples));
    Push__V1__RawSample **sample_ptrs = pf_xcalloc(s->n + 1, sizeof(*sample_ptrs));
    char (*ids)[37] = pf_xcalloc(s->n + 1, sizeof(*ids));
    size_t n_labels = 0;
    for (size_t i = 0; i < s->n; i += pf_series_run(s, i)) n_labels += s->items[i].labels.n;
    Types__V1__LabelPair *labels = pf_xcalloc(n_labels + 1, sizeof(*labels));
    Types__V1__LabelPair **label_ptrs = pf_xcalloc(n_labels + 1, sizeof(*label_ptrs));

    size_t used_labels = 0;
    for (size_t i = 0; i < s->n;) {
        size_t run = pf_series_run(s, i);
        Push__V1__RawProfileSeries *ser = &series[req.n_series];
        *ser = (Push__V1__RawProfileSeries)PUSH__V1__RAW_PROFILE_SERIES__INIT;
        const pf_labels *ls = &s->items[i].labels;
        ser->labels = &label_ptrs[used_labels];
        ser->n_labels = ls->n;
        for (size_t k = 0; k < ls->n; k++, used_labels++) {
            labels[used_labels] = (Types__V1__LabelPair)TYPES__V1__LABEL_PAIR__INIT;
            labels[used_labels].name = ls->items[k].name;
            labels[used_labels].value = ls->items[k].value;
            label_ptrs[used_labels] = &labels[used_labels];
        }
        ser->samples = &sample_ptrs[i];
        ser->n_samples = run;
        for (size_t k = i; k < i + run; k++) {
            samples[k] = (Push__V1__RawSample)PUSH__V1__RAW_SAMPLE__INIT;
            samples[k].raw_profile.data = (uint8_t *)s->items[k].pprof.gzipped.data;
            samples[k].raw_profile.len = s->items[k].pprof.gzipped.len;
            pf_uuid_v4(ids[k]);
            samples[k].id = ids[k];
            sample_ptrs[k] = &samples[k];
        }
        series_ptrs[req.n_series++] = ser;
        i += run;
    }
    req.series = series_ptrs;
    size_t len = push__v1__push_request__get_packed_size(&req);
    pf_buf_reserve(out, len);
    out->len += push__v1__push_request__pack(&req, (uint8_t *)out->data + out->len);
    free(label_ptrs);
    free(labels);
    free(ids);
    free(sample_ptrs);
    free(samples);
    free(series_ptrs);
    free(series);
}
