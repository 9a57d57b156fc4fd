/* export.c — the OTLP profiles Export call over gRPC and HTTP (docs/specification.md of
 * opentelemetry-proto): decode (protobuf or OTLP/JSON, any supported Content-Encoding), validate every
 * dictionary index, attach metadata, hand the batch to the pipeline and answer:
 *   success                        200 / OK            ExportProfilesServiceResponse
 *   malformed, bad indices         400 / INVALID_ARGUMENT
 *   too big after decompression    413 / RESOURCE_EXHAUSTED
 *   unknown Content-Type/-Encoding 415
 *   pipeline PF_RETRYABLE          503 + Retry-After / UNAVAILABLE
 *   pipeline PF_PERMANENT          400 / INVALID_ARGUMENT
 * HTTP error bodies are google.rpc.Status in the request's format and encoding. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/compress.h"
#include "net/grpc_frame.h"
#include "pipeline/model/wire.h"
#include "receivers/helper/otlp_reply.h"
#include "pipeline/otlpjson/pbjson.h"
#include "receivers/otlp/otlp_receiver.h"

typedef enum body_format { FORMAT_PROTOBUF, FORMAT_JSON } body_format;

typedef struct export_result {
    pf_receiver_answer a;
    size_t rejected_profiles; /* accepted with partial_success: profiles dropped as invalid */
} export_result;

static pf_batch *decode_json(const uint8_t *body, size_t len, char *err, size_t err_len)
{
    pf_batch *b = pf_batch_new();
    ProtobufCAllocator al = pf_arena_allocator(b->arena);
    ProtobufCMessage *msg = NULL;
    if (!pf_pbjson_decode(&otlp_request_descriptor, (const char *)body, len, &al, &msg, err, err_len)) {
        pf_batch_unref(b);
        return NULL;
    }
    otlp_request *req = (otlp_request *)msg;
    /* pf_batch_new's dictionary already holds the mandatory zero entries; keep it when none came. */
    if (!req->dictionary) req->dictionary = b->req->dictionary;
    b->req = req;
    b->wire_bytes = len;
    return b;
}

/* How the request came on the wire, for verbatim forwarding (pipeline/model/wire.h): compressed with
 * `encoding` as `encoded` (NULL when it was not). */
typedef struct wire_form {
    const char *encoding;
    const uint8_t *encoded;
    size_t encoded_len;
} wire_form;

/* True when some sample has neither values nor timestamps (what a v1.9 sample looks like in v1.10). */
static bool samples_without_values(const pf_batch *b)
{
    const otlp_request *r = b->req;
    for (size_t i = 0; i < r->n_resource_profiles; i++)
        for (size_t j = 0; j < r->resource_profiles[i]->n_scope_profiles; j++) {
            const otlp_scope_profiles *sp = r->resource_profiles[i]->scope_profiles[j];
            for (size_t k = 0; k < sp->n_profiles; k++)
                for (size_t s = 0; s < sp->profiles[k]->n_samples; s++) {
                    const otlp_sample *x = sp->profiles[k]->samples[s];
                    if (!x->n_values && !x->n_timestamps_unix_nano) return true;
                }
        }
    return false;
}

static void refuse_v1_9(otlp_transport *t, export_result *res, size_t samples)
{
    char labels[256];
    snprintf(labels, sizeof(labels), "receiver=\"%s\",transport=\"%s\",layout=\"v1.9\"", t->rt.receiver_id, t->rt.name);
    pf_metric_add(pf_counter("proflow_receiver_layout_mismatch_requests_total",
                             "Protobuf requests refused because they use an older OTLP profiles wire layout.", labels),
                  1);
    pf_metric_add(t->rt.refused, (double)samples);
    pf_receiver_answer_set(
        &res->a, 400, PF_GRPC_INVALID_ARGUMENT,
        "request uses the OTLP profiles proto v1.9 layout (Sample.values = field 2, "
        "attribute_indices = 3, link_index = 4); this receiver speaks v1.10+ (attribute_indices = 2, "
        "link_index = 3, values = 4): upgrade the sender to opentelemetry-proto v1.10 or later");
}

/* Decoded request bytes → pipeline. Fills res with the answer to give. */
static void export_body(otlp_transport *t, const pf_http_request *req, const uint8_t *body, size_t len,
                        body_format format, const wire_form *wire, export_result *res)
{
    if (!pf_receiver_admit(&t->rt, t->receiver->next, &res->a)) return;
    /* Like the Collector's receiver: absent means version 1; any other value is a schema we do not speak. */
    const char *version = pf_http_header_get(req, PF_OTLP_PROFILES_VERSION_HEADER);
    if (version && strcmp(version, PF_OTLP_PROFILES_VERSION) != 0) {
        pf_receiver_answer_set(&res->a, 400, PF_GRPC_INVALID_ARGUMENT,
                               "unsupported " PF_OTLP_PROFILES_VERSION_HEADER
                               " \"%.64s\": this receiver speaks version " PF_OTLP_PROFILES_VERSION
                               " (opentelemetry-proto v1.10/v1.11 layout)",
                               version);
        return;
    }
    pf_wire_counts counts;
    /* pf_wire_validate bounds attribute nesting itself (64 levels, below the decoder's guard). A request
     * with attribute references (key_strindex / string_value_strindex) takes the tree path: they are
     * resolved inline there (pf_batch_inline_attributes), which changes the bytes; so does one that
     * looks like the v1.9 layout, which the tree path refuses with its own message. */
    if (format == FORMAT_PROTOBUF && pf_wire_validate(body, len, &counts) && counts.attribute_refs == 0 &&
        !counts.v1_9_layout) {
        /* Valid as received: the batch is these bytes, decoded only if a consumer needs the tree
         * (pipeline/model/wire.h); exporters send them as they are. */
        pf_batch *lazy = pf_batch_new_lazy(body, len, wire->encoding, wire->encoded, wire->encoded_len, &counts);
        pf_receiver_answer_set(&res->a, 200, PF_GRPC_OK, "%s", "");
        pf_receiver_deliver(&t->rt, t->receiver->next, req, lazy, &res->a);
        return;
    }
    char err[512] = "";
    pf_batch *b = format == FORMAT_JSON ? decode_json(body, len, err, sizeof(err)) : pf_batch_decode(body, len);
    if (!b) {
        if (format == FORMAT_JSON)
            pf_receiver_answer_set(&res->a, 400, PF_GRPC_INVALID_ARGUMENT, "invalid OTLP/JSON request: %s", err);
        else if (otlp_request_is_v1_9_layout(body, len))
            refuse_v1_9(t, res, 0);
        else
            pf_receiver_answer_set(&res->a, 400, PF_GRPC_INVALID_ARGUMENT,
                                   "malformed ExportProfilesServiceRequest: protobuf decoding failed");
        return;
    }
    size_t samples = pf_batch_sample_count(b);
    /* Protobuf field numbers, not names, changed between v1.9 and v1.10: JSON is not affected. */
    if (format == FORMAT_PROTOBUF && samples_without_values(b) && otlp_request_is_v1_9_layout(body, len)) {
        pf_batch_unref(b);
        refuse_v1_9(t, res, samples);
        return;
    }
    /* Kept before validation, so that whatever validation changes (attribute references resolved inline,
     * invalid profiles dropped) drops them again: exporters may send these bytes instead of encoding the
     * batch again only while they are what the batch holds (pipeline/model/wire.h). */
    if (format == FORMAT_PROTOBUF) pf_batch_wire_keep(b, body, len, wire->encoding, wire->encoded, wire->encoded_len);
    size_t rejected = 0;
    if (!pf_batch_validate(b, &rejected, err, sizeof(err))) {
        pf_batch_unref(b);
        pf_metric_add(t->rt.refused, (double)samples);
        pf_receiver_answer_set(&res->a, 400, PF_GRPC_INVALID_ARGUMENT, "invalid ExportProfilesServiceRequest: %s", err);
        return;
    }
    if (rejected) {
        /* Invalid profiles were dropped; the rest goes on and the client learns through partial_success. */
        pf_metric_add(t->rt.refused, (double)(samples - pf_batch_sample_count(b)));
        res->rejected_profiles = rejected;
    }
    pf_receiver_answer_set(&res->a, 200, PF_GRPC_OK, "%s", rejected ? err : "");
    if (pf_receiver_deliver(&t->rt, t->receiver->next, req, b, &res->a) != PF_OK) res->rejected_profiles = 0;
}

/* ExportProfilesServiceResponse, with partial_success when invalid profiles were dropped. */
static void encode_response(const export_result *res, bool json, pf_buf *out)
{
    otlp_response resp = OTLP_RESPONSE_INIT;
    otlp_partial_success partial = OTLP_PARTIAL_SUCCESS_INIT;
    if (res->rejected_profiles) {
        partial.rejected_profiles = (int64_t)res->rejected_profiles;
        partial.error_message = (char *)res->a.message;
        resp.partial_success = &partial;
    }
    if (json) {
        pf_pbjson_encode(&resp.base, out);
        return;
    }
    pf_buf_reserve(out, protobuf_c_message_get_packed_size(&resp.base));
    out->len += protobuf_c_message_pack(&resp.base, (uint8_t *)out->data + out->len);
}

/* ---------------------------------------------------------------- gRPC */

void otlp_grpc_export(pf_http_request *req, void *data)
{
    otlp_transport *t = data;
    pf_metric_add(t->rt.bytes, (double)req->body_len);
    if (!req->is_grpc) {
        pf_receiver_count_request(&t->rt, req, "415", NULL);
        pf_http_header ct = {"content-type", "text/plain; charset=utf-8"};
        static const char msg[] = "this endpoint speaks gRPC (content-type application/grpc)\n";
        pf_http_respond(req, 415, &ct, 1, msg, sizeof(msg) - 1);
        return;
    }
    export_result res = {0};
    wire_form wire = {req->grpc_encoding, req->grpc_compressed, req->grpc_compressed_len};
    export_body(t, req, req->body, req->body_len, FORMAT_PROTOBUF, &wire, &res);
    pf_receiver_count_request(&t->rt, req, pf_grpc_status_name(res.a.grpc_status), &res.a);
    if (res.a.grpc_status != PF_GRPC_OK) {
        pf_grpc_respond(req, res.a.grpc_status, res.a.message, NULL, 0);
        return;
    }
    pf_buf payload = {0};
    encode_response(&res, false, &payload);
    pf_grpc_respond(req, PF_GRPC_OK, NULL, payload.data, payload.len);
    pf_buf_free(&payload);
}

/* ---------------------------------------------------------------- HTTP */

/* google.rpc.Status {int32 code = 1; string message = 2;} */
static void encode_status_protobuf(int code, const char *message, pf_buf *out)
{
    uint8_t head[16];
    size_t n = 0;
    head[n++] = 0x08;
    for (uint32_t v = (uint32_t)code;; v >>= 7) {
        head[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        if (v <= 0x7f) break;
    }
    pf_buf_append(out, head, n);
    size_t len = strlen(message);
    n = 0;
    head[n++] = 0x12;
    for (size_t v = len;; v >>= 7) {
        head[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        if (v <= 0x7f) break;
    }
    pf_buf_append(out, head, n);
    pf_buf_append(out, message, len);
}

static void encode_status_json(int code, const char *message, pf_buf *out)
{
    json_t *j = json_pack("{s:i,s:s}", "code", code, "message", message);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (text) pf_buf_puts(out, text);
    free(text);
    json_decref(j);
}

typedef struct http_answer {
    pf_http_request *req;
    otlp_transport *t;
    body_format format;
    const char *encoding; /* request's Content-Encoding when supported, else NULL */
} http_answer;

/* `refusal`: the answer to log as refused; NULL for a success. */
static void http_reply(const http_answer *a, int status, const pf_buf *payload, uint32_t retry_after_s,
                       const pf_receiver_answer *refusal)
{
    pf_http_header hs[3];
    size_t n = 0;
    hs[n++] =
        (pf_http_header){"content-type", a->format == FORMAT_JSON ? "application/json" : "application/x-protobuf"};
    pf_buf body = {0};
    if (!pf_encoding_is_identity(a->encoding) && pf_compress(a->encoding, payload->data, payload->len, &body))
        hs[n++] = (pf_http_header){"content-encoding", a->encoding};
    else
        pf_buf_append(&body, payload->data, payload->len);
    char retry[16];
    if (retry_after_s) {
        snprintf(retry, sizeof(retry), "%u", retry_after_s);
        hs[n++] = (pf_http_header){"retry-after", retry};
    }
    char status_s[8];
    snprintf(status_s, sizeof(status_s), "%d", status);
    pf_receiver_count_request(&a->t->rt, a->req, status_s, refusal);
    pf_http_respond(a->req, status, hs, n, body.data, body.len);
    pf_buf_free(&body);
}

static void http_error(const http_answer *a, const pf_receiver_answer *res)
{
    pf_buf payload = {0};
    if (a->format == FORMAT_JSON)
        encode_status_json(res->grpc_status, res->message, &payload);
    else
        encode_status_protobuf(res->grpc_status, res->message, &payload);
    http_reply(a, res->http_status, &payload, res->retry_after_s, res);
    pf_buf_free(&payload);
}

/* 415 for a body we cannot even classify: plain text, since no format is known. */
static void http_unsupported(otlp_transport *t, pf_http_request *req, const pf_receiver_answer *res)
{
    pf_receiver_count_request(&t->rt, req, "415", res);
    pf_http_header ct = {"content-type", "text/plain; charset=utf-8"};
    pf_buf body = {0};
    pf_buf_printf(&body, "%s\n", res->message);
    pf_http_respond(req, 415, &ct, 1, body.data, body.len);
    pf_buf_free(&body);
}

void otlp_http_export(pf_http_request *req, void *data)
{
    otlp_transport *t = data;
    pf_metric_add(t->rt.bytes, (double)req->body_len);
    char type[128];
    export_result res = {0};
    pf_receiver_media_type(pf_http_header_get(req, "content-type"), type, sizeof(type));
    http_answer a = {req, t, FORMAT_PROTOBUF, NULL};
    if (strcmp(type, "application/json") == 0) {
        a.format = FORMAT_JSON;
    } else if (strcmp(type, "application/x-protobuf") != 0 && strcmp(type, "application/protobuf") != 0) {
        pf_receiver_answer_set(&res.a, 415, PF_GRPC_UNIMPLEMENTED,
                               "unsupported content type \"%s\": use application/x-protobuf or application/json", type);
        http_unsupported(t, req, &res.a);
        return;
    }
    char encoding[32];
    pf_receiver_media_type(pf_http_header_get(req, "content-encoding"), encoding, sizeof(encoding));
    if (!pf_encoding_supported(encoding)) {
        pf_receiver_answer_set(&res.a, 415, PF_GRPC_UNIMPLEMENTED,
                               "unsupported Content-Encoding \"%s\": use gzip, zstd, deflate or none", encoding);
        http_unsupported(t, req, &res.a);
        return;
    }
    a.encoding = encoding;
    pf_buf plain = {0};
    char err[256] = "";
    switch (pf_decompress(encoding, req->body, req->body_len, t->max_body, &plain, err, sizeof(err))) {
    case PF_DECOMPRESS_OK: {
        wire_form wire = {encoding, req->body, req->body_len};
        export_body(t, req, (const uint8_t *)plain.data, plain.len, a.format, &wire, &res);
        break;
    }
    case PF_DECOMPRESS_TOO_LARGE:
        pf_receiver_answer_set(&res.a, 413, PF_GRPC_RESOURCE_EXHAUSTED,
                               "request body exceeds max_request_body_size (%zu bytes) after decompression",
                               t->max_body);
        break;
    default:
        pf_receiver_answer_set(&res.a, 400, PF_GRPC_INVALID_ARGUMENT, "cannot decode the request body: %s", err);
        break;
    }
    pf_buf_free(&plain);
    if (res.a.http_status != 200) {
        http_error(&a, &res.a);
        return;
    }
    pf_buf payload = {0};
    encode_response(&res, a.format == FORMAT_JSON, &payload);
    http_reply(&a, 200, &payload, 0, NULL);
    pf_buf_free(&payload);
}
