/* pb_nesting.h — a guard to run before protobuf-c unpacks untrusted bytes of a schema with recursive
 * messages (OTLP's AnyValue → ArrayValue/KeyValueList → AnyValue ...).
 *
 * Why: protobuf_c_message_unpack() recurses once per nested message with no limit of its own, so a
 * few hundred kilobytes of nested array_value fields exhaust the stack and crash the process. This
 * walks the wire bytes guided by the descriptor (iterating over fields, recursing only into message
 * fields, at most max_depth deep) in O(len) and reports whether the nesting stays within the limit.
 * Malformed bytes are left for the unpacker to reject.
 *
 * Stateless; allocates nothing. */
#ifndef PF_PB_NESTING_H
#define PF_PB_NESTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Messages nested inside one another, the outermost counting 1. Above what a JSON document can nest
 * (jansson stops at 2048 levels, one per message at least), so a batch decoded from OTLP/JSON always
 * decodes again after packing; far below the ~10000 levels at which protobuf-c's recursion exhausts
 * an 8 MiB stack under AddressSanitizer. */
#define PF_PB_MAX_NESTING 4096

/* False when some message in buf[0, len) (of type d) is nested more than max_depth levels deep. */
bool pf_pb_nesting_ok(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len, unsigned max_depth);

#endif
