/* write_raw.c — WriteRawRequest encoding for the parca exporter (see write_raw.h). */
#include "exporters/parca/write_raw.h"

#include <stdlib.h>

#include "parca/profilestore/v1alpha1/profilestore.pb-c.h"

typedef Parca__Profilestore__V1alpha1__WriteRawRequest write_raw_request;
typedef Parca__Profilestore__V1alpha1__RawProfileSeries raw_series;
typedef Parca__Profilestore__V1alpha1__LabelSet label_set;
typedef Parca__Profilestore__V1alpha1__Label label;
typedef Parca__Profilestore__V1alpha1__RawSample raw_sample;

void pf_parca_write_raw_encode(const pf_series_pprofs *s, pf_buf *out)
{
    write_raw_request req = PARCA__PROFILESTORE__V1ALPHA1__WRITE_RAW_REQUEST__INIT;
    raw_series *series = pf_xcalloc(s->n + 1, sizeof(*series));
    raw_series **series_ptrs = pf_xcalloc(s->n + 1, sizeof(*series_ptrs));
    label_set *sets = pf_xcalloc(s->n + 1, sizeof(*sets));
    raw_sample *samples = pf_xcalloc(s->n + 1, sizeof(*samples));
    raw_sample **sample_ptrs = pf_xcalloc(s->n + 1, sizeof(*sample_ptrs));
    size_t n_labels = 0;
    for (size_t i = 0; i < s->n; i += pf_series_run(s, i)) n_labels += s->items[i].labels.n;
    label *labels = pf_xcalloc(n_labels + 1, sizeof(*labels));
    label **label_ptrs = pf_xcalloc(n_labels + 1, sizeof(*label_ptrs));

    size_t used_labels = 0;
    for (size_t i = 0; i < s->n;) {
        size_t run = pf_series_run(s, i);
        raw_series *ser = &series[req.n_series];
        label_set *set = &sets[req.n_series];
        *ser = (raw_series)PARCA__PROFILESTORE__V1ALPHA1__RAW_PROFILE_SERIES__INIT;
        *set = (label_set)PARCA__PROFILESTORE__V1ALPHA1__LABEL_SET__INIT;
        const pf_labels *ls = &s->items[i].labels;
        set->labels = &label_ptrs[used_labels];
        set->n_labels = ls->n;
        for (size_t k = 0; k < ls->n; k++, used_labels++) {
            labels[used_labels] = (label)PARCA__PROFILESTORE__V1ALPHA1__LABEL__INIT;
            labels[used_labels].name = ls->items[k].name;
            labels[used_labels].value = ls->items[k].value;
            label_ptrs[used_labels] = &labels[used_labels];
        }
        ser->labels = set;
        ser->samples = &sample_ptrs[i];
        ser->n_samples = run;
        for (size_t k = i; k < i + run; k++) {
            samples[k] = (raw_sample)PARCA__PROFILESTORE__V1ALPHA1__RAW_SAMPLE__INIT;
            samples[k].raw_profile.data = (uint8_t *)s->items[k].pprof.gzipped.data;
            samples[k].raw_profile.len = s->items[k].pprof.gzipped.len;
            sample_ptrs[k] = &samples[k];
        }
        series_ptrs[req.n_series++] = ser;
        i += run;
    }
    req.series = series_ptrs;
    size_t len = parca__profilestore__v1alpha1__write_raw_request__get_packed_size(&req);
    pf_buf_reserve(out, len);
    out->len += parca__profilestore__v1alpha1__write_raw_request__pack(&req, (uint8_t *)out->data + out->len);
    free(label_ptrs);
    free(labels);
    free(sample_ptrs);
    free(samples);
    free(sets);
    free(series_ptrs);
    free(series);
}
