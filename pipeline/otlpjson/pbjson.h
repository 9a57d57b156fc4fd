/* pbjson.h — protobuf-c messages <-> JSON, following the OTLP/JSON mapping.
 *
 * Generic over any protobuf-c message: it walks ProtobufCMessageDescriptor field tables, so every
 * schema proflow speaks can be read and written as JSON without generated JSON code.
 *
 * Mapping (proto3 JSON mapping with the OTLP deviations, docs/specification.md "JSON Protobuf
 * Encoding"):
 *   - keys are lowerCamelCase field names; the decoder also accepts the original snake_case names
 *     (but not both spellings of one field in one object), and ignores unknown keys;
 *   - enums are written as integers; the decoder accepts integers or value names;
 *   - 64-bit integers (int64, uint64, sint64, fixed64, sfixed64) are written as decimal strings;
 *     the decoder accepts strings or numbers (32-bit ones too);
 *   - bytes are base64 (decoder: standard or URL-safe alphabet, padding optional), EXCEPT bytes fields
 *     named trace_id, span_id and profile_id, which OTLP writes as hex (lowercase on output,
 *     case-insensitive on input). In the profiles schema these are Link.trace_id, Link.span_id and
 *     Profile.profile_id (the Collector's pdata JSON writes profile_id as hex too);
 *   - oneof members (AnyValue) appear under their own member name; two members of one oneof is an
 *     error; a set oneof member is written even when it holds the zero value;
 *   - proto3 zero values, empty repeated fields and absent messages are omitted on output; JSON null
 *     means "absent" on input;
 *   - doubles are written with the fewest digits that read back to the same value; NaN and the
 *     infinities as the strings "NaN", "Infinity", "-Infinity".
 * Not handled: the special JSON forms of well-known types (Timestamp, Duration, Struct, wrappers)
 * and map<> fields, which are encoded as plain messages / repeated entry messages. OTLP uses none.
 *
 * Memory: pf_pbjson_decode allocates the whole message tree with the allocator it is given. With an
 * arena allocator (pf_arena_allocator) the tree dies with the arena; with any other allocator the
 * caller frees it with protobuf_c_message_free_unpacked(*out, al). On failure nothing is left
 * allocated and *out is NULL. pf_pbjson_encode appends to a caller-owned pf_buf. */
#ifndef PF_PBJSON_H
#define PF_PBJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

#include "pipeline/base/xalloc.h"

/* Parses `len` bytes of JSON (one object) into a new message of type `d`. `al` NULL means
 * protobuf-c's default (malloc) allocator. On failure returns false and writes into err a message
 * that names the JSON path, e.g.
 * "resourceProfiles[0].scopeProfiles[0].profiles[1].timeUnixNano: expected an integer". */
bool pf_pbjson_decode(const ProtobufCMessageDescriptor *d, const char *json, size_t len, ProtobufCAllocator *al,
                      ProtobufCMessage **out, char *err, size_t errlen);

/* Appends `m` as compact JSON (one line, no trailing newline) to `out`. */
void pf_pbjson_encode(const ProtobufCMessage *m, pf_buf *out);

#endif
