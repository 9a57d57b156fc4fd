/* multipart.h — multipart/form-data parsing (RFC 7578 / RFC 2046) for /ingest bodies.
 *
 * Zero-copy: each part's data points into the body given to pf_multipart_parse(), so the body must
 * outlive the parts. Names, filenames and content types are small copies in the caller's arena.
 * Delimiter lines end in CRLF (a bare LF is accepted too, like Go's mime/multipart); the preamble
 * before the first delimiter and the epilogue after the closing one are ignored. */
#ifndef PF_PYRO_MULTIPART_H
#define PF_PYRO_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"

typedef struct pf_multipart_part {
    const char *name;         /* Content-Disposition name=, "" when absent */
    const char *filename;     /* filename=, NULL when absent (then it is a form value, not a file) */
    const char *content_type; /* the part's Content-Type, NULL when absent */
    const uint8_t *data;      /* points into the body */
    size_t len;
} pf_multipart_part;

/* True when the media type of content_type is multipart/form-data (case-insensitive). */
bool pf_multipart_is_form_data(const char *content_type);

/* The boundary parameter of a multipart Content-Type (quoted or not), copied into the arena. */
bool pf_multipart_boundary(const char *content_type, pf_arena *a, const char **boundary, char *err, size_t errlen);

bool pf_multipart_parse(const uint8_t *body, size_t len, const char *boundary, pf_arena *a, pf_multipart_part **parts,
                        size_t *n_parts, char *err, size_t errlen);

/* First part with this name, NULL when none. */
const pf_multipart_part *pf_multipart_find(const pf_multipart_part *parts, size_t n, const char *name);

#endif
