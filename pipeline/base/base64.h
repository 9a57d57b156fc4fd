/* base64.h — standard base64 (RFC 4648) for JSON bytes fields, gRPC binary metadata and HTTP Basic
 * auth. Nothing here allocates except pf_base64_append, which grows the caller's pf_buf. */
#ifndef PF_BASE64_H
#define PF_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/xalloc.h"

/* Appends the padded standard encoding of data. */
void pf_base64_append(pf_buf *out, const uint8_t *data, size_t len);

/* Writes at most `len` bytes into out. Accepts the standard and URL-safe alphabets, with or without
 * '=' padding. Returns false on a character outside the alphabet or a malformed length. */
bool pf_base64_decode(const char *s, size_t len, uint8_t *out, size_t *out_len);

#endif
