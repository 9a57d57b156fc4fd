/* pprof.h — translation between pprof (perftools.profiles.Profile) and OTLP profiles.
 *
 *   bytes ──pf_pprof_parse──▶ pf_pprof ──pf_pprof_to_otlp──▶ pf_batch (one Profile per sample type)
 *   Profile ──pf_pprof_from_profile──▶ pf_pprof   (a Profile already decoded or built in memory)
 *   pf_batch ──pf_pprof_from_batch──▶ list of (resource, gzipped multi-sample-type pprof, name)
 *
 * The field-by-field mapping, and what is not carried, is written down in docs/pprof-mapping.md.
 *
 * Ownership:
 *   - pf_pprof_parse() decodes into the caller's arena; the pf_pprof and everything it points to live
 *     until that arena is destroyed.
 *   - pf_pprof_from_profile() borrows the Profile (keep it alive while the pf_pprof is used) and puts
 *     its id maps into the caller's arena.
 *   - pf_pprof_to_otlp() appends to the caller's (writable) batch; all of it lives in the batch arena.
 *   - pf_pprof_from_batch() fills a caller-owned pf_series_pprof_items; free it with pf_pprof_items_free().
 *     Items point at the batch's resources and scopes, so keep the batch referenced while using them. */
#ifndef PF_PPROF_H
#define PF_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/model/batch.h"
#include "pipeline/pprof/idmap.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pprof_profile;
typedef Perftools__Profiles__Sample pprof_sample;
typedef Perftools__Profiles__Location pprof_location;
typedef Perftools__Profiles__Mapping pprof_mapping;
typedef Perftools__Profiles__Function pprof_function;
typedef Perftools__Profiles__Label pprof_label;
typedef Perftools__Profiles__Line pprof_line;
typedef Perftools__Profiles__ValueType pprof_value_type;

/* Semantic-convention attribute keys that carry pprof fields OTLP has no field for. */
#define PF_ATTR_BUILD_ID            "process.executable.build_id.gnu" /* mapping */
#define PF_ATTR_HAS_FUNCTIONS       "pprof.mapping.has_functions"     /* mapping, bool */
#define PF_ATTR_HAS_FILENAMES       "pprof.mapping.has_filenames"     /* mapping, bool */
#define PF_ATTR_HAS_LINE_NUMBERS    "pprof.mapping.has_line_numbers"  /* mapping, bool */
#define PF_ATTR_HAS_INLINE_FRAMES   "pprof.mapping.has_inline_frames" /* mapping, bool */
#define PF_ATTR_IS_FOLDED           "pprof.location.is_folded"        /* location, bool */
#define PF_ATTR_COMMENT             "pprof.profile.comment"           /* profile, string array */
#define PF_ATTR_DROP_FRAMES         "pprof.profile.drop_frames"       /* profile */
#define PF_ATTR_KEEP_FRAMES         "pprof.profile.keep_frames"       /* profile */
#define PF_ATTR_DOC_URL             "pprof.profile.doc_url"           /* profile */
#define PF_ATTR_DEFAULT_SAMPLE_TYPE "pprof.scope.default_sample_type" /* scope: the default type's name */
/* proflow's own: the profile type name ("process_cpu", "memory", "goroutine", ...) as the Pyroscope
 * and Parca __name__ label wants it. Scope attribute, set by the pprof scraper. */
#define PF_ATTR_PROFILE_NAME "profile.name"

/* Scope name of the scopes pf_pprof_to_otlp() creates. */
#define PF_PPROF_SCOPE_NAME "proflow.pprof"

/* Default decompressed-size limit used by callers that have no configured one. */
#define PF_PPROF_DEFAULT_MAX_BYTES (64u << 20)

/* A parsed and validated pprof: every id and string index it contains resolves. */
typedef struct pf_pprof {
    pprof_profile *p;
    pf_idmap *mapping_pos;  /* mapping id → index into p->mapping */
    pf_idmap *location_pos; /* location id → index into p->location */
    pf_idmap *function_pos; /* function id → index into p->function */
} pf_pprof;

/* Decodes gzip-compressed or raw pprof bytes (gzip is detected by its magic), refusing more than
 * max_bytes after decompression, and validates every reference. On failure returns false with a
 * message naming the problem ("sample[3].location_id[2]: 977 is not a location id"). */
bool pf_pprof_parse(pf_arena *a, const void *data, size_t len, size_t max_bytes, pf_pprof *out, char *err,
                    size_t err_len);

/* pf_pprof_parse() for a Profile that is already unpacked (for example built by a receiver's decoder),
 * without packing and unpacking it again: the same checks, the same messages, including the refusal
 * of a Profile whose encoding is larger than max_bytes. */
bool pf_pprof_from_profile(pf_arena *a, pprof_profile *p, size_t max_bytes, pf_pprof *out, char *err, size_t err_len);

/* Lookups by pprof id (NULL for id 0 or an unknown id). */
const pprof_location *pf_pprof_location(const pf_pprof *pp, uint64_t id);
const pprof_mapping *pf_pprof_mapping(const pf_pprof *pp, uint64_t id);
const pprof_function *pf_pprof_function(const pf_pprof *pp, uint64_t id);
/* string_table[idx], "" when out of range. */
const char *pf_pprof_string(const pf_pprof *pp, int64_t idx);

/* Appends one ScopeProfiles (named PF_PPROF_SCOPE_NAME, with profile_name as PF_ATTR_PROFILE_NAME when
 * not NULL) to rp, holding one Profile per pprof sample type, in sample-type order, all sharing the
 * batch dictionary. Returns the scope. The batch must be writable. */
otlp_scope_profiles *pf_pprof_to_otlp(pf_batch *b, otlp_resource_profiles *rp, const pf_pprof *pp,
                                      const char *profile_name);

/* One pprof made from the Profiles of one scope that belong together (see docs/pprof-mapping.md). */
typedef struct pf_series_pprof_item {
    const otlp_resource_profiles *resource; /* points into the batch */
    const otlp_scope_profiles *scope;       /* points into the batch */
    char *name;       /* profile type name: PF_ATTR_PROFILE_NAME, else derived from the sample types */
    pf_buf gzipped;   /* the gzip-compressed pprof */
    size_t n_samples; /* pprof samples written */
    bool as_scraped;  /* gzipped is the pprof the scope was made from (wire.h, scope sources) */
    uint64_t time_unix_nano;
    uint64_t duration_nano;
} pf_series_pprof_item;

typedef struct pf_series_pprof_items {
    pf_series_pprof_item *items;
    size_t n;
} pf_series_pprof_items;

/* Converts every profile of the batch. Appends to out (which the caller zero-initialises). Returns
 * false, with err set and out left as it was, when the batch holds a reference it cannot resolve. */
bool pf_pprof_from_batch(const pf_batch *b, pf_series_pprof_items *out, char *err, size_t err_len);
void pf_pprof_items_free(pf_series_pprof_items *items);

#endif
