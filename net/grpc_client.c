/* grpc_client.c — unary gRPC calls on top of pf_http_client (see http_client.h): length-prefixed
 * message framing with optional grpc-encoding compression on the way out, grpc-status/grpc-message
 * from the trailers (or from a Trailers-Only reply's headers) and unframing on the way back. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/compress.h"
#include "net/grpc_frame.h"
#include "net/http_client.h"

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
        if (ms < 100000000) snprintf(timeout, sizeof(timeout), "%lldm", ms > 0 ? ms : 1);
        else snprintf(timeout, sizeof(timeout), "%lldS", ms / 1000);
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
