/* pb_nesting.c — nesting depth of protobuf wire bytes, before protobuf-c recurses into them; see
 * pb_nesting.h. */
#include "pipeline/model/pb_nesting.h"

static bool read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t byte = p[(*pos)++];
        *v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return true;
    }
    return false;
}

/* depth_left counts the levels still allowed below this message. Recursion is bounded by max_depth. */
static bool scan(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len, unsigned depth_left)
{
    size_t pos = 0;
    while (pos < len) {
        uint64_t tag, n;
        if (!read_varint(p, len, &pos, &tag)) return true; /* malformed: the unpacker refuses it */
        switch (tag & 7) {
        case PROTOBUF_C_WIRE_TYPE_VARINT:
            if (!read_varint(p, len, &pos, &n)) return true;
            break;
        case PROTOBUF_C_WIRE_TYPE_64BIT:
            if (len - pos < 8) return true;
            pos += 8;
            break;
        case PROTOBUF_C_WIRE_TYPE_32BIT:
            if (len - pos < 4) return true;
            pos += 4;
            break;
        case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED: {
            if (!read_varint(p, len, &pos, &n) || n > len - pos) return true;
            const ProtobufCFieldDescriptor *f =
                tag >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3)) : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                (depth_left == 0 || !scan(f->descriptor, p + pos, (size_t)n, depth_left - 1)))
                return false;
            pos += (size_t)n;
            break;
        }
        default: return true;
        }
    }
    return true;
}

bool pf_pb_nesting_ok(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len, unsigned max_depth)
{
    return max_depth > 0 && scan(d, buf, len, max_depth - 1);
}
