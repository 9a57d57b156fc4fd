/* http_internal.h — private structures shared by the parts of the HTTP server: the listener and
 * connection lifecycle (http_server.c), request routing (http_request.c), HTTP/1.1 (http1.c),
 * HTTP/2 (http2.c) and TLS (tls.c). Nothing outside net/ includes this.
 *
 * Object lifetimes:
 *   - pf_http_server owns its connections; a connection is freed in the close callback of its last
 *     libuv handle, never earlier, so protocol code deep in a parser callback can always touch it
 *     (it checks conn->closing instead).
 *   - A request (pf_req) is tied to its connection until it is answered and its response is handed
 *     to the wire. When the connection goes away first the request is detached (conn = NULL) and
 *     lives on until the handler answers; the answer is then dropped and the request freed. */
#ifndef PF_HTTP_INTERNAL_H
#define PF_HTTP_INTERNAL_H

#include <openssl/ssl.h>

#include "net/http_server.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/base/xalloc.h"

typedef struct pf_http_conn pf_http_conn;
typedef struct pf_h1 pf_h1;
typedef struct pf_h2 pf_h2;

/* Limits whose action is counted and logged once per state change (see pf_http_limit_hit). */
typedef enum pf_http_limit {
    PF_LIMIT_MAX_CONNECTIONS,
    PF_LIMIT_HEADER_TIMEOUT,
    PF_LIMIT_IDLE_TIMEOUT,
    PF_LIMIT_HEADER_SIZE,
    PF_LIMIT_URI_SIZE,
    PF_LIMIT_BODY_SIZE,
    PF_LIMIT_MAX_STREAMS,
    PF_LIMIT_RAPID_RESET,
    PF_LIMIT_UNAUTHENTICATED,
    PF_LIMIT_WRITES_NEED_AUTH,
    PF_LIMIT_COUNT,
} pf_http_limit;

typedef struct pf_limit_state {
    bool active;      /* logged as started, not yet as quiet */
    uint64_t hits;    /* while active */
    uint64_t last_ms; /* loop time of the last hit */
} pf_limit_state;

typedef struct pf_http_route {
    char *method;
    char *path;
    bool prefix;
    pf_http_handler fn;
    void *data;
} pf_http_route;

struct pf_http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    char *owner_id;
    char *endpoint;
    size_t max_body;     /* max_request_body_size */
    size_t max_grpc_msg; /* max_recv_msg_size_mib in bytes */
    uint32_t max_streams;
    uint64_t header_timeout_ms;
    uint64_t idle_timeout_ms;
    size_t max_connections;
    size_t max_header_bytes;
    size_t max_uri_bytes;
    double resets_per_s; /* HTTP/2 rapid-reset budget: refill rate; burst is 10x */
    bool protect_writes;
    bool allow_unauthenticated_writes;
    char *basic_username;
    char *basic_password_static;
    char *basic_password_file;
    char *basic_password; /* effective password, NULL = no basic auth */
    char *bearer_token_static;
    char *bearer_token_file;
    char *bearer_token;           /* effective token, NULL = no auth */
    pf_tls_server_config tls_cfg; /* deep copy */
    SSL_CTX *tls_ctx;             /* NULL = plaintext */
    pf_http_route *routes;
    size_t n_routes;
    pf_http_conn *conns; /* doubly linked list */
    size_t n_conns;
    int port;
    bool listening;
    bool closing;
    void (*close_cb)(void *data);
    void *close_data;
    bool listener_open;     /* listener handle initialized and not yet closed */
    bool limit_timer_open;  /* limit_timer initialized and not yet closed */
    uv_timer_t limit_timer; /* logs limits that went quiet */
    pf_limit_state limits[PF_LIMIT_COUNT];
    pf_metric *conn_gauge; /* proflow_http_server_connections */
    pf_log_limiter log_limit;
    pf_http_admit_fn admit;
    void *admit_data;
    uint8_t read_buf[65536]; /* reads are consumed synchronously, so connections share one buffer */
};

typedef enum pf_conn_proto {
    PF_PROTO_DETECT, /* waiting for enough bytes to tell the HTTP/2 preface from HTTP/1.x */
    PF_PROTO_H1,
    PF_PROTO_H2,
} pf_conn_proto;

typedef struct pf_req pf_req;

struct pf_http_conn {
    pf_http_server *srv;
    uv_tcp_t tcp;
    uv_timer_t timer; /* header-read or idle timeout, whichever applies */
    int open_handles;
    char peer[64];
    pf_conn_proto proto;
    uint8_t detect_buf[24];
    size_t detect_len;
    SSL *ssl; /* NULL on plaintext connections */
    bool tls_established;
    pf_h1 *h1;
    pf_h2 *h2;
    pf_req *reqs; /* every request still tied to this connection */
    size_t writes_in_flight;
    bool reading;
    bool goaway_sent; /* HTTP/2: draining; the timer now holds the close grace period */
    bool close_after_write;
    bool closing;
    pf_http_conn *prev, *next;
};

struct pf_req {
    pf_http_request pub; /* first: handlers get &pub */
    pf_http_conn *conn;  /* NULL once detached */
    int32_t stream_id;   /* HTTP/2 stream; 0 for HTTP/1 */
    bool answered;
    bool dispatched;      /* handed to routing (no more body accepted) */
    bool body_rejected;   /* answered early because the body is too large */
    bool keep_alive;      /* HTTP/1 */
    bool in_headers;      /* HTTP/2: header block not complete yet */
    bool header_overflow; /* HTTP/2: header list above max_request_header_size (431) */
    size_t header_bytes;  /* HTTP/2: header list size so far (RFC 9113 6.5.2) */
    char peer[64];        /* copy: the request may outlive its connection */
    char *method;
    char *path;
    char *query;
    pf_http_header *headers;
    size_t n_headers, cap_headers;
    pf_buf body;     /* as received */
    pf_buf grpc_msg; /* gRPC: the unframed, decoded message */
    pf_buf response; /* HTTP/2: response body handed to nghttp2 */
    size_t response_off;
    bool response_trailers; /* HTTP/2 gRPC: send grpc-status trailers after the data */
    int grpc_status;
    char *grpc_message;   /* percent-encoded */
    uv_timer_t *deadline; /* gRPC grpc-timeout */
    size_t accounted;     /* body bytes counted in the memory budget */
    size_t expected_body; /* Content-Length, counted from admission on */
    /* pf_http_hold_answer */
    unsigned holds;
    bool hold_failed;
    char *hold_msg;
    int stash_kind; /* 0 none, 1 HTTP, 2 gRPC */
    int stash_status;
    pf_http_header *stash_headers;
    size_t stash_n_headers;
    pf_buf stash_body;
    char *stash_grpc_message;
    pf_req *prev, *next; /* in conn->reqs */
};

/* ---- requests (http_server.c) ---- */
pf_req *pf_req_new(pf_http_conn *c, int http_major);
void pf_req_add_header(pf_req *r, const char *name, size_t name_len, const char *value, size_t value_len);
/* Frees a request (it must already be detached or be removed from its connection here). */
void pf_req_free(pf_req *r);
/* Unlinks r from its connection and marks it detached; frees it when already answered. */
void pf_req_detach(pf_req *r);
/* Fills pub from the collected fields and routes it: auth, 404/405, gRPC unframing, handler. */
void pf_req_dispatch(pf_req *r);
/* Server-generated answer: an HTTP status or, for gRPC, the matching grpc-status. */
void pf_req_reject(pf_req *r, int http_status, int grpc_status, const char *msg);
/* Asks the server's admission (if any) about r once its headers are in; false when r was refused
 * (answered 503 / UNAVAILABLE). */
bool pf_req_admit(pf_req *r, size_t content_length);
/* Accounts body bytes the request holds (memory budget). */
void pf_req_account_body(pf_req *r);
/* Counts a rejected request/connection in proflow_http_server_rejected_total. */
void pf_http_count_reject(pf_http_server *s, const char *reason);
/* A limit acted: counted (rejected_total, reason = the limit's name) and logged when the limit was
 * quiet until now; `detail` says what happened ("... from <peer>"). */
void pf_http_limit_hit(pf_http_server *s, pf_http_limit which, const char *peer, const char *detail);

/* ---- connections (http_server.c) ---- */
/* Sends bytes (through TLS when the connection has it). Data is copied. */
void pf_conn_write(pf_http_conn *c, const void *data, size_t len);
/* Writes already-encrypted (or plaintext) bytes to the socket. Data is copied. */
void pf_conn_write_raw(pf_http_conn *c, const void *data, size_t len);
/* Closes once every queued write has been flushed. */
void pf_conn_close_after_write(pf_http_conn *c);
void pf_conn_close(pf_http_conn *c);
/* Feeds decrypted bytes to protocol detection / the protocol handler. */
void pf_conn_on_plaintext(pf_http_conn *c, const uint8_t *data, size_t len);
void pf_conn_read_start(pf_http_conn *c);
void pf_conn_read_stop(pf_http_conn *c);
/* Arms the connection timer: header-read timeout (true) or idle timeout (false). */
void pf_conn_arm_timer(pf_http_conn *c, bool header_timeout);
void pf_conn_stop_timer(pf_http_conn *c);
/* After GOAWAY: open streams get a few seconds to finish, then the connection is dropped. */
void pf_conn_arm_close_grace(pf_http_conn *c);
/* True when some request of c has been handed to a handler and not answered yet. */
bool pf_conn_has_pending(const pf_http_conn *c);

/* ---- HTTP/1.1 (http1.c) ---- */
pf_h1 *pf_h1_new(pf_http_conn *c);
void pf_h1_free(pf_h1 *h);
void pf_h1_feed(pf_http_conn *c, const uint8_t *data, size_t len);
void pf_h1_respond(pf_req *r, int status, const pf_http_header *headers, size_t n_headers, const void *body,
                   size_t body_len);
void pf_h1_on_timeout(pf_http_conn *c);
void pf_h1_on_eof(pf_http_conn *c);

/* ---- HTTP/2 (http2.c) ---- */
pf_h2 *pf_h2_new(pf_http_conn *c);
void pf_h2_free(pf_h2 *h);
void pf_h2_feed(pf_http_conn *c, const uint8_t *data, size_t len);
void pf_h2_respond(pf_req *r, int status, const pf_http_header *headers, size_t n_headers, const void *body,
                   size_t body_len);
void pf_h2_grpc_respond(pf_req *r, int grpc_status, const char *grpc_message, const void *msg, size_t msg_len);
/* grpc-timeout expired before the handler answered: DEADLINE_EXCEEDED goes out now, the request is
 * detached and the handler's later answer is dropped. */
void pf_h2_deadline_exceeded(pf_req *r);
/* Sends GOAWAY and closes once in-flight streams are flushed (idle timeout, server close). */
void pf_h2_goaway(pf_http_conn *c);
/* The connection timer fired: header timeout of a stream, or idle; counted, then GOAWAY. */
void pf_h2_on_timeout(pf_http_conn *c);

/* ---- TLS (tls.c) ---- */
/* Builds a server context from the config; NULL with err set on failure. */
SSL_CTX *pf_tls_ctx_new(const pf_tls_server_config *cfg, char *err, size_t err_len);
bool pf_tls_conn_init(pf_http_conn *c);
void pf_tls_on_ciphertext(pf_http_conn *c, const uint8_t *data, size_t len);
void pf_tls_write(pf_http_conn *c, const void *data, size_t len);
/* Queues a close_notify alert (before a graceful close). */
void pf_tls_shutdown(pf_http_conn *c);

#endif
