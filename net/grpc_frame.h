/* grpc_frame.h — the gRPC-over-HTTP/2 wire details that are not HTTP/2 itself: status codes, the
 * 5-byte length-prefixed message framing, grpc-timeout values and grpc-message percent-encoding.
 * Shared by the server (http2.c), receivers choosing a status, and gRPC clients.
 *
 * Ownership: every function appends to a caller-owned pf_buf; nothing is retained. */
#ifndef PF_GRPC_FRAME_H
#define PF_GRPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/xalloc.h"

enum {
    PF_GRPC_OK = 0,
    PF_GRPC_CANCELLED = 1,
    PF_GRPC_UNKNOWN = 2,
    PF_GRPC_INVALID_ARGUMENT = 3,
    PF_GRPC_DEADLINE_EXCEEDED = 4,
    PF_GRPC_NOT_FOUND = 5,
    PF_GRPC_ALREADY_EXISTS = 6,
    PF_GRPC_PERMISSION_DENIED = 7,
    PF_GRPC_RESOURCE_EXHAUSTED = 8,
    PF_GRPC_FAILED_PRECONDITION = 9,
    PF_GRPC_ABORTED = 10,
    PF_GRPC_OUT_OF_RANGE = 11,
    PF_GRPC_UNIMPLEMENTED = 12,
    PF_GRPC_INTERNAL = 13,
    PF_GRPC_UNAVAILABLE = 14,
    PF_GRPC_DATA_LOSS = 15,
    PF_GRPC_UNAUTHENTICATED = 16,
};

/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN" for codes outside 0..16. */
const char *pf_grpc_status_name(int code);

/* Appends one uncompressed length-prefixed message. */
void pf_grpc_frame(const void *msg, size_t len, pf_buf *out);

/* Takes the body of a unary gRPC request (exactly one message) and appends the message, decoded
 * according to `encoding` (the grpc-encoding header; NULL = identity) when its compressed flag is set.
 * Both the framed and the decoded size are limited to max_msg. Returns PF_GRPC_OK or the status to
 * answer with (RESOURCE_EXHAUSTED, UNIMPLEMENTED for an unknown encoding, INTERNAL for bad framing),
 * with a message in err. */
int pf_grpc_unframe(const uint8_t *body, size_t len, const char *encoding, size_t max_msg, pf_buf *out, char *err,
                    size_t err_len);

/* Parses a grpc-timeout value ("100m", "5S", "1H": 1-8 digits and one of H M S m u n) into
 * nanoseconds. False when malformed. */
bool pf_grpc_parse_timeout(const char *value, int64_t *out_ns);

/* Appends msg percent-encoded as grpc-message requires (bytes outside 0x20..0x7e and '%'). */
void pf_grpc_percent_encode(const char *msg, pf_buf *out);

#endif
