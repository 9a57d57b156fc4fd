/* codec.h — text pieces shared by the JSON encoder and decoder (pbjson.h): field-name
 * spelling, which bytes fields are hex, the hex codec. Internal to pipeline/pbjson_*.c.
 * Nothing here allocates except pf_pbjson_hex_append, which grow the
 * caller's pf_buf. */
#ifndef PF_PBJSON_CODEC_H
#define PF_PBJSON_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "pipeline/base/xalloc.h"

/* Longest field name we spell; protobuf field names in practice stay far below. */
#define PF_PBJSON_NAME_MAX 128

/* lowerCamelCase JSON name of a proto field ("time_unix_nano" -> "timeUnixNano"), as protoc's
 * json_name: each '_' is dropped and the letter after it upper-cased. */
void pf_pbjson_json_name(const char *proto_name, char out[PF_PBJSON_NAME_MAX]);

/* Bytes one value of `type` occupies in a protobuf-c struct or repeated array. */
size_t pf_pbjson_value_size(ProtobufCType type);

/* OTLP encodes trace/span/profile ids as hex instead of base64. */
bool pf_pbjson_is_hex_field(const ProtobufCFieldDescriptor *f);

void pf_pbjson_hex_append(pf_buf *out, const uint8_t *data, size_t len);

/* Writes at most `len` bytes into out; false on a non-hex character or an odd length.
 * Case-insensitive. (base64 lives in pipeline/base/base64.h.) */
bool pf_pbjson_hex_decode(const char *s, size_t len, uint8_t *out, size_t *out_len);

#endif
