/* push_handler.c — Pyroscope's `POST /push.v1.PusherService/Push`, served three ways on one path:
 *   gRPC (HTTP/2, application/grpc)               errors as grpc-status
 *   Connect unary, application/proto or /json     over HTTP/1.1 or HTTP/2, Content-Encoding allowed;
 *                                                 errors as {"code":"invalid_argument","message":…}
 *                                                 with the Connect protocol's HTTP status for the code
 * Every RawProfileSeries becomes one resource per RawSample: its labels (which must hold __name__)
 * as attributes, its raw_profile (pprof, gzipped or not) as profiles. Annotations are dropped, as
 * Pyroscope does. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/compress.h"
#include "net/grpc_frame.h"
#include "pipeline/otlpjson/pbjson.h"
#include "push/v1/push.pb-c.h"
#include "receivers/pyroscope/pyroscope_receiver.h"

typedef enum push_codec { CODEC_PROTO, CODEC_JSON } push_codec;

static void series_labels(const Push__V1__RawProfileSeries *s, pf_arena *a, pf_pyro_labels *out)
{
    out->n = s->n_labels;
    out->items = pf_arena_alloc(a, (s->n_labels ? s->n_labels : 1) * sizeof(*out->items));
    for (size_t i = 0; i < s->n_labels; i++)
        out->items[i] = (pf_pyro_label){s->labels[i]->name ? s->labels[i]->name : "",
                                        s->labels[i]->value ? s->labels[i]->value : ""};
}

static bool has_name_label(const pf_pyro_labels *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, "__name__") == 0 && *l->items[i].value) return true;
    return false;
}

/* Decoded PushRequest → pipeline. */
static void push(pyro_api *api, const pf_http_request *req, const Push__V1__PushRequest *pr, pf_arena *a,
                 pf_receiver_answer *res)
{
    pyro_receiver *r = api->receiver;
    pf_batch *b = pf_batch_new();
    char err[512];
    for (size_t i = 0; i < pr->n_series; i++) {
        const Push__V1__RawProfileSeries *s = pr->series[i];
        pf_pyro_labels labels;
        series_labels(s, a, &labels);
        if (!has_name_label(&labels)) {
            pf_batch_unref(b);
            pf_receiver_answer_set(res, 400, PF_GRPC_INVALID_ARGUMENT,
                                   "series[%zu]: labels have no __name__ (the profile type)", i);
            return;
        }
        for (size_t j = 0; j < s->n_samples; j++) {
            const ProtobufCBinaryData *raw = &s->samples[j]->raw_profile;
            if (!pyro_batch_add_pprof(b, a, &labels, raw->data, raw->len, r->max_body, err, sizeof(err))) {
                pf_batch_unref(b);
                pf_receiver_answer_set(res, 400, PF_GRPC_INVALID_ARGUMENT, "series[%zu].samples[%zu].raw_profile: %s",
                                       i, j, err);
                return;
            }
        }
    }
    b->wire_bytes = req->body_len;
    pyro_deliver(api, req, b, res);
}

static Push__V1__PushRequest *decode(const uint8_t *body, size_t len, push_codec codec, pf_arena *a,
                                     pf_receiver_answer *res)
{
    ProtobufCAllocator al = pf_arena_allocator(a);
    if (codec == CODEC_PROTO) {
        Push__V1__PushRequest *pr = push__v1__push_request__unpack(&al, len, body);
        if (!pr)
            pf_receiver_answer_set(res, 400, PF_GRPC_INVALID_ARGUMENT,
                                   "malformed push.v1.PushRequest: protobuf decoding failed");
        return pr;
    }
    char err[400];
    ProtobufCMessage *msg = NULL;
    if (!pf_pbjson_decode(&push__v1__push_request__descriptor, (const char *)body, len, &al, &msg, err, sizeof(err))) {
        pf_receiver_answer_set(res, 400, PF_GRPC_INVALID_ARGUMENT, "invalid push.v1.PushRequest JSON: %s", err);
        return NULL;
    }
    return (Push__V1__PushRequest *)msg;
}

static void decode_and_push(pyro_api *api, const pf_http_request *req, const uint8_t *body, size_t len,
                            push_codec codec, pf_receiver_answer *res)
{
    if (!pf_receiver_admit(&api->rt, api->receiver->next, res)) return;
    pf_arena *a = pf_arena_create(64 * 1024);
    Push__V1__PushRequest *pr = decode(body, len, codec, a, res);
    if (pr) push(api, req, pr, a, res);
    pf_arena_destroy(a);
}

/* ---------------------------------------------------------------- gRPC */

static void grpc_push(pyro_api *api, pf_http_request *req)
{
    pf_receiver_answer res = {0};
    decode_and_push(api, req, req->body, req->body_len, CODEC_PROTO, &res);
    pf_receiver_count_request(&api->rt, req, pf_grpc_status_name(res.grpc_status), &res);
    if (res.grpc_status != PF_GRPC_OK) {
        pf_grpc_respond(req, res.grpc_status, res.message, NULL, 0);
        return;
    }
    static const uint8_t empty_response[1];
    pf_grpc_respond(req, PF_GRPC_OK, NULL, empty_response, 0); /* PushResponse has no fields */
}

/* ---------------------------------------------------------------- Connect */

/* The Connect protocol's error codes and the HTTP status each is sent with. */
static const struct {
    int grpc;
    const char *code;
    int http;
} connect_codes[] = {
    {PF_GRPC_INVALID_ARGUMENT, "invalid_argument", 400},
    {PF_GRPC_RESOURCE_EXHAUSTED, "resource_exhausted", 429},
    {PF_GRPC_UNAVAILABLE, "unavailable", 503},
    {PF_GRPC_UNIMPLEMENTED, "unimplemented", 501},
    {PF_GRPC_INTERNAL, "internal", 500},
};

static void connect_reply(pyro_api *api, pf_http_request *req, int status, const pf_receiver_answer *res,
                          const char *type, const void *body, size_t len)
{
    pf_http_header hs[2] = {{"content-type", type}};
    size_t n = 1;
    char retry[16];
    if (res->retry_after_s) {
        snprintf(retry, sizeof(retry), "%u", res->retry_after_s);
        hs[n++] = (pf_http_header){"retry-after", retry};
    }
    char status_s[8];
    snprintf(status_s, sizeof(status_s), "%d", status);
    pf_receiver_count_request(&api->rt, req, status_s, res);
    pf_http_respond(req, status, hs, n, body, len);
}

static void connect_error(pyro_api *api, pf_http_request *req, const pf_receiver_answer *res)
{
    const char *code = "unknown";
    int http = 500;
    for (size_t i = 0; i < sizeof(connect_codes) / sizeof(connect_codes[0]); i++)
        if (connect_codes[i].grpc == res->grpc_status) code = connect_codes[i].code, http = connect_codes[i].http;
    json_t *j = json_pack("{s:s,s:s}", "code", code, "message", res->message);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    connect_reply(api, req, http, res, "application/json", text ? text : "{}", text ? strlen(text) : 2);
    free(text);
    json_decref(j);
}

static void connect_push(pyro_api *api, pf_http_request *req)
{
    pf_receiver_answer res = {0};
    char type[128], encoding[32];
    pf_receiver_media_type(pf_http_header_get(req, "content-type"), type, sizeof(type));
    pf_receiver_media_type(pf_http_header_get(req, "content-encoding"), encoding, sizeof(encoding));
    push_codec codec = strcmp(type, "application/json") == 0 ? CODEC_JSON : CODEC_PROTO;
    if (codec == CODEC_PROTO && strcmp(type, "application/proto") != 0) {
        /* The Connect protocol answers an unknown codec with a bare 415. */
        pf_receiver_answer_set(&res, 415, PF_GRPC_UNIMPLEMENTED,
                               "unsupported content type \"%s\": use application/proto, application/json or gRPC",
                               type);
        connect_reply(api, req, 415, &res, "text/plain; charset=utf-8", NULL, 0);
        return;
    }
    if (!pf_encoding_supported(encoding)) {
        pf_receiver_answer_set(&res, 501, PF_GRPC_UNIMPLEMENTED,
                               "unsupported Content-Encoding \"%s\": use gzip, zstd, deflate or none", encoding);
        connect_error(api, req, &res);
        return;
    }
    pf_buf plain = {0};
    char err[256] = "";
    switch (pf_decompress(encoding, req->body, req->body_len, api->receiver->max_body, &plain, err, sizeof(err))) {
    case PF_DECOMPRESS_OK: decode_and_push(api, req, (const uint8_t *)plain.data, plain.len, codec, &res); break;
    case PF_DECOMPRESS_TOO_LARGE:
        pf_receiver_answer_set(&res, 413, PF_GRPC_RESOURCE_EXHAUSTED,
                               "request body exceeds max_request_body_size (%zu bytes) after decompression",
                               api->receiver->max_body);
        break;
    default:
        pf_receiver_answer_set(&res, 400, PF_GRPC_INVALID_ARGUMENT, "cannot decode the %s request body: %s", encoding,
                               err);
        break;
    }
    pf_buf_free(&plain);
    if (res.http_status != 200) {
        connect_error(api, req, &res);
        return;
    }
    if (codec == CODEC_JSON)
        connect_reply(api, req, 200, &res, "application/json", "{}", 2);
    else
        connect_reply(api, req, 200, &res, "application/proto", NULL, 0);
}

void pyro_handle_push(pf_http_request *req, void *data)
{
    pyro_api *api = data;
    pf_metric_add(api->rt.bytes, (double)req->body_len);
    if (req->is_grpc)
        grpc_push(api, req);
    else
        connect_push(api, req);
}
