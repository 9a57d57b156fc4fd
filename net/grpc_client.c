/* grpc_client.c — unary gRPC calls on top of pf_http_client (see http_client.h): length-prefixed
 * message framing with optional grpc-encoding compression on the way out, grpc-status/grpc-message
 * from the trailers (or from a Trailers-Only reply's headers), the RetryInfo of an error's
 * grpc-status-details-bin, and unframing on the way back. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/compress.h"
#include "net/grpc_frame.h"
#include "net/http_client.h"
#include "pipeline/base/base64.h"

/* Replies are decompressed up to this size: an exporter only reads small status replies. */
#define MAX_REPLY_MESSAGE (64u * 1024 * 1024)

typedef struct grpc_ctx {
    pf_http_done_cb cb;
    void *data;
} grpc_ctx;

char *pf_grpc_base_url(const pf_http_client_config *cfg)
{
    const char *ep = cfg->endpoint ? cfg->endpoint : "";
    if (strstr(ep, "://")) return pf_xstrdup(ep);
    return pf_xasprintf("%s://%s", cfg->tls.insecure ? "http" : "https", ep);
}

static int status_from_http(int http_status)
{
    switch (http_status) {
    case 400: return PF_GRPC_INTERNAL;
    case 401: return PF_GRPC_UNAUTHENTICATED;
    case 403: return PF_GRPC_PERMISSION_DENIED;
    case 404: return PF_GRPC_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504: return PF_GRPC_UNAVAILABLE;
    default: return PF_GRPC_UNKNOWN;
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* grpc-message is percent-encoded by servers. */
static void percent_decode(const char *in, pf_buf *out)
{
    for (const char *p = in; *p; p++) {
        int hi, lo;
        if (p[0] == '%' && (hi = hex_value(p[1])) >= 0 && (lo = hex_value(p[2])) >= 0) {
            char ch = (char)(hi * 16 + lo);
            pf_buf_append(out, &ch, 1);
            p += 2;
        } else {
            pf_buf_append(out, p, 1);
        }
    }
}

/* ---- grpc-status-details-bin ----
 * A google.rpc.Status read with a few lines of protobuf wire format instead of generated code (the
 * googleapis .proto files are not in proto/). Field numbers from googleapis:
 * Status{code=1, message=2, details=3}, Any{type_url=1, value=2}, RetryInfo{retry_delay=1},
 * Duration{seconds=1, nanos=2}. */

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };
#define NS_PER_S 1000000000LL

typedef struct pb_reader {
    const uint8_t *p, *end;
    bool malformed; /* set when a field is truncated or has an unknown wire type */
} pb_reader;

typedef struct pb_field {
    uint32_t number;
    int wire_type;
    uint64_t varint;     /* WIRE_VARINT */
    const uint8_t *data; /* WIRE_LEN */
    size_t len;
} pb_field;

static pb_reader pb_open(const uint8_t *data, size_t len)
{
    return (pb_reader){.p = data, .end = data ? data + len : data};
}

static bool pb_varint(pb_reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        uint8_t byte = *r->p++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Reads the next field; false at the end of the message or when it is malformed (r->malformed). */
static bool pb_next(pb_reader *r, pb_field *f)
{
    if (r->p >= r->end) return false;
    uint64_t key, len = 0;
    if (!pb_varint(r, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX) goto malformed;
    f->number = (uint32_t)(key >> 3);
    f->wire_type = (int)(key & 7);
    switch (f->wire_type) {
    case WIRE_VARINT:
        if (!pb_varint(r, &f->varint)) goto malformed;
        return true;
    case WIRE_I64: len = 8; break;
    case WIRE_I32: len = 4; break;
    case WIRE_LEN:
        if (!pb_varint(r, &len)) goto malformed;
        break;
    default: goto malformed; /* groups (3, 4) are not used by these messages */
    }
    if (len > (uint64_t)(r->end - r->p)) goto malformed;
    f->data = r->p;
    f->len = (size_t)len;
    r->p += len;
    return true;
malformed:
    r->malformed = true;
    return false;
}

/* google.protobuf.Duration → ns; a negative one means "no wait". */
static bool read_duration(const uint8_t *data, size_t len, int64_t *ns)
{
    pb_reader r = pb_open(data, len);
    pb_field f;
    int64_t seconds = 0, nanos = 0;
    while (pb_next(&r, &f)) {
        if (f.wire_type != WIRE_VARINT) continue;
        if (f.number == 1)
            seconds = (int64_t)f.varint;
        else if (f.number == 2)
            nanos = (int64_t)f.varint;
    }
    if (r.malformed || nanos >= NS_PER_S || nanos <= -NS_PER_S) return false;
    if (seconds < 0 || (seconds == 0 && nanos < 0))
        *ns = 0;
    else if (seconds >= INT64_MAX / NS_PER_S)
        *ns = INT64_MAX;
    else
        *ns = seconds * NS_PER_S + (nanos > 0 ? nanos : 0);
    return true;
}

/* google.rpc.RetryInfo → its retry_delay in ns (0 when it has none). */
static bool read_retry_info(const uint8_t *data, size_t len, int64_t *delay_ns)
{
    pb_reader r = pb_open(data, len);
    pb_field f;
    *delay_ns = 0;
    while (pb_next(&r, &f))
        if (f.number == 1 && f.wire_type == WIRE_LEN && !read_duration(f.data, f.len, delay_ns)) return false;
    return !r.malformed;
}

/* An Any's type URL names its message after the last '/' ("type.googleapis.com/google.rpc.RetryInfo"). */
static bool names_retry_info(const uint8_t *type_url, size_t len)
{
    static const char name[] = "/google.rpc.RetryInfo";
    size_t n = sizeof(name) - 1;
    return len >= n && memcmp(type_url + len - n, name, n) == 0;
}

/* The first RetryInfo among a google.rpc.Status's details. */
static bool status_retry_delay(const uint8_t *data, size_t len, int64_t *delay_ns)
{
    pb_reader status = pb_open(data, len);
    pb_field f;
    while (pb_next(&status, &f)) {
        if (f.number != 3 || f.wire_type != WIRE_LEN) continue;
        pb_reader any = pb_open(f.data, f.len);
        pb_field a;
        bool retry_info = false;
        const uint8_t *value = NULL;
        size_t value_len = 0;
        while (pb_next(&any, &a)) {
            if (a.wire_type != WIRE_LEN) continue;
            if (a.number == 1)
                retry_info = names_retry_info(a.data, a.len);
            else if (a.number == 2)
                value = a.data, value_len = a.len;
        }
        if (any.malformed) return false;
        if (retry_info) return read_retry_info(value, value_len, delay_ns);
    }
    return false;
}

bool pf_grpc_retry_info(const char *status_details_bin, int64_t *delay_ns)
{
    size_t len = strlen(status_details_bin);
    uint8_t *raw = pf_xmalloc(len + 1);
    size_t raw_len = 0;
    bool found = pf_base64_decode(status_details_bin, len, raw, &raw_len) && status_retry_delay(raw, raw_len, delay_ns);
    free(raw);
    return found;
}

static uint32_t seconds_rounded_up(int64_t ns)
{
    int64_t s = ns / NS_PER_S + (ns % NS_PER_S != 0);
    return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

/* ---- replies ---- */

static void on_grpc_reply(const pf_http_response *http, void *data)
{
    grpc_ctx ctx = *(grpc_ctx *)data;
    free(data);
    pf_http_response resp = *http;
    pf_buf message = {0}, decoded = {0};
    char why[256];

    if (http->status == 0) {
        resp.grpc_status = http->timed_out ? PF_GRPC_DEADLINE_EXCEEDED : PF_GRPC_UNAVAILABLE;
        resp.grpc_message = http->error;
        ctx.cb(&resp, ctx.data);
        return;
    }
    const char *status = pf_http_response_header(http, "grpc-status");
    if (status) {
        resp.grpc_status = atoi(status);
        const char *m = pf_http_response_header(http, "grpc-message");
        percent_decode(m ? m : "", &message);
        pf_buf_append(&message, "", 0);
        resp.grpc_message = message.data ? message.data : "";
    } else if (http->status == 200) {
        resp.grpc_status = PF_GRPC_INTERNAL;
        resp.grpc_message = "reply without grpc-status";
    } else {
        resp.grpc_status = status_from_http(http->status);
        snprintf(why, sizeof(why), "HTTP status %d without grpc-status", http->status);
        resp.grpc_message = why;
    }
    const char *details = pf_http_response_header(http, "grpc-status-details-bin");
    int64_t retry_delay_ns;
    if (resp.grpc_status != PF_GRPC_OK && details && pf_grpc_retry_info(details, &retry_delay_ns)) {
        resp.grpc_retry_info = true;
        resp.retry_after_s = seconds_rounded_up(retry_delay_ns);
    }
    if (resp.grpc_status == PF_GRPC_OK && http->body_len > 0) {
        int st = pf_grpc_unframe(http->body, http->body_len, pf_http_response_header(http, "grpc-encoding"),
                                 MAX_REPLY_MESSAGE, &decoded, why, sizeof(why));
        if (st != PF_GRPC_OK) {
            resp.grpc_status = st;
            resp.grpc_message = why;
        }
    }
    resp.body = (const uint8_t *)(decoded.data ? decoded.data : "");
    resp.body_len = decoded.len;
    ctx.cb(&resp, ctx.data);
    pf_buf_free(&message);
    pf_buf_free(&decoded);
}

void pf_grpc_unary(pf_http_client *c, const pf_grpc_call *call, pf_http_done_cb cb, void *data)
{
    bool compress = call->compression && strcasecmp(call->compression, "none") != 0 &&
                    !pf_encoding_is_identity(call->compression) && pf_encoding_supported(call->compression);
    pf_buf framed = {0};
    if (compress) {
        /* pf_grpc_frame only writes uncompressed messages; the compressed flag needs its own prefix. */
        pf_buf packed = {0};
        if (call->msg_compressed)
            pf_buf_append(&packed, call->msg, call->msg_len);
        else
            pf_compress(call->compression, call->msg, call->msg_len, &packed);
        uint8_t prefix[5] = {1, (uint8_t)(packed.len >> 24), (uint8_t)(packed.len >> 16), (uint8_t)(packed.len >> 8),
                             (uint8_t)packed.len};
        pf_buf_append(&framed, prefix, sizeof(prefix));
        pf_buf_append(&framed, packed.data, packed.len);
        pf_buf_free(&packed);
    } else {
        pf_grpc_frame(call->msg, call->msg_len, &framed);
    }

    size_t n = call->n_metadata + 5;
    pf_http_header *headers = pf_xcalloc(n, sizeof(*headers));
    size_t h = 0;
    headers[h++] = (pf_http_header){"content-type", "application/grpc"};
    headers[h++] = (pf_http_header){"te", "trailers"};
    headers[h++] = (pf_http_header){"grpc-accept-encoding", "gzip,zstd"};
    if (compress) headers[h++] = (pf_http_header){"grpc-encoding", call->compression};
    char timeout[32];
    if (call->timeout_ns > 0) {
        long long ms = call->timeout_ns / 1000000;
        if (ms < 100000000)
            snprintf(timeout, sizeof(timeout), "%lldm", ms > 0 ? ms : 1);
        else
            snprintf(timeout, sizeof(timeout), "%lldS", ms / 1000);
        headers[h++] = (pf_http_header){"grpc-timeout", timeout};
    }
    for (size_t i = 0; i < call->n_metadata; i++) headers[h++] = call->metadata[i];

    pf_http_call hc = {
        .method = "POST",
        .url = call->url,
        .headers = headers,
        .n_headers = h,
        .body = framed.data,
        .body_len = framed.len,
        .timeout_ns = call->timeout_ns,
        .http2_only = true,
    };
    grpc_ctx *ctx = pf_xmalloc(sizeof(*ctx));
    ctx->cb = cb;
    ctx->data = data;
    pf_http_client_send(c, &hc, on_grpc_reply, ctx);
    free(headers);
    pf_buf_free(&framed);
}
