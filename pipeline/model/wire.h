/* wire.h — the bytes a batch was received as, for verbatim forwarding.
 *
 * A batch decoded from an OTLP request may keep the request's bytes: the serialized
 * ExportProfilesServiceRequest (plain), and, when the request came compressed (Content-Encoding or
 * grpc-encoding gzip / zstd), the compressed bytes too. As long as the decoded tree is unchanged those
 * bytes are the batch, so an exporter that sends OTLP protobuf sends them instead of encoding the tree
 * again, and without compressing them again when its compression is the request's
 * (exporters/helper/otlp_body.h). Forwarding then costs little more than receiving.
 *
 * The rule that keeps it correct: anything that changes the tree drops the bytes first.
 *   - pf_batch_make_writable() drops them, also when the caller holds the only reference: a batch is
 *     made writable in order to be changed. Processors change batches only after it.
 *   - The model's own mutators drop them: pf_batch_filter_profiles (validation dropping invalid
 *     profiles, relabel, sampling), pf_resource_set_string, the pf_dict_* appends.
 *   - Clones (pf_batch_clone, fan-out copies made writable) and merged or split batches (the batch
 *     processor) are new batches without bytes.
 * Code that changes a tree without those calls must call pf_batch_wire_drop().
 * Validation adding the mandatory zero entries to empty dictionary tables does not drop them: the
 * request means the same with or without them, and the next receiver adds them itself.
 *
 * Memory: the bytes are copied into the batch's arena (freed with it; accounted with it).
 * Loop thread only, like the batch. */
#ifndef PF_BATCH_WIRE_H
#define PF_BATCH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/model/batch.h"

typedef struct pf_wire_counts {
    size_t resources, profiles, samples; /* resources: ResourceProfiles messages */
    size_t attribute_refs;               /* attribute keys / string values given as string-table indices */
    bool v1_9_layout;                    /* the samples look written with the v1.9 layout (below) */
} pf_wire_counts;

/* opentelemetry-proto v1.10 renumbered Sample (v1.9: values 2, attribute_indices 3, link_index 4; v1.10:
 * attribute_indices 2, link_index 3, values 4), so a v1.9 request may decode as v1.10 with its values
 * read as attribute indices. It looks like one when some sample has a decisive v1.9 field (field 3
 * length-delimited, field 4 a plain varint), or when no sample has field 4 and some sample has field 2
 * without timestamps (field 5): a v1.10 sample with attributes but neither values nor timestamps
 * observes nothing (receivers/otlp/layout.c). */
static inline bool pf_wire_looks_v1_9(size_t decisive, size_t with_values_field, size_t attrs_only)
{
    return decisive > 0 || (with_values_field == 0 && attrs_only > 0);
}

typedef struct pf_batch_wire {
    const uint8_t *plain; /* serialized ExportProfilesServiceRequest */
    size_t plain_len;
    const uint8_t *encoded; /* the same compressed with `encoding`; NULL when the request was not */
    size_t encoded_len;
    const char *encoding;  /* "gzip" or "zstd" (lower case); NULL when not compressed */
    pf_wire_counts counts; /* of a lazy batch (below) */
} pf_batch_wire;

/* Keeps the bytes b was decoded from (copies them). encoding: the request's compression as a
 * Content-Encoding / grpc-encoding name; `encoded` is kept only for gzip and zstd (the encodings
 * exporters send), otherwise NULL/identity and encoded is ignored. Call right after validation. */
void pf_batch_wire_keep(pf_batch *b, const void *plain, size_t plain_len, const char *encoding, const void *encoded,
                        size_t encoded_len);
/* The kept bytes; NULL when b has none (built locally, or changed since it was received). */
const pf_batch_wire *pf_batch_wire_get(const pf_batch *b);
/* Forgets the kept bytes, and the payloads exporters encoded of the batch (payload.h): the tree is
 * about to change. */
void pf_batch_wire_drop(pf_batch *b);

/* ---- lazy batches: validated on the wire, decoded only when a consumer needs the tree ----
 *
 * Forwarding a request unchanged needs no decoded tree: pf_wire_validate() checks the serialized
 * request as pf_batch_decode() + pf_batch_validate() would (wire_validate.c) and counts its profiles
 * and samples, and pf_batch_new_lazy() makes a batch of the bytes alone (b->req is NULL). Such a batch
 * travels through the consumers that declare pf_consumer.wire_ok (fan-out, counting, memory_limiter,
 * the batch processor for requests it does not merge, the exporter helper, which encodes at consume
 * time: otlp/otlphttp make their payload of the bytes, the others decode first);
 * pf_consumer_consume() decodes it for any other consumer (processors, debug, file), and so do
 * pf_batch_make_writable() and pf_batch_materialize(). Counting (pf_batch_sample_count,
 * pf_batch_profile_count) and packing (pf_batch_pack, pf_batch_packed_size) work on both forms. */

/* True when buf is a request that decoding and validation accept whole (no profile dropped), with
 * its counts; false means "not known to be": decode and validate it the usual way (which also gives
 * the error message). Attribute values nested deeper than 64 levels are "not known", so what it
 * accepts decodes within pf_pb_nesting_ok()'s bound (no need to run that guard first). */
bool pf_wire_validate(const uint8_t *buf, size_t len, pf_wire_counts *counts);
/* A batch of the bytes of a request pf_wire_validate() accepted (copied, as pf_batch_wire_keep). */
pf_batch *pf_batch_new_lazy(const void *plain, size_t plain_len, const char *encoding, const void *encoded,
                            size_t encoded_len, const pf_wire_counts *counts);
/* Whether b still has to be decoded. */
static inline bool pf_batch_is_lazy(const pf_batch *b) { return b->req == NULL; }
/* Decodes and validates a lazy batch in place (its bytes stay: the content is the same); does nothing
 * for a decoded one. False (b is then an empty request) only if the bytes do not decode after all. */
bool pf_batch_materialize(pf_batch *b);

/* ---- scope sources: the pprof a scope was made from ----
 *
 * The pprof scraper makes one ScopeProfiles of every scraped pprof (pf_pprof_to_otlp). When it hands
 * the pprof on as the target served it (no delta computed), it keeps the gzipped bytes with the
 * scope, and the exporters to series backends (exporters/helper/series_pprof.h) send those bytes
 * instead of building a pprof of the scope's Profiles again: pprof → OTLP → pprof becomes
 * pprof → pprof. A source stays valid while its scope's Profiles are unchanged:
 *   - pf_batch_make_writable() forgets every source (a processor may change any Profile);
 *   - pf_batch_filter_profiles() forgets the source of a scope that lost a Profile;
 *   - appending to the dictionary (pf_dict_*) and editing resource attributes keep them: the first
 *     changes no existing entry, and series labels are computed from the resource at export anyway;
 *   - the batch processor carries a source into a merged batch when the merged scope holds exactly
 *     the source scope's Profiles (processors/batch/merge.c);
 *   - clones and split batches have none.
 * Code that changes a scope's Profiles without those calls must call pf_batch_scope_source_forget().
 *
 * Memory: the bytes are copied into the batch's arena. Loop thread only. */
typedef struct pf_scope_source {
    const otlp_scope_profiles *scope;
    const uint8_t *gzipped; /* a gzip-compressed pprof holding every Profile of the scope */
    size_t len;
    size_t samples; /* pprof samples in it */
} pf_scope_source;

/* Keeps gzipped (copied) as the pprof `scope` of b was made from. */
void pf_batch_scope_source_keep(pf_batch *b, const otlp_scope_profiles *scope, const void *gzipped, size_t len,
                                size_t samples);
/* Forgets scope's source (its Profiles are about to be more than the pprof's). */
void pf_batch_scope_source_forget(pf_batch *b, const otlp_scope_profiles *scope);
/* The source kept for scope, or NULL (none kept, or b changed since). */
const pf_scope_source *pf_batch_scope_source(const pf_batch *b, const otlp_scope_profiles *scope);

#endif
