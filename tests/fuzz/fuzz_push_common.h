/* fuzz_push_common.h — a decoded push.v1.PushRequest through what receivers/pyroscope/push_handler.c
 * does with it: each series' labels (a __name__ required), each RawSample's raw_profile through
 * pyro_batch_add_pprof into one batch, which must validate strictly and survive the exporters. */
#ifndef PF_FUZZ_PUSH_COMMON_H
#define PF_FUZZ_PUSH_COMMON_H

#include "push/v1/push.pb-c.h"
#include "tests/fuzz/fuzz_pyro_common.h"

static inline void fuzz_push_request(const Push__V1__PushRequest *pr, pf_arena *a)
{
    pf_batch *b = pf_batch_new();
    char err[512] = "";
    for (size_t i = 0; i < pr->n_series; i++) {
        const Push__V1__RawProfileSeries *s = pr->series[i];
        pf_pyro_labels labels = {pf_arena_alloc(a, (s->n_labels + 1) * sizeof(pf_pyro_label)), s->n_labels};
        bool named = false;
        for (size_t k = 0; k < s->n_labels; k++) {
            labels.items[k] = (pf_pyro_label){s->labels[k]->name ? s->labels[k]->name : "",
                                              s->labels[k]->value ? s->labels[k]->value : ""};
            if (strcmp(labels.items[k].name, "__name__") == 0 && *labels.items[k].value) named = true;
        }
        if (!named) {
            pf_batch_unref(b);
            return;
        }
        for (size_t j = 0; j < s->n_samples; j++) {
            const ProtobufCBinaryData *raw = &s->samples[j]->raw_profile;
            if (!pyro_batch_add_pprof(b, a, &labels, raw->data, raw->len, FUZZ_PYRO_MAX, err, sizeof(err))) {
                FUZZ_CHECK(err[0] != '\0', "refusal without a message");
                pf_batch_unref(b);
                return;
            }
        }
    }
    FUZZ_CHECK(pf_batch_validate(b, NULL, err, sizeof(err)), "decoded push is not a valid batch: %s", err);
    fuzz_check_validated_batch(b);
    pf_batch_unref(b);
}

#endif
