/* grpc_frame.c — gRPC message framing, status names, grpc-timeout and grpc-message encoding
 * (see grpc_frame.h and the gRPC "PROTOCOL-HTTP2" document). */
#include "net/grpc_frame.h"

#include <stdio.h>
#include <string.h>

#include "net/compress.h"

const char *pf_grpc_status_name(int code)
{
    static const char *const names[] = {
        "OK",        "CANCELLED",       "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
        "NOT_FOUND", "ALREADY_EXISTS",  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED",   "OUT_OF_RANGE",    "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
        "DATA_LOSS", "UNAUTHENTICATED",
    };
    if (code < 0 || code >= (int)(sizeof(names) / sizeof(names[0]))) return "UNKNOWN";
    return names[code];
}

void pf_grpc_frame(const void *msg, size_t len, pf_buf *out)
{
    uint8_t prefix[5] = {0, (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    pf_buf_append(out, prefix, sizeof(prefix));
    pf_buf_append(out, msg, len);
}

int pf_grpc_unframe(const uint8_t *body, size_t len, const char *encoding, size_t max_msg, pf_buf *out, char *err,
                    size_t err_len)
{
    if (len == 0) {
        snprintf(err, err_len, "grpc: received no request message");
        return PF_GRPC_INTERNAL;
    }
    if (len < 5) {
        snprintf(err, err_len, "grpc: truncated message prefix (%zu bytes)", len);
        return PF_GRPC_INTERNAL;
    }
    uint8_t flag = body[0];
    size_t msg_len = (size_t)body[1] << 24 | (size_t)body[2] << 16 | (size_t)body[3] << 8 | body[4];
    if (flag > 1) {
        snprintf(err, err_len, "grpc: invalid compressed flag %u", flag);
        return PF_GRPC_INTERNAL;
    }
    if (msg_len > max_msg) {
        snprintf(err, err_len, "grpc: received message larger than max (%zu vs. %zu)", msg_len, max_msg);
        return PF_GRPC_RESOURCE_EXHAUSTED;
    }
    if (len - 5 < msg_len) {
        snprintf(err, err_len, "grpc: truncated message (%zu of %zu bytes)", len - 5, msg_len);
        return PF_GRPC_INTERNAL;
    }
    if (len - 5 > msg_len) {
        snprintf(err, err_len, "grpc: more than one request message for a unary call");
        return PF_GRPC_INTERNAL;
    }
    const uint8_t *msg = body + 5;
    if (flag == 0) {
        pf_buf_append(out, msg, msg_len);
        return PF_GRPC_OK;
    }
    if (pf_encoding_is_identity(encoding)) {
        snprintf(err, err_len, "grpc: compressed flag set with identity or empty grpc-encoding");
        return PF_GRPC_INTERNAL;
    }
    char why[256];
    switch (pf_decompress(encoding, msg, msg_len, max_msg, out, why, sizeof(why))) {
    case PF_DECOMPRESS_OK: return PF_GRPC_OK;
    case PF_DECOMPRESS_TOO_LARGE:
        snprintf(err, err_len, "grpc: decompressed message larger than max (%zu)", max_msg);
        return PF_GRPC_RESOURCE_EXHAUSTED;
    case PF_DECOMPRESS_UNSUPPORTED:
        snprintf(err, err_len, "grpc: Decompressor is not installed for grpc-encoding \"%s\"", encoding);
        return PF_GRPC_UNIMPLEMENTED;
    case PF_DECOMPRESS_MALFORMED: break;
    }
    snprintf(err, err_len, "grpc: failed to decompress the message: %s", why);
    return PF_GRPC_INTERNAL;
}

bool pf_grpc_parse_timeout(const char *value, int64_t *out_ns)
{
    size_t n = value ? strlen(value) : 0;
    if (n < 2 || n > 9) return false;
    int64_t amount = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (value[i] < '0' || value[i] > '9') return false;
        amount = amount * 10 + (value[i] - '0');
    }
    int64_t unit_ns;
    switch (value[n - 1]) {
    case 'H': unit_ns = 3600LL * 1000000000LL; break;
    case 'M': unit_ns = 60LL * 1000000000LL; break;
    case 'S': unit_ns = 1000000000LL; break;
    case 'm': unit_ns = 1000000LL; break;
    case 'u': unit_ns = 1000LL; break;
    case 'n': unit_ns = 1; break;
    default: return false;
    }
    /* 99999999 hours overflows int64 nanoseconds; such a deadline is "never" anyway. */
    *out_ns = amount > INT64_MAX / unit_ns ? INT64_MAX : amount * unit_ns;
    return true;
}

void pf_grpc_percent_encode(const char *msg, pf_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p >= 0x20 && *p <= 0x7e && *p != '%') {
            pf_buf_append(out, p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            pf_buf_append(out, esc, 3);
        }
    }
}
