/* http_client.h — asynchronous HTTP/1.1, HTTP/2 and gRPC-unary client on a libuv loop, used by the
 * exporters.
 *
 * libcurl's multi-socket API is driven by the loop (uv_poll per socket, one uv_timer): no threads of
 * our own, connections are kept and reused by the multi handle, HTTP/2 streams are multiplexed when the
 * server offers h2 (ALPN), and gRPC calls on http:// URLs use h2c with prior knowledge.
 *
 * Ownership:
 *   - pf_http_client_new() copies everything it needs from the config; the caller frees the client
 *     with pf_http_client_close() (async: every in-flight call first completes with status 0 and the
 *     error "client closed", then the handles close and cb runs).
 *   - pf_http_client_send()/pf_grpc_unary() copy the call (URL, headers, body) before returning, so the
 *     caller may free them at once.
 *   - The response passed to the done callback, and everything it points to, is owned by the client
 *     and valid only during the callback: copy what you need to keep.
 * Everything runs on the loop thread. */
#ifndef PF_HTTP_CLIENT_H
#define PF_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config/config_map.h"
#include "net/http_server.h" /* pf_http_header */
#include "pipeline/base/xalloc.h"

/* configtls client settings. Paths; NULL = unset. */
typedef struct pf_tls_client_config {
    bool insecure;              /* gRPC: plain-text h2c instead of TLS */
    char *ca_file;              /* verify the server against this CA bundle instead of the system's */
    char *cert_file;            /* mTLS client certificate (PEM) */
    char *key_file;             /* mTLS client key (PEM) */
    bool insecure_skip_verify;  /* do not verify the server certificate nor its name */
    char *server_name_override; /* name used for SNI and certificate verification */
} pf_tls_client_config;

typedef struct pf_keepalive_config {
    int64_t time;    /* ns of idle before TCP keepalive probes start; 0 = off */
    int64_t timeout; /* ns between probes, and the TCP_USER_TIMEOUT; 0 = probes every `time` */
    bool permit_without_stream;
} pf_keepalive_config;

/* confighttp / configgrpc client settings (the Collector's key names). */
typedef struct pf_http_client_config {
    char *endpoint;
    pf_tls_client_config tls;
    pf_strmap headers; /* added to every request */
    int64_t timeout;   /* ns, default per call */
    char *proxy_url;
    char *compression; /* "gzip" | "zstd" | "none" | "" (body / gRPC message compression) */
    struct {
        int64_t level; /* compression_params.level; 0 = the encoding's default (net/compress.h) */
    } compression_params;
    pf_keepalive_config keepalive;
} pf_http_client_config;

/* Config table entries of pf_http_client_config, spliced into a component table whose config struct
 * holds a pf_http_client_config at byte offset `base` (for example
 * offsetof(my_config, client)). Everything except `timeout` and `keepalive`, which components add
 * themselves (exporters take `timeout` from the exporter helper; only gRPC has `keepalive`). */
#define PF_HTTP_CLIENT_CFG_ENTRIES(base)                                                                               \
    {.type = PF_CFG_STRING,                                                                                            \
     .name = "endpoint",                                                                                               \
     .offset = (base) + offsetof(pf_http_client_config, endpoint),                                                     \
     .desc = "Target URL (HTTP) or host:port (gRPC)."},                                                                \
        {.type = PF_CFG_SECTION,                                                                                       \
         .name = "tls",                                                                                                \
         .offset = (base) + offsetof(pf_http_client_config, tls),                                                      \
         .sub = pf_tls_client_cfg_map,                                                                                 \
         .desc = "TLS settings (configtls client)."},                                                                  \
        {.type = PF_CFG_STRING_MAP,                                                                                    \
         .name = "headers",                                                                                            \
         .offset = (base) + offsetof(pf_http_client_config, headers),                                                  \
         .desc = "Headers added to every request.",                                                                    \
         .flags = PF_CFG_SECRET},                                                                                      \
        {.type = PF_CFG_STRING,                                                                                        \
         .name = "proxy_url",                                                                                          \
         .offset = (base) + offsetof(pf_http_client_config, proxy_url),                                                \
         .desc = "Proxy to send requests through (http://, https://, socks5://)."},                                    \
        {.type = PF_CFG_STRING,                                                                                        \
         .name = "compression",                                                                                        \
         .def = "gzip",                                                                                                \
         .offset = (base) + offsetof(pf_http_client_config, compression),                                              \
         .choices = pf_http_compression_choices,                                                                       \
         .desc = "Body compression: gzip, zstd or none."},                                                             \
    {                                                                                                                  \
        .type = PF_CFG_SECTION, .name = "compression_params",                                                          \
        .offset = (base) + offsetof(pf_http_client_config, compression_params), .sub = pf_compression_params_cfg_map,  \
        .desc = "Compression settings (level)."                                                                        \
    }

#define PF_HTTP_CLIENT_TIMEOUT_ENTRY(base)                                                                             \
    {                                                                                                                  \
        .type = PF_CFG_DURATION, .name = "timeout", .def = "5s",                                                       \
        .offset = (base) + offsetof(pf_http_client_config, timeout), .desc = "Time limit of one request."              \
    }

#define PF_KEEPALIVE_ENTRY(base)                                                                                       \
    {                                                                                                                  \
        .type = PF_CFG_SECTION, .name = "keepalive", .offset = (base) + offsetof(pf_http_client_config, keepalive),    \
        .sub = pf_keepalive_cfg_map,                                                                                   \
        .desc = "TCP keepalive of the connections (time, timeout); no HTTP/2 PINGs, see time."                         \
    }

extern const pf_cfg_entry pf_tls_client_cfg_map[];
extern const pf_cfg_entry pf_keepalive_cfg_map[];
extern const char *const pf_http_compression_choices[];
extern const pf_cfg_entry pf_compression_params_cfg_map[];
/* The Collector's check of compression_params against compression: gzip takes -1 (default), -2
 * (HuffmanOnly), 0 (unset) and 1-9; zstd any level; no compression only 0. False with err set. */
bool pf_http_client_compression_valid(const pf_http_client_config *cfg, const pf_node *node, const char *path,
                                      pf_cfg_error *err);
/* The whole client table (endpoint, tls, headers, timeout, proxy_url, compression) for a struct that
 * is exactly a pf_http_client_config. */
extern const pf_cfg_entry pf_http_client_cfg_map[];

typedef struct pf_http_call {
    const char *method; /* "POST", "GET", ... */
    const char *url;
    const pf_http_header *headers; /* added after the client's configured headers */
    size_t n_headers;
    const void *body;
    size_t body_len;
    const char *content_encoding; /* "gzip" | "zstd": the client compresses the body; NULL/"none" = as is */
    bool body_encoded;            /* the body is already in content_encoding: only the header is added */
    int64_t timeout_ns;           /* 0 = the client's configured timeout */
    bool http2_only;              /* gRPC transport: HTTP/2 required (h2c prior knowledge on http://),
                                       no Accept-Encoding negotiation (set by pf_grpc_unary) */
    size_t max_response_bytes;    /* 0 = no per-call limit (the client's built-in cap still applies);
                                       else the transfer is aborted as soon as the (decoded) body grows
                                       past it, and the call fails with body_too_large set */
} pf_http_call;

typedef struct pf_http_response {
    int status;                    /* HTTP status; 0 on transport error (see error) */
    const char *error;             /* transport error text, "" when status != 0 */
    bool timed_out;                /* the transport error was the request timeout */
    bool body_too_large;           /* the transfer was aborted at the call's max_response_bytes */
    const pf_http_header *headers; /* response headers then trailers, names lower-case */
    size_t n_headers;
    uint32_t retry_after_s; /* Retry-After (delay-seconds or HTTP-date), 0 when absent */
    const uint8_t *body;    /* gRPC: the unframed, decompressed reply message */
    size_t body_len;
    size_t request_bytes; /* request body as sent (after compression / gRPC framing) */
    /* gRPC only: grpc-status from trailers (or mapped from the HTTP status / transport error as gRPC
     * clients do: UNAVAILABLE when the server could not be reached, DEADLINE_EXCEEDED on timeout);
     * -1 for plain HTTP calls. grpc_message is percent-decoded, "" when absent. */
    int grpc_status;
    const char *grpc_message;
    /* gRPC only: the error's grpc-status-details-bin (a google.rpc.Status) carried a
     * google.rpc.RetryInfo; its retry_delay, rounded up to whole seconds, is then in retry_after_s. */
    bool grpc_retry_info;
} pf_http_response;

/* Case-insensitive lookup in a response; NULL when absent. */
/* "Basic <base64(user:password)>" for an Authorization header; the caller frees it. */
char *pf_http_basic_authorization(const char *user, const char *password);

const char *pf_http_response_header(const pf_http_response *r, const char *name);

typedef void (*pf_http_done_cb)(const pf_http_response *resp, void *data);

typedef struct pf_http_client pf_http_client;

/* Returns NULL with err set when the config cannot be used (unreadable TLS files, bad proxy URL). */
pf_http_client *pf_http_client_new(uv_loop_t *loop, const pf_http_client_config *cfg, char *err, size_t err_len);

/* Starts a request; cb runs exactly once on the loop (never before this returns). Not after
 * pf_http_client_close(). */
void pf_http_client_send(pf_http_client *c, const pf_http_call *call, pf_http_done_cb cb, void *data);

typedef struct pf_grpc_call {
    const char *url; /* scheme://host:port/package.Service/Method */
    const pf_http_header *metadata;
    size_t n_metadata;
    const void *msg; /* serialized request message */
    size_t msg_len;
    const char *compression; /* "gzip" | "zstd": grpc-encoding of the message; NULL/"none" = none */
    bool msg_compressed;     /* msg is already compressed with `compression` */
    int64_t timeout_ns;      /* 0 = the client's configured timeout; also sent as grpc-timeout */
} pf_grpc_call;

/* A unary gRPC call over HTTP/2 (h2c prior knowledge for http://, ALPN h2 for https://). */
void pf_grpc_unary(pf_http_client *c, const pf_grpc_call *call, pf_http_done_cb cb, void *data);

/* Reads the google.rpc.RetryInfo detail of a grpc-status-details-bin value (base64, padded or not,
 * of a google.rpc.Status whose details hold google.protobuf.Any messages). True with *delay_ns (>= 0,
 * RetryInfo.retry_delay) when one is present; false when there is none or the value is malformed. */
bool pf_grpc_retry_info(const char *status_details_bin, int64_t *delay_ns);

/* Turns "host:port", "http://host:port" or "https://host:port" into a base URL: the scheme given, else
 * http:// when tls.insecure, else https://. Caller frees. */
char *pf_grpc_base_url(const pf_http_client_config *cfg);

void pf_http_client_close(pf_http_client *c, void (*cb)(void *data), void *data);

/* Number of calls started and not yet completed. */
size_t pf_http_client_in_flight(const pf_http_client *c);

#endif
