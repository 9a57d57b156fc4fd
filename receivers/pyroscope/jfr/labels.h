/* labels.h — the `labels` part of a JFR /ingest form: Pyroscope's LabelsSnapshot protobuf
 *   message Context        { map<int64, int64> labels = 1; }            // string id -> string id
 *   message LabelsSnapshot { map<int64, Context> contexts = 1;            // context id -> labels
 *                            map<int64, string> strings = 2; }            // string id -> text
 * decoded by hand (the message is tiny and not in proto/). A sample's contextId selects a Context;
 * its pairs become pprof string labels.
 *
 * Ownership: everything lives in the arena given to pf_jfr_labels_decode(). */
#ifndef PF_PYRO_JFR_LABELS_H
#define PF_PYRO_JFR_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"
#include "pipeline/pprof/keymap.h"
#include "pipeline/pprof/builder.h"

typedef struct pf_jfr_context {
    pf_pprof_str_label *labels; /* resolved through the string table */
    size_t n;
} pf_jfr_context;

typedef struct pf_jfr_labels {
    pf_keymap contexts; /* context id -> (pf_jfr_context *) */
} pf_jfr_labels;

bool pf_jfr_labels_decode(const uint8_t *p, size_t len, pf_arena *a, pf_jfr_labels *out, char *err, size_t errlen);

/* NULL when the id has no context. */
const pf_jfr_context *pf_jfr_labels_context(const pf_jfr_labels *l, uint64_t context_id);

#endif
