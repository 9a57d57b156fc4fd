/* series.h — the labels of a profile series, and writing label changes back to the attributes they
 * came from.
 *
 * A series' labels are its resource attributes and profile attributes (a profile attribute wins over a
 * resource attribute of the same name), with names sanitized to [a-zA-Z0-9_] (service.name →
 * service_name), plus __name__ (the profile type as Pyroscope/Parca name it: process_cpu, memory, ...,
 * or an existing __name__ / profile.type attribute), __sample_type__ and __period_type__. The same
 * builder gives the labels of a sample (its attribute_indices).
 *
 * pf_series remembers where each label came from so that, after relabeling, pf_series_diff() turns the
 * changes into attribute edits: removed labels remove their own attribute, new and changed labels
 * become resource attributes (or, without a resource to edit, as for a sample's labels, attributes of
 * the profile or sample), and labels whose name starts with "__" are never written.
 *
 * Ownership: pf_series and pf_attr_edits own malloc'd copies (pf_series_free / pf_attr_edits_free).
 * Functions taking a pf_batch * allocate the edited protobuf arrays in the batch's arena; the batch
 * must be writable. */
#ifndef PF_SERIES_H
#define PF_SERIES_H

#include <stdbool.h>

#include "pipeline/model/batch.h"
#include "pipeline/relabel/relabel.h"

typedef enum pf_label_origin {
    PF_ORIGIN_SYNTHETIC, /* __name__, __sample_type__, __period_type__ */
    PF_ORIGIN_RESOURCE,  /* a resource attribute */
    PF_ORIGIN_ATTRS,     /* an entry of the profile's (or sample's) attribute_indices */
} pf_label_origin;

typedef struct pf_series_source {
    char *label; /* label name */
    char *key;   /* attribute key it came from */
    pf_label_origin origin;
} pf_series_source;

typedef struct pf_series {
    pf_labels labels;  /* relabel these */
    pf_labels initial; /* as built, for the diff */
    pf_series_source *sources;
    size_t n_sources, cap_sources;
    bool sanitize;
} pf_series;

/* A change to an attribute list: value NULL deletes the key. */
typedef struct pf_attr_edit {
    char *key;
    char *value;
} pf_attr_edit;

typedef struct pf_attr_edits {
    pf_attr_edit *items; /* sorted by key */
    size_t n, cap;
} pf_attr_edits;

/* Empties s (keeping allocations) and sets whether names are sanitized (label_name_sanitize). */
void pf_series_reset(pf_series *s, bool sanitize);
void pf_series_free(pf_series *s);
void pf_series_add_resource(pf_series *s, const pf_batch *b, const otlp_resource *r);
void pf_series_add_attrs(pf_series *s, const pf_batch *b, const int32_t *attribute_indices, size_t n);
/* __name__ (unless an attribute gave one), __sample_type__, __period_type__. */
void pf_series_add_profile_type(pf_series *s, const pf_batch *b, const otlp_profile *p);
/* Call once all labels are added, before relabeling. */
void pf_series_snapshot(pf_series *s);
/* Everything above in one call: the labels of one profile of resource r. */
void pf_series_of_profile(pf_series *s, const pf_batch *b, const otlp_resource *r, const otlp_profile *p);
/* Edits making the attributes match s->labels (appends to both lists, which may be NULL). With
 * resource_edits: new labels and changed labels go to the resource (a changed label that came from
 * attribute_indices is removed there and set on the resource), removed labels are removed where they
 * came from; untouched labels stay where they are. Without resource_edits (a sample's labels)
 * everything goes to attr_edits. */
void pf_series_diff(const pf_series *s, pf_attr_edits *attr_edits, pf_attr_edits *resource_edits);

/* The profile type name Pyroscope would give p: "process_cpu", "memory", "mutex", "block",
 * "goroutines", "wall", ... or the sample type itself. Points into the batch or a static string. */
const char *pf_profile_type_name(const pf_batch *b, const otlp_profile *p);

void pf_attr_edits_set(pf_attr_edits *e, const char *key, const char *value);
bool pf_attr_edits_equal(const pf_attr_edits *a, const pf_attr_edits *b);
void pf_attr_edits_clear(pf_attr_edits *e);
void pf_attr_edits_free(pf_attr_edits *e);

/* New attribute_indices (arena) for idx[0..n) with edits applied; keys not present are appended. */
int32_t *pf_attr_indices_edit(pf_batch *b, const int32_t *idx, size_t n, const pf_attr_edits *e, size_t *n_out);
/* Applies edits to a resource's attributes (new array; edited KeyValues are new strings); keys not
 * present are appended. */
void pf_resource_edit(pf_batch *b, otlp_resource *r, const pf_attr_edits *e);

#endif
