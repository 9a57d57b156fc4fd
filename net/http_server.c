/* http_server.c — listener, connection lifecycle, writes and timeouts of the HTTP server, plus the
 * confighttp-style config table (see http_server.h; protocol handling lives in http1.c / http2.c,
 * requests and routing in http_request.c, TLS in tls.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "net/http_internal.h"
#include "pipeline/base/telemetry.h"

/* ---------------------------------------------------------------- config table */

static const char *const tls_versions[] = {"1.2", "1.3", NULL};

bool pf_tls_section_check(void *section, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const pf_tls_server_config *tls = section;
    bool has_cert = tls->cert_file && *tls->cert_file, has_key = tls->key_file && *tls->key_file;
    if (has_cert != has_key) {
        pf_cfg_errorf(err, node, path, "cert_file and key_file must be given together");
        return false;
    }
    return true;
}

const pf_cfg_entry pf_tls_server_cfg_map[] = {
    {.type = PF_CFG_STRING,
     .name = "cert_file",
     .offset = offsetof(pf_tls_server_config, cert_file),
     .desc = "Server certificate chain (PEM)."},
    {.type = PF_CFG_STRING,
     .name = "key_file",
     .offset = offsetof(pf_tls_server_config, key_file),
     .desc = "Private key of cert_file (PEM).",
     .flags = PF_CFG_SECRET},
    {.type = PF_CFG_STRING,
     .name = "client_ca_file",
     .offset = offsetof(pf_tls_server_config, client_ca_file),
     .desc = "CA bundle (PEM) that client certificates must chain to; enables mutual TLS."},
    {.type = PF_CFG_STRING,
     .name = "ca_file",
     .offset = offsetof(pf_tls_server_config, ca_file),
     .desc = "Alias of client_ca_file."},
    {.type = PF_CFG_STRING,
     .name = "min_version",
     .def = "1.2",
     .offset = offsetof(pf_tls_server_config, min_version),
     .desc = "Lowest TLS version accepted.",
     .choices = tls_versions},
    PF_CFG_END,
};

static bool basic_auth_check(void *section, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const pf_http_server_config *c = section;
    bool user = c->basic_username && *c->basic_username;
    bool pass = (c->basic_password && *c->basic_password) || (c->basic_password_file && *c->basic_password_file);
    if (user != pass) {
        pf_cfg_errorf(err, node, path, "username and password (or password_file) must be given together");
        return false;
    }
    return true;
}

/* Alertmanager's http_config basic_auth names. */
static const pf_cfg_entry basic_auth_map[] = {
    {.type = PF_CFG_STRING,
     .name = "username",
     .offset = offsetof(pf_http_server_config, basic_username),
     .desc = "Accept `Authorization: Basic` with this user name."},
    {.type = PF_CFG_STRING,
     .name = "password",
     .offset = offsetof(pf_http_server_config, basic_password),
     .desc = "Password of that user.",
     .flags = PF_CFG_SECRET},
    {.type = PF_CFG_STRING,
     .name = "password_file",
     .offset = offsetof(pf_http_server_config, basic_password_file),
     .desc = "Read the password from this file (re-read on SIGHUP)."},
    PF_CFG_END,
};

/* The auth keys live directly in pf_http_server_config; the section only groups them in YAML, so its
 * offset is 0 and the entries use offsets of the outer struct. */
const pf_cfg_entry pf_http_auth_cfg_map[] = {
    {.type = PF_CFG_STRING,
     .name = "bearer_token",
     .offset = offsetof(pf_http_server_config, bearer_token),
     .desc = "Require `Authorization: Bearer <token>` with this token.",
     .flags = PF_CFG_SECRET},
    {.type = PF_CFG_STRING,
     .name = "bearer_token_file",
     .offset = offsetof(pf_http_server_config, bearer_token_file),
     .desc = "Read the required bearer token from this file (re-read on SIGHUP)."},
    {.type = PF_CFG_SECTION,
     .name = "basic_auth",
     .offset = 0,
     .sub = basic_auth_map,
     .check = basic_auth_check,
     .desc = "Accept HTTP basic auth (either credential passes when a bearer token is configured too)."},
    PF_CFG_END,
};

const pf_cfg_entry pf_http_server_cfg_map[] = {
    {.type = PF_CFG_STRING,
     .name = "endpoint",
     .offset = offsetof(pf_http_server_config, endpoint),
     .desc = "host:port to listen on; the default depends on the component (e.g. otlp: localhost:4317 gRPC, "
             "localhost:4318 HTTP)."},
    {.type = PF_CFG_SIZE,
     .name = "max_request_body_size",
     .def = "20MiB",
     .offset = offsetof(pf_http_server_config, max_request_body_size),
     .desc = "Largest request body, before and after decompression (HTTP 413 beyond).",
     .min = 1,
     .max = 4e12},
    {.type = PF_CFG_INT,
     .name = "max_recv_msg_size_mib",
     .def = "4",
     .offset = offsetof(pf_http_server_config, max_recv_msg_size_mib),
     .desc = "Largest gRPC message in MiB (RESOURCE_EXHAUSTED beyond).",
     .min = 1,
     .max = 4095},
    PF_HTTP_SERVER_LIMIT_ENTRIES(0),
    {.type = PF_CFG_BOOL,
     .name = "include_metadata",
     .def = "false",
     .offset = offsetof(pf_http_server_config, include_metadata),
     .desc = "Keep request headers as batch metadata (for routing / headers_setter)."},
    PF_HTTP_SERVER_SECURITY_ENTRIES(0),
    PF_CFG_END,
};

/* ---------------------------------------------------------------- metrics */

void pf_http_count_reject(pf_http_server *s, const char *reason)
{
    char labels[256];
    snprintf(labels, sizeof(labels), "server=\"%s\",reason=\"%s\"", s->owner_id, reason);
    pf_metric_add(pf_counter("proflow_http_server_rejected_total",
                             "Requests and connections the HTTP server refused, or closed because a limit was "
                             "reached, before any handler ran.",
                             labels),
                  1);
}

static const char *const limit_reasons[PF_LIMIT_COUNT] = {
    [PF_LIMIT_MAX_CONNECTIONS] = "max_connections",
    [PF_LIMIT_HEADER_TIMEOUT] = "header_timeout",
    [PF_LIMIT_IDLE_TIMEOUT] = "idle_timeout",
    [PF_LIMIT_HEADER_SIZE] = "header_too_large",
    [PF_LIMIT_URI_SIZE] = "uri_too_long",
    [PF_LIMIT_BODY_SIZE] = "body_too_large",
    [PF_LIMIT_MAX_STREAMS] = "max_concurrent_streams",
    [PF_LIMIT_RAPID_RESET] = "rapid_reset",
    [PF_LIMIT_UNAUTHENTICATED] = "unauthenticated",
    [PF_LIMIT_WRITES_NEED_AUTH] = "writes_need_auth",
};

/* A limit is "quiet" again once it has not acted for this long. */
enum { LIMIT_QUIET_MS = 10000 };

void pf_http_limit_hit(pf_http_server *s, pf_http_limit which, const char *peer, const char *detail)
{
    pf_http_count_reject(s, limit_reasons[which]);
    pf_limit_state *st = &s->limits[which];
    st->last_ms = uv_now(s->loop);
    st->hits++;
    if (st->active) return;
    st->active = true;
    st->hits = 1;
    /* Idle connections closing is routine: worth a line only at debug level. */
    pf_log(which == PF_LIMIT_IDLE_TIMEOUT ? PF_LOG_DEBUG : PF_LOG_WARN, s->owner_id,
           "%s on %s: %s (first from %s; more are counted in proflow_http_server_rejected_total{reason=\"%s\"} and "
           "logged when they stop)",
           limit_reasons[which], s->endpoint, detail, peer ? peer : "?", limit_reasons[which]);
}

static void on_limit_timer(uv_timer_t *t)
{
    pf_http_server *s = t->data;
    uint64_t now = uv_now(s->loop);
    for (int i = 0; i < PF_LIMIT_COUNT; i++) {
        pf_limit_state *st = &s->limits[i];
        if (!st->active || now - st->last_ms < LIMIT_QUIET_MS) continue;
        st->active = false;
        pf_log(i == PF_LIMIT_IDLE_TIMEOUT ? PF_LOG_DEBUG : PF_LOG_INFO, s->owner_id,
               "%s on %s: quiet again after %llu time(s)", limit_reasons[i], s->endpoint, (unsigned long long)st->hits);
        st->hits = 0;
    }
}

static void update_conn_gauge(pf_http_server *s)
{
    if (s->conn_gauge) pf_metric_set(s->conn_gauge, (double)s->n_conns);
}

/* ---------------------------------------------------------------- connection lifecycle */

static void maybe_finish_close(pf_http_server *s);

static void conn_free(pf_http_conn *c)
{
    pf_http_server *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->n_conns--;
    update_conn_gauge(s);
    if (c->h1) pf_h1_free(c->h1);
    if (c->h2) pf_h2_free(c->h2);
    if (c->ssl) SSL_free(c->ssl);
    free(c);
    maybe_finish_close(s);
}

static void on_conn_handle_closed(uv_handle_t *h)
{
    pf_http_conn *c = h->data;
    if (--c->open_handles == 0) conn_free(c);
}

void pf_conn_close(pf_http_conn *c)
{
    if (c->closing) return;
    c->closing = true;
    while (c->reqs) pf_req_detach(c->reqs);
    uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
}

void pf_conn_close_after_write(pf_http_conn *c)
{
    if (c->closing) return;
    pf_conn_read_stop(c);
    if (!c->close_after_write && c->ssl && c->tls_established) pf_tls_shutdown(c);
    c->close_after_write = true;
    if (c->writes_in_flight == 0) pf_conn_close(c);
}

bool pf_conn_has_pending(const pf_http_conn *c)
{
    for (const pf_req *r = c->reqs; r; r = r->next)
        if (r->dispatched && !r->answered) return true;
    return false;
}

/* ---------------------------------------------------------------- writes */

typedef struct write_req {
    uv_write_t req;
    pf_http_conn *conn;
    char data[];
} write_req;

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    pf_http_conn *c = w->conn;
    free(w);
    c->writes_in_flight--;
    if (status < 0)
        pf_conn_close(c);
    else if (c->close_after_write && c->writes_in_flight == 0)
        pf_conn_close(c);
}

void pf_conn_write_raw(pf_http_conn *c, const void *data, size_t len)
{
    if (c->closing || len == 0) return;
    write_req *w = pf_xmalloc(sizeof(*w) + len);
    w->conn = c;
    memcpy(w->data, data, len);
    uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) < 0) {
        free(w);
        pf_conn_close(c);
        return;
    }
    c->writes_in_flight++;
}

void pf_conn_write(pf_http_conn *c, const void *data, size_t len)
{
    if (c->ssl)
        pf_tls_write(c, data, len);
    else
        pf_conn_write_raw(c, data, len);
}

/* ---------------------------------------------------------------- timers */

static void on_conn_timer(uv_timer_t *t)
{
    pf_http_conn *c = t->data;
    if (c->closing) return;
    if (c->goaway_sent) {
        pf_conn_close(c);
        return;
    }
    if (pf_conn_has_pending(c)) {
        /* A slow handler is not the client's fault: wait for it. */
        pf_conn_arm_timer(c, false);
        return;
    }
    switch (c->proto) {
    case PF_PROTO_DETECT:
        pf_http_limit_hit(c->srv, PF_LIMIT_HEADER_TIMEOUT, c->peer, "no request received within read_header_timeout");
        pf_conn_close(c);
        break;
    case PF_PROTO_H1: pf_h1_on_timeout(c); break;
    case PF_PROTO_H2: pf_h2_on_timeout(c); break;
    }
}

void pf_conn_arm_timer(pf_http_conn *c, bool header_timeout)
{
    if (c->closing) return;
    uint64_t ms = header_timeout ? c->srv->header_timeout_ms : c->srv->idle_timeout_ms;
    if (ms == 0)
        uv_timer_stop(&c->timer);
    else
        uv_timer_start(&c->timer, on_conn_timer, ms, 0);
}

void pf_conn_arm_close_grace(pf_http_conn *c)
{
    enum { CLOSE_GRACE_MS = 5000 };
    if (!c->closing && !c->close_after_write) uv_timer_start(&c->timer, on_conn_timer, CLOSE_GRACE_MS, 0);
}

void pf_conn_stop_timer(pf_http_conn *c)
{
    if (!c->closing) uv_timer_stop(&c->timer);
}

/* ---------------------------------------------------------------- reads */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    pf_http_conn *c = h->data;
    *buf = uv_buf_init((char *)c->srv->read_buf, sizeof(c->srv->read_buf));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    pf_http_conn *c = stream->data;
    if (c->closing) return;
    if (nread > 0) {
        if (c->ssl)
            pf_tls_on_ciphertext(c, (const uint8_t *)buf->base, (size_t)nread);
        else
            pf_conn_on_plaintext(c, (const uint8_t *)buf->base, (size_t)nread);
    } else if (nread == UV_EOF && c->proto == PF_PROTO_H1) {
        pf_h1_on_eof(c);
    } else if (nread < 0) {
        pf_conn_close(c);
    }
}

void pf_conn_read_start(pf_http_conn *c)
{
    if (c->closing || c->reading || c->close_after_write) return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = true;
    else
        pf_conn_close(c);
}

void pf_conn_read_stop(pf_http_conn *c)
{
    if (c->closing || !c->reading) return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
}

static const char h2_preface[24] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

void pf_conn_on_plaintext(pf_http_conn *c, const uint8_t *data, size_t len)
{
    if (c->closing) return;
    if (c->proto == PF_PROTO_DETECT) {
        size_t take = sizeof(h2_preface) - c->detect_len;
        if (take > len) take = len;
        memcpy(c->detect_buf + c->detect_len, data, take);
        c->detect_len += take;
        data += take;
        len -= take;
        if (memcmp(c->detect_buf, h2_preface, c->detect_len) != 0) {
            c->proto = PF_PROTO_H1;
            c->h1 = pf_h1_new(c);
            pf_h1_feed(c, c->detect_buf, c->detect_len);
        } else if (c->detect_len == sizeof(h2_preface)) {
            c->proto = PF_PROTO_H2;
            c->h2 = pf_h2_new(c);
            pf_h2_feed(c, c->detect_buf, c->detect_len);
        } else {
            return;
        }
        if (len == 0 || c->closing) return;
    }
    if (c->proto == PF_PROTO_H1)
        pf_h1_feed(c, data, len);
    else
        pf_h2_feed(c, data, len);
}

/* ---------------------------------------------------------------- accept */

static void format_peer(uv_tcp_t *tcp, char *out, size_t out_len)
{
    struct sockaddr_storage ss;
    int n = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    snprintf(out, out_len, "unknown");
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &n) != 0) return;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        uv_ip4_name(a, ip, sizeof(ip));
        port = ntohs(a->sin_port);
        snprintf(out, out_len, "%s:%d", ip, port);
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        uv_ip6_name(a, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
        snprintf(out, out_len, "[%s]:%d", ip, port);
    }
}

static void on_connection(uv_stream_t *listener, int status)
{
    pf_http_server *s = listener->data;
    if (status < 0) {
        pf_log_limited(&s->log_limit, 10, PF_LOG_WARN, s->owner_id, "accept on %s failed: %s", s->endpoint,
                       uv_strerror(status));
        return;
    }
    pf_http_conn *c = pf_xcalloc(1, sizeof(*c));
    c->srv = s;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->open_handles = 2;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->n_conns++;
    update_conn_gauge(s);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 || s->closing) {
        pf_conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    format_peer(&c->tcp, c->peer, sizeof(c->peer));
    if (s->max_connections && s->n_conns > s->max_connections) {
        char detail[128];
        snprintf(detail, sizeof(detail), "connection closed on accept: max_connections (%zu) reached",
                 s->max_connections);
        pf_http_limit_hit(s, PF_LIMIT_MAX_CONNECTIONS, c->peer, detail);
        pf_conn_close(c);
        return;
    }
    if (s->tls_ctx && !pf_tls_conn_init(c)) {
        pf_conn_close(c);
        return;
    }
    pf_conn_arm_timer(c, true);
    pf_conn_read_start(c);
}

/* ---------------------------------------------------------------- server */

static void copy_tls_config(pf_tls_server_config *dst, const pf_tls_server_config *src)
{
    dst->present = src->present;
    dst->cert_file = src->cert_file ? pf_xstrdup(src->cert_file) : NULL;
    dst->key_file = src->key_file ? pf_xstrdup(src->key_file) : NULL;
    const char *ca = src->client_ca_file && *src->client_ca_file ? src->client_ca_file : src->ca_file;
    dst->client_ca_file = ca && *ca ? pf_xstrdup(ca) : NULL;
    dst->ca_file = NULL;
    dst->min_version = pf_xstrdup(src->min_version && *src->min_version ? src->min_version : "1.2");
}

static void free_tls_config(pf_tls_server_config *t)
{
    free(t->cert_file);
    free(t->key_file);
    free(t->client_ca_file);
    free(t->ca_file);
    free(t->min_version);
}

pf_http_server *pf_http_server_new(uv_loop_t *loop, const pf_http_server_config *cfg, const char *owner_id)
{
    pf_http_server *s = pf_xcalloc(1, sizeof(*s));
    s->loop = loop;
    s->owner_id = pf_xstrdup(owner_id ? owner_id : "http");
    s->endpoint = pf_xstrdup(cfg->endpoint && *cfg->endpoint ? cfg->endpoint : "localhost:0");
    s->max_body = cfg->max_request_body_size > 0 ? (size_t)cfg->max_request_body_size : 20u << 20;
    s->max_grpc_msg = (size_t)(cfg->max_recv_msg_size_mib > 0 ? cfg->max_recv_msg_size_mib : 4) << 20;
    s->max_streams = cfg->max_concurrent_streams > 0 ? (uint32_t)cfg->max_concurrent_streams : 100;
    s->header_timeout_ms = cfg->read_header_timeout > 0 ? (uint64_t)cfg->read_header_timeout / 1000000u : 0;
    s->idle_timeout_ms = cfg->idle_timeout > 0 ? (uint64_t)cfg->idle_timeout / 1000000u : 0;
    s->max_connections = cfg->max_connections > 0 ? (size_t)cfg->max_connections : 0;
    s->max_header_bytes = cfg->max_request_header_size > 0 ? (size_t)cfg->max_request_header_size : 64u << 10;
    s->max_uri_bytes = cfg->max_request_uri_size > 0 ? (size_t)cfg->max_request_uri_size : 8u << 10;
    s->resets_per_s = cfg->max_stream_resets_per_second > 0 ? (double)cfg->max_stream_resets_per_second : 100;
    s->protect_writes = cfg->protect_writes;
    s->allow_unauthenticated_writes = cfg->allow_unauthenticated_writes;
    if (cfg->basic_username && *cfg->basic_username) s->basic_username = pf_xstrdup(cfg->basic_username);
    if (cfg->basic_password && *cfg->basic_password) s->basic_password_static = pf_xstrdup(cfg->basic_password);
    if (cfg->basic_password_file && *cfg->basic_password_file)
        s->basic_password_file = pf_xstrdup(cfg->basic_password_file);
    if (cfg->bearer_token && *cfg->bearer_token) s->bearer_token_static = pf_xstrdup(cfg->bearer_token);
    if (cfg->bearer_token_file && *cfg->bearer_token_file) s->bearer_token_file = pf_xstrdup(cfg->bearer_token_file);
    copy_tls_config(&s->tls_cfg, &cfg->tls);
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    s->listener_open = true;
    uv_timer_init(loop, &s->limit_timer);
    s->limit_timer.data = s;
    s->limit_timer_open = true;
    char labels[256];
    snprintf(labels, sizeof(labels), "server=\"%s\"", s->owner_id);
    s->conn_gauge = pf_gauge("proflow_http_server_connections", "Connections open on the listener.", labels);
    return s;
}

void pf_http_server_route(pf_http_server *s, const char *method, const char *path, bool path_prefix, pf_http_handler fn,
                          void *data)
{
    s->routes = pf_xrealloc(s->routes, (s->n_routes + 1) * sizeof(*s->routes));
    s->routes[s->n_routes++] = (pf_http_route){pf_xstrdup(method), pf_xstrdup(path), path_prefix, fn, data};
}

/* Reads the token file; trailing whitespace (the usual final newline) is not part of the token. */
static char *read_token_file(const char *key, const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s %s: %s", key, path, strerror(errno));
        return NULL;
    }
    pf_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (1u << 20)) pf_buf_append(&b, chunk, n);
    fclose(f);
    while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' || b.data[b.len - 1] == ' ' ||
                     b.data[b.len - 1] == '\t'))
        b.data[--b.len] = '\0';
    if (b.len == 0) {
        snprintf(err, err_len, "%s %s is empty", key, path);
        pf_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static bool load_auth(pf_http_server *s, char *err, size_t err_len)
{
    char *token = NULL, *password = NULL;
    if (s->bearer_token_file) {
        token = read_token_file("auth.bearer_token_file", s->bearer_token_file, err, err_len);
        if (!token) return false;
    } else if (s->bearer_token_static) {
        token = pf_xstrdup(s->bearer_token_static);
    }
    if (s->basic_password_file) {
        password = read_token_file("auth.basic_auth.password_file", s->basic_password_file, err, err_len);
        if (!password) {
            free(token);
            return false;
        }
    } else if (s->basic_password_static) {
        password = pf_xstrdup(s->basic_password_static);
    }
    free(s->bearer_token);
    s->bearer_token = token;
    free(s->basic_password);
    s->basic_password = s->basic_username ? password : NULL;
    if (!s->basic_username) free(password);
    return true;
}

static bool resolve_endpoint(const char *endpoint, struct sockaddr_storage *ss, char *err, size_t err_len)
{
    const char *colon = strrchr(endpoint, ':');
    if (!colon) {
        snprintf(err, err_len, "endpoint \"%s\": expected host:port", endpoint);
        return false;
    }
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        snprintf(err, err_len, "endpoint \"%s\": invalid port", endpoint);
        return false;
    }
    char host[256];
    size_t hl = (size_t)(colon - endpoint);
    if (hl >= 2 && endpoint[0] == '[' && endpoint[hl - 1] == ']') {
        endpoint++;
        hl -= 2;
    }
    if (hl >= sizeof(host)) hl = sizeof(host) - 1;
    memcpy(host, endpoint, hl);
    host[hl] = '\0';
    if (hl == 0) snprintf(host, sizeof(host), "0.0.0.0");
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0) return true;
    if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0) return true;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, err_len, "endpoint \"%s\": cannot resolve %s: %s", endpoint, host, gai_strerror(rc));
        return false;
    }
    /* Prefer IPv4 for names like "localhost", as clients try 127.0.0.1 first too. */
    const struct addrinfo *pick = res;
    for (const struct addrinfo *a = res; a; a = a->ai_next)
        if (a->ai_family == AF_INET) {
            pick = a;
            break;
        }
    memcpy(ss, pick->ai_addr, pick->ai_addrlen);
    if (pick->ai_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    freeaddrinfo(res);
    return true;
}

bool pf_http_server_start(pf_http_server *s, char *err, size_t err_len)
{
    /* libuv writes with write(2): a peer that hangs up mid-response would otherwise kill the
     * whole process with SIGPIPE. The error (EPIPE) is handled per connection instead. */
    signal(SIGPIPE, SIG_IGN);
    if (!load_auth(s, err, err_len)) return false;
    if (s->tls_cfg.present) {
        s->tls_ctx = pf_tls_ctx_new(&s->tls_cfg, err, err_len);
        if (!s->tls_ctx) return false;
    }
    struct sockaddr_storage ss;
    if (!resolve_endpoint(s->endpoint, &ss, err, err_len)) return false;
    int rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&ss, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, 511, on_connection);
    if (rc != 0) {
        snprintf(err, err_len, "listen %s: %s", s->endpoint, uv_strerror(rc));
        return false;
    }
    struct sockaddr_storage bound;
    int n = sizeof(bound);
    if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &n) == 0)
        s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                    : ((struct sockaddr_in *)&bound)->sin_port);
    s->listening = true;
    uv_timer_start(&s->limit_timer, on_limit_timer, LIMIT_QUIET_MS / 2, LIMIT_QUIET_MS / 2);
    uv_unref((uv_handle_t *)&s->limit_timer);
    pf_log(PF_LOG_INFO, s->owner_id, "listening on %s (port %d%s%s)", s->endpoint, s->port,
           s->tls_ctx ? (s->tls_cfg.client_ca_file ? ", mutual TLS" : ", TLS") : "",
           s->bearer_token || s->basic_password ? ", auth required" : "");
    return true;
}

int pf_http_server_port(const pf_http_server *s) { return s->port; }

void pf_http_server_reload_tls(pf_http_server *s)
{
    char err[512];
    if (!load_auth(s, err, sizeof(err))) pf_log(PF_LOG_ERROR, s->owner_id, "reload: %s (keeping the old token)", err);
    if (!s->tls_ctx) return;
    SSL_CTX *fresh = pf_tls_ctx_new(&s->tls_cfg, err, sizeof(err));
    if (!fresh) {
        pf_log(PF_LOG_ERROR, s->owner_id, "reload: %s (keeping the old certificates)", err);
        return;
    }
    /* Connections already established hold their own reference to the old context. */
    SSL_CTX_free(s->tls_ctx);
    s->tls_ctx = fresh;
    pf_log(PF_LOG_INFO, s->owner_id, "TLS certificates reloaded");
}

static void maybe_finish_close(pf_http_server *s)
{
    if (!s->closing || s->listener_open || s->limit_timer_open || s->n_conns > 0) return;
    for (size_t i = 0; i < s->n_routes; i++) {
        free(s->routes[i].method);
        free(s->routes[i].path);
    }
    free(s->routes);
    free_tls_config(&s->tls_cfg);
    if (s->tls_ctx) SSL_CTX_free(s->tls_ctx);
    free(s->bearer_token);
    free(s->bearer_token_static);
    free(s->bearer_token_file);
    free(s->basic_username);
    free(s->basic_password);
    free(s->basic_password_static);
    free(s->basic_password_file);
    free(s->owner_id);
    free(s->endpoint);
    void (*cb)(void *) = s->close_cb;
    void *data = s->close_data;
    free(s);
    if (cb) cb(data);
}

static void on_listener_closed(uv_handle_t *h)
{
    pf_http_server *s = h->data;
    s->listener_open = false;
    maybe_finish_close(s);
}

static void on_limit_timer_closed(uv_handle_t *h)
{
    pf_http_server *s = h->data;
    s->limit_timer_open = false;
    maybe_finish_close(s);
}

void pf_http_server_close(pf_http_server *s, void (*cb)(void *data), void *data)
{
    s->closing = true;
    s->close_cb = cb;
    s->close_data = data;
    for (pf_http_conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        if (c->proto == PF_PROTO_H2)
            pf_h2_goaway(c);
        else
            pf_conn_close_after_write(c);
    }
    uv_close((uv_handle_t *)&s->limit_timer, on_limit_timer_closed);
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}
