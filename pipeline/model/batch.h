/* batch.h — the unit of data that flows between components: one OTLP ExportProfilesServiceRequest
 * (ResourceProfiles -> ScopeProfiles -> Profile, with the request-level ProfilesDictionary of proto
 * v1.10+) plus metadata about where it came from.
 *
 * Memory: every object of a batch (the protobuf-c tree, metadata strings) lives in the batch's arena,
 * so a batch is freed in O(1) by its last pf_batch_unref().
 *
 * Ownership: a batch is reference counted. pf_batch_new()/pf_batch_decode() return one reference
 * owned by the caller. Passing a batch to a consumer (pf_consumer_consume) hands that reference over:
 * the consumer unrefs it when done, whatever it returns. A batch with refs > 1 is shared and must
 * not be modified — call pf_batch_make_writable() first (it clones when shared). Batches belong to
 * the loop thread; they are not thread-safe.
 *
 * Dictionary tables are only appended through pf_dict_* (dict.h), which keep a de-duplicating index;
 * writing dictionary arrays directly bypasses that index and is not allowed once pf_dict_* was used. */
#ifndef PF_BATCH_H
#define PF_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"
#include "pipeline/model/otlp.h"
#include "pipeline/base/xalloc.h"

typedef struct pf_dict_index pf_dict_index; /* private to dict.c */
typedef struct pf_batch_wire pf_batch_wire; /* wire.h */

typedef struct pf_meta_kv {
    char *key; /* lower-case header name */
    char *value;
} pf_meta_kv;

typedef struct pf_batch_meta {
    const char *tenant;      /* e.g. from X-Scope-OrgID; NULL when none */
    const char *client_addr; /* "ip:port" of the sender; NULL for scrapes */
    const char *receiver_id; /* component id that produced the batch ("otlp", "pprof/web") */
    uint64_t received_unix_nano;
    pf_meta_kv *headers; /* include_metadata: request headers kept with the batch */
    size_t n_headers;
} pf_batch_meta;

typedef struct pf_batch {
    int refs;
    pf_arena *arena;
    pf_batch_wire *wire;                    /* the bytes it was received as, while req still matches them (wire.h) */
    struct pf_scope_sources *scope_sources; /* pprofs scopes were made from, while they match (wire.h) */
    otlp_request *req; /* never NULL (except in a lazy batch, wire.h); req->dictionary never NULL */
    pf_batch_meta meta;
    size_t wire_bytes;                /* size as received (0 when built locally) */
    pf_dict_index *dict_index;        /* lazily built by dict.c */
    struct pf_batch_encoded *encoded; /* wire forms exporters made of it (payload.h); NULL when none */
    struct pf_ack **acks;             /* acknowledgements waiting for it (ack.h); malloc'd */
    size_t n_acks;
} pf_batch;

/* An empty request whose dictionary holds the mandatory zero entry in every table. */
pf_batch *pf_batch_new(void);
/* Such an empty request in b's arena (b->req is not changed). */
otlp_request *pf_batch_new_tree(pf_batch *b);
/* A batch without a request yet (for pf_batch_new_lazy, wire.h). */
pf_batch *pf_batch_new_empty_lazy(size_t arena_size);
/* Decodes serialized ExportProfilesServiceRequest bytes into a new batch; NULL if malformed. */
pf_batch *pf_batch_decode(const uint8_t *buf, size_t len);

pf_batch *pf_batch_ref(pf_batch *b);
void pf_batch_unref(pf_batch *b);
/* Deep copy (into a fresh arena), metadata included. */
pf_batch *pf_batch_clone(const pf_batch *b);
/* Returns b itself if the caller holds the only reference, else a clone (and drops the caller's
 * reference to b). Use before modifying a batch received from upstream. The result has no received
 * bytes (wire.h): it is about to change. */
pf_batch *pf_batch_make_writable(pf_batch *b);

/* Serializes req into out (appends). Returns bytes written. */
size_t pf_batch_pack(const pf_batch *b, pf_buf *out);
size_t pf_batch_packed_size(const pf_batch *b);

/* Metadata setters copy the strings into the arena. */
void pf_batch_set_tenant(pf_batch *b, const char *tenant);
void pf_batch_set_client(pf_batch *b, const char *addr);
void pf_batch_set_receiver(pf_batch *b, const char *component_id);
void pf_batch_add_header(pf_batch *b, const char *key, const char *value);
/* Looks up a metadata value: "tenant" or a kept header name (case-insensitive). NULL when absent. */
const char *pf_batch_meta_get(const pf_batch *b, const char *key);

/* ---- counting ---- */
size_t pf_batch_profile_count(const pf_batch *b);
size_t pf_batch_sample_count(const pf_batch *b);
/* Samples in one profile (a sample with values counts 1). */
size_t pf_profile_sample_count(const otlp_profile *p);

/* ---- strings and attributes ---- */
/* string_table[idx], or "" when idx is out of range. Never NULL. */
const char *pf_batch_string(const pf_batch *b, int32_t idx);
/* Key of a KeyValue: its key, or string_table[key_strindex] (proto v1.10 profiles extension). */
const char *pf_kv_key(const pf_batch *b, const otlp_kv *kv);
/* String form of a value (strings and strindex verbatim; ints, doubles, bools printed); "" for
 * empty/complex values. Uses `scratch` (>= 64 bytes) for numbers. */
const char *pf_any_value_string(const pf_batch *b, const otlp_any_value *v, char *scratch, size_t scratch_len);
/* Finds a string attribute by key in a KeyValue list; NULL when absent. */
const char *pf_kv_list_get(const pf_batch *b, otlp_kv *const *kvs, size_t n, const char *key);
/* Rewrites every string-table reference in attributes to the inline form: KeyValue.key_strindex →
 * key and AnyValue.string_value_strindex → string_value, in resource and scope attributes (nested
 * arrays and kvlists included) and in the values of dictionary.attribute_table. pf_batch_validate
 * calls it, so every later stage sees, and every exporter writes, inline keys and values. The
 * batch must be writable. */
void pf_batch_inline_attributes(pf_batch *b);
/* Adds or replaces a string KeyValue in a resource's attribute list (allocates in the arena). */
void pf_resource_set_string(pf_batch *b, otlp_resource *r, const char *key, const char *value);

/* ---- building ---- */
/* Appends an empty ResourceProfiles (with an empty Resource), ScopeProfiles, Profile. */
otlp_resource_profiles *pf_batch_add_resource(pf_batch *b);
otlp_scope_profiles *pf_batch_add_scope(pf_batch *b, otlp_resource_profiles *rp, const char *name, const char *version);
otlp_profile *pf_batch_add_profile(pf_batch *b, otlp_scope_profiles *sp);

/* ---- iteration over every profile, with its resource and scope ---- */
typedef struct pf_profile_ref {
    otlp_resource_profiles *rp;
    otlp_scope_profiles *sp;
    otlp_profile *profile;
    size_t rp_index, sp_index, profile_index;
} pf_profile_ref;
/* Calls fn for each profile; stops early (returning false) if fn returns false. */
bool pf_batch_foreach_profile(pf_batch *b, bool (*fn)(pf_batch *b, const pf_profile_ref *ref, void *data), void *data);

/* Removes profiles for which keep() returns false; empty scopes/resources are removed too.
 * Returns the number of samples removed. The batch must be writable. keep() may be handed a NULL
 * profile (a caller's "already dropped" mark), which counts no samples. */
size_t pf_batch_filter_profiles(pf_batch *b, bool (*keep)(pf_batch *b, const pf_profile_ref *ref, void *data),
                                void *data);

/* ---- validation at the edge ---- */
/* Checks every dictionary index used anywhere in the request is in range, stacks reference valid
 * locations etc., and adds the zero entry to empty tables (the batch must be writable). Messages name
 * the exact field, e.g. "resource_profiles[0].scope_profiles[0].profiles[2].samples[5].stack_index 91
 * out of range (stack_table has 40 entries)". Receivers call it once so later stages can trust every
 * index.
 * With rejected_profiles == NULL any problem fails the whole request. Otherwise a problem inside one
 * profile removes just that profile (OTLP partial success): *rejected_profiles counts them and err
 * holds the first message; the call fails only for request-level problems (dictionary, resource or
 * scope attributes) or when no valid profile is left. */
bool pf_batch_validate(pf_batch *b, size_t *rejected_profiles, char *err, size_t err_len);

#endif
