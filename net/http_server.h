/* http_server.h — one listener that serves HTTP/1.1 and HTTP/2 (h2c prior knowledge, h2 over TLS via
 * ALPN) and gRPC over HTTP/2, on a libuv loop. Used by every receiver, the telemetry endpoint and the
 * health_check extension.
 *
 * A handler gets a fully buffered request (body as sent, not content-decoded — see net/compress.h —
 * except gRPC messages, which arrive unframed and grpc-encoding-decoded) and answers exactly once with
 * pf_http_respond() or pf_grpc_respond(), now or later on the loop. The request stays valid until it
 * is answered even if the peer goes away (the answer is then dropped).
 *
 * Limits enforced before a handler runs: max_request_body_size (413 / RESOURCE_EXHAUSTED),
 * max_recv_msg_size_mib for gRPC, max_request_uri_size (414), max_request_header_size (431; HTTP/2:
 * the header list), read_header_timeout (slowloris; 408 or GOAWAY), idle_timeout, max_connections,
 * HTTP/2 max_concurrent_streams and a stream-reset budget against rapid reset (CVE-2023-44487:
 * GOAWAY ENHANCE_YOUR_CALM), and auth when configured: bearer token and/or basic auth (401 /
 * UNAUTHENTICATED), mutual TLS at the handshake. A server can also refuse writes (POST, PUT, PATCH,
 * DELETE) unless the client authenticated (protect_writes, used by the telemetry listener's control
 * API): 401 when the listener has neither auth nor mTLS, unless allow_unauthenticated_writes.
 * Every limit that acts is counted in proflow_http_server_rejected_total{server,reason} and logged
 * once when it starts acting and once when it has been quiet for a while (per server and reason).
 *
 * Ownership: pf_http_server_new() copies what it needs from the config; the caller frees the server
 * with pf_http_server_close() (async; cb runs when every connection is closed). */
#ifndef PF_HTTP_SERVER_H
#define PF_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config/config_map.h"

typedef struct pf_http_header {
    const char *name; /* lower-case */
    const char *value;
} pf_http_header;

typedef struct pf_http_request {
    const char *method;
    const char *path;      /* without the query string, percent-decoding not applied */
    const char *query;     /* raw query string without '?', "" when none */
    const char *peer_addr; /* "ip:port" */
    int http_major;        /* 1 or 2 */
    bool is_grpc;          /* content-type application/grpc* over HTTP/2 */
    bool tls;
    const pf_http_header *headers;
    size_t n_headers;
    const uint8_t *body;
    size_t body_len;
    /* gRPC: the request message as it came, still compressed with grpc_encoding, when its compressed
     * flag was set (body is then the decompressed message); NULL otherwise. Lets a receiver forward
     * the message without compressing it again. */
    const uint8_t *grpc_compressed;
    size_t grpc_compressed_len;
    const char *grpc_encoding;
} pf_http_request;

/* Case-insensitive header lookup; NULL when absent. */
const char *pf_http_header_get(const pf_http_request *req, const char *name);
/* The percent-decoded value ('+' is a space) of `name` in a raw query string, malloc'd; NULL when
 * absent. */
char *pf_http_query_param(const char *query, const char *name);

/* Answers an HTTP request. headers may be NULL. Content-Length is added by the server. */
void pf_http_respond(pf_http_request *req, int status, const pf_http_header *headers, size_t n_headers,
                     const void *body, size_t body_len);
/* Answers a gRPC request: msg (serialized protobuf, may be NULL when status != 0) is framed, then
 * trailers grpc-status / grpc-message (percent-encoded by the server) follow. */
void pf_grpc_respond(pf_http_request *req, int grpc_status, const char *grpc_message, const void *msg, size_t msg_len);

/* Holding an answer: while a request has holds, pf_http_respond / pf_grpc_respond keep the answer
 * instead of sending it; the last pf_http_release_answer sends it — or, when some release said
 * ok=false, sends 503 + Retry-After: 1 (gRPC UNAVAILABLE) with `msg` instead. Receivers use it to
 * answer only once data is stored durably (pipeline/model/ack.h). The request stays valid while held. */
void pf_http_hold_answer(pf_http_request *req);
void pf_http_release_answer(pf_http_request *req, bool ok, const char *msg);

/* Admission before the body is read: when set on a server, `admit` is asked once a request's
 * headers are in (with its Content-Length, 0 when unknown) for every request that carries a body;
 * false refuses it at once with 503 + Retry-After (gRPC UNAVAILABLE) and `why`, without reading
 * the body into memory (HTTP/1.1 then closes the connection after the answer). */
typedef struct pf_http_server pf_http_server;
typedef bool (*pf_http_admit_fn)(const pf_http_request *req, size_t content_length, void *data, char *why,
                                 size_t why_len, uint32_t *retry_after_s);
void pf_http_server_set_admission(pf_http_server *s, pf_http_admit_fn admit, void *data);

typedef void (*pf_http_handler)(pf_http_request *req, void *data);

/* TLS settings (configtls names). All paths; empty = unset. */
typedef struct pf_tls_server_config {
    char *cert_file;
    char *key_file;
    char *client_ca_file; /* mTLS: require and verify client certificates */
    char *ca_file;        /* alias accepted for client_ca_file */
    char *min_version;    /* "1.2" (default) | "1.3" */
    bool present;         /* the `tls:` key was given */
} pf_tls_server_config;

typedef struct pf_http_server_config {
    char *endpoint;                       /* "host:port" */
    int64_t max_request_body_size;        /* bytes, default 20 MiB (decompressed limit uses the same) */
    int64_t max_recv_msg_size_mib;        /* gRPC, default 4 */
    int64_t max_concurrent_streams;       /* HTTP/2, default 100 */
    int64_t read_header_timeout;          /* ns, default 10s */
    int64_t idle_timeout;                 /* ns, default 60s */
    int64_t max_connections;              /* 0 = unlimited */
    int64_t max_request_header_size;      /* bytes: HTTP/1 request line + headers, HTTP/2 header list */
    int64_t max_request_uri_size;         /* bytes of the request target (414 beyond) */
    int64_t max_stream_resets_per_second; /* HTTP/2 client RST_STREAMs (burst 10x) before GOAWAY */
    bool include_metadata;                /* receivers copy request headers into the batch metadata */
    char *bearer_token;                   /* auth: static token */
    char *bearer_token_file;              /* auth: token read from file (re-read on SIGHUP) */
    char *basic_username;                 /* auth.basic_auth: accept these credentials too */
    char *basic_password;
    char *basic_password_file;         /* re-read on SIGHUP */
    bool allow_unauthenticated_writes; /* with protect_writes: accept writes without auth or mTLS */
    bool protect_writes;               /* not a config key: set by the owner (telemetry listener) */
    pf_tls_server_config tls;
} pf_http_server_config;

/* Config table for pf_http_server_config (embed with PF_CFG_SECTION or splice at a component's top).
 * `pf_http_server_cfg_map` has the Collector's confighttp defaults; the gRPC table differs only in
 * documented defaults of the endpoint, which the component sets itself. */
extern const pf_cfg_entry pf_http_server_cfg_map[];
/* Sub-tables, for listeners that are not receivers (telemetry, health_check) and put the
 * pf_http_server_config inside their own config struct: auth (offsets of pf_http_server_config) and
 * tls (offsets of pf_tls_server_config). */
extern const pf_cfg_entry pf_http_auth_cfg_map[];
extern const pf_cfg_entry pf_tls_server_cfg_map[];
bool pf_tls_section_check(void *section, const pf_node *node, const char *path, pf_cfg_error *err);

/* The listener limits as config rows for a pf_http_server_config at byte offset `base` of the
 * config struct (0 when it is the struct). */
#define PF_HTTP_SERVER_LIMIT_ENTRIES(base)                                                                             \
    {.type = PF_CFG_INT,                                                                                               \
     .name = "max_concurrent_streams",                                                                                 \
     .def = "100",                                                                                                     \
     .offset = (base) + offsetof(pf_http_server_config, max_concurrent_streams),                                       \
     .desc = "HTTP/2 streams a client may have open at once (more are refused with REFUSED_STREAM).",                  \
     .min = 1,                                                                                                         \
     .max = 2147483647},                                                                                               \
        {.type = PF_CFG_DURATION,                                                                                      \
         .name = "read_header_timeout",                                                                                \
         .def = "10s",                                                                                                 \
         .offset = (base) + offsetof(pf_http_server_config, read_header_timeout),                                      \
         .desc = "Time allowed to receive a request's headers (slowloris guard; 0 = no limit)."},                      \
        {.type = PF_CFG_DURATION,                                                                                      \
         .name = "idle_timeout",                                                                                       \
         .def = "60s",                                                                                                 \
         .offset = (base) + offsetof(pf_http_server_config, idle_timeout),                                             \
         .desc = "Connections without a request in progress are closed after this long (0 = never)."},                 \
        {.type = PF_CFG_INT,                                                                                           \
         .name = "max_connections",                                                                                    \
         .def = "0",                                                                                                   \
         .offset = (base) + offsetof(pf_http_server_config, max_connections),                                          \
         .desc = "Connections served at once; more are closed on accept (0 = unlimited).",                             \
         .min = 0,                                                                                                     \
         .max = 1e9},                                                                                                  \
        {.type = PF_CFG_SIZE,                                                                                          \
         .name = "max_request_header_size",                                                                            \
         .def = "64KiB",                                                                                               \
         .offset = (base) + offsetof(pf_http_server_config, max_request_header_size),                                  \
         .desc = "Largest request line + headers (HTTP/1) or header list (HTTP/2); 431 beyond (proflow addition).",    \
         .min = 1024,                                                                                                  \
         .max = 16777216},                                                                                             \
        {.type = PF_CFG_SIZE,                                                                                          \
         .name = "max_request_uri_size",                                                                               \
         .def = "8KiB",                                                                                                \
         .offset = (base) + offsetof(pf_http_server_config, max_request_uri_size),                                     \
         .desc = "Longest request target (path and query); 414 beyond (proflow addition).",                            \
         .min = 64,                                                                                                    \
         .max = 16777216},                                                                                             \
    {                                                                                                                  \
        .type = PF_CFG_INT, .name = "max_stream_resets_per_second", .def = "100",                                      \
        .offset = (base) + offsetof(pf_http_server_config, max_stream_resets_per_second),                              \
        .desc = "HTTP/2 streams a client may reset per second (bursts of 10x) before the connection gets GOAWAY "      \
                "ENHANCE_YOUR_CALM: the rapid-reset guard (CVE-2023-44487; proflow addition).",                        \
        .min = 1, .max = 1e6                                                                                           \
    }

/* auth and tls rows for a pf_http_server_config at byte offset `base`. */
#define PF_HTTP_SERVER_SECURITY_ENTRIES(base)                                                                          \
    {.type = PF_CFG_SECTION,                                                                                           \
     .name = "auth",                                                                                                   \
     .offset = (base),                                                                                                 \
     .desc = "Client authentication: bearer token and/or basic auth.",                                                 \
     .sub = pf_http_auth_cfg_map},                                                                                     \
    {                                                                                                                  \
        .type = PF_CFG_SECTION, .name = "tls", .offset = (base) + offsetof(pf_http_server_config, tls),                \
        .desc = "Serve TLS (h2 and http/1.1 via ALPN) when this key is present.", .flags = PF_CFG_PRESENCE,            \
        .sub = pf_tls_server_cfg_map, .check = pf_tls_section_check,                                                   \
        .presence_offset = (base) + offsetof(pf_http_server_config, tls.present)                                       \
    }

typedef struct pf_http_server pf_http_server;

pf_http_server *pf_http_server_new(uv_loop_t *loop, const pf_http_server_config *cfg, const char *owner_id);
/* Routes match method + exact path; path_prefix=true matches by prefix. Register before start. */
void pf_http_server_route(pf_http_server *s, const char *method, const char *path, bool path_prefix, pf_http_handler fn,
                          void *data);
/* Binds and listens. Returns false with a message (e.g. "listen 127.0.0.1:4318: address in use"). */
bool pf_http_server_start(pf_http_server *s, char *err, size_t err_len);
/* Actual bound port (useful with port 0). */
int pf_http_server_port(const pf_http_server *s);
/* Re-reads certificates and the bearer token file (SIGHUP). */
void pf_http_server_reload_tls(pf_http_server *s);
/* Stops listening, finishes in-flight requests' responses, closes connections, frees s, then cb. */
void pf_http_server_close(pf_http_server *s, void (*cb)(void *data), void *data);

#endif
