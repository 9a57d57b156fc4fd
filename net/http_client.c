/* http_client.c — libcurl multi-socket driven by the libuv loop (see http_client.h).
 *
 * libcurl tells us which sockets to watch (on_curl_socket) and when to wake it up (on_curl_timer);
 * we translate that into one uv_poll_t per socket and one uv_timer_t, and feed readiness back with
 * curl_multi_socket_action(). Finished transfers are collected in collect_finished(). */
#include "net/http_client.h"
#include "pipeline/base/base64.h"

#include <ctype.h>
#include <curl/curl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "net/compress.h"

/* Replies bigger than this are refused: an exporter only ever reads small status replies. */
#define MAX_RESPONSE_BODY (64u * 1024 * 1024)

typedef struct sock_watch {
    uv_poll_t poll;
    curl_socket_t fd;
    struct pf_http_client *client;
    struct sock_watch *prev, *next;
} sock_watch;

typedef struct http_req {
    struct pf_http_client *client;
    CURL *easy;
    struct curl_slist *headers;
    struct curl_slist *connect_to;
    pf_buf body;
    pf_buf resp_body;
    pf_http_header *resp_headers;
    size_t n_resp_headers, cap_resp_headers;
    char errbuf[CURL_ERROR_SIZE];
    const char *fail_reason; /* set when the call failed before reaching the network */
    size_t max_body;         /* the call's max_response_bytes, 0 = none */
    bool body_too_large;
    pf_http_done_cb cb;
    void *data;
    struct http_req *prev, *next;
} http_req;

struct pf_http_client {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    char *ca_file, *cert_file, *key_file, *server_name_override, *proxy_url;
    bool skip_verify;
    long keepalive_idle_s, keepalive_interval_s;
    unsigned keepalive_timeout_ms; /* TCP_USER_TIMEOUT; 0 = the system's probe count decides */
    int64_t timeout_ns;
    pf_strmap headers; /* copies of the configured headers */
    http_req *reqs;
    size_t in_flight;
    sock_watch *watches;
    size_t open_handles;   /* uv handles not yet closed (the timer and every poll) */
    int dispatch_depth;    /* > 0 while finished transfers' callbacks run */
    bool h2c_reuse_broken; /* libcurl < 7.89.0, see configure_easy() */
    bool closing, close_requested;
    void (*close_cb)(void *data);
    void *close_data;
};

static char *dup_or_null(const char *s) { return s && *s ? pf_xstrdup(s) : NULL; }

/* ---- libuv <-> libcurl glue ---- */

static void collect_finished(pf_http_client *c);

static void on_handle_closed(uv_handle_t *h)
{
    pf_http_client *c;
    if (h->type == UV_POLL) {
        sock_watch *w = h->data;
        c = w->client;
        free(w);
    } else {
        c = h->data;
    }
    if (--c->open_handles > 0) return;
    void (*cb)(void *) = c->close_cb;
    void *data = c->close_data;
    free(c);
    if (cb) cb(data);
}

static void unlink_watch(pf_http_client *c, sock_watch *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        c->watches = w->next;
    if (w->next) w->next->prev = w->prev;
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    sock_watch *w = p->data;
    pf_http_client *c = w->client;
    int flags = 0;
    if (status < 0) flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(c->multi, w->fd, flags, &running);
    collect_finished(c);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    pf_http_client *c = userp;
    sock_watch *w = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (w) {
            uv_poll_stop(&w->poll);
            unlink_watch(c, w);
            curl_multi_assign(c->multi, fd, NULL);
            uv_close((uv_handle_t *)&w->poll, on_handle_closed);
        }
        return 0;
    }
    if (!w) {
        w = pf_xcalloc(1, sizeof(*w));
        if (uv_poll_init_socket(c->loop, &w->poll, fd) != 0) {
            free(w);
            return -1;
        }
        w->fd = fd;
        w->client = c;
        w->poll.data = w;
        w->next = c->watches;
        if (c->watches) c->watches->prev = w;
        c->watches = w;
        c->open_handles++;
        curl_multi_assign(c->multi, fd, w);
    }
    int events = 0;
    if (what & CURL_POLL_IN) events |= UV_READABLE;
    if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
    uv_poll_start(&w->poll, events, on_poll);
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    pf_http_client *c = t->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    collect_finished(c);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    pf_http_client *c = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else
        uv_timer_start(&c->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---- response collection ---- */

static void add_resp_header(http_req *r, const char *name, size_t name_len, const char *value, size_t value_len)
{
    PF_GROW(r->resp_headers, r->cap_resp_headers, r->n_resp_headers + 1, 16);
    char *n = pf_xstrndup(name, name_len);
    for (char *p = n; *p; p++) *p = (char)tolower((unsigned char)*p);
    r->resp_headers[r->n_resp_headers].name = n;
    r->resp_headers[r->n_resp_headers].value = pf_xstrndup(value, value_len);
    r->n_resp_headers++;
}

static void clear_resp_headers(http_req *r)
{
    for (size_t i = 0; i < r->n_resp_headers; i++) {
        free((char *)r->resp_headers[i].name);
        free((char *)r->resp_headers[i].value);
    }
    r->n_resp_headers = 0;
}

/* Called for every header line of every response (interim 1xx ones too) and for HTTP/2 trailers,
 * which arrive after the body without a status line. */
static size_t on_header_line(char *line, size_t size, size_t n, void *userp)
{
    http_req *r = userp;
    size_t len = size * n;
    size_t end = len;
    while (end > 0 && (line[end - 1] == '\r' || line[end - 1] == '\n')) end--;
    if (end >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        clear_resp_headers(r);
        return len;
    }
    const char *colon = memchr(line, ':', end);
    if (!colon || colon == line) return len;
    const char *value = colon + 1;
    while (value < line + end && (*value == ' ' || *value == '\t')) value++;
    size_t value_len = (size_t)(line + end - value);
    while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t')) value_len--;
    add_resp_header(r, line, (size_t)(colon - line), value, value_len);
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *userp)
{
    http_req *r = userp;
    size_t len = size * n;
    if (r->resp_body.len + len > MAX_RESPONSE_BODY) return 0; /* aborts with CURLE_WRITE_ERROR */
    if (r->max_body && r->resp_body.len + len > r->max_body) {
        r->body_too_large = true;
        return 0;
    }
    pf_buf_append(&r->resp_body, p, len);
    return len;
}

const char *pf_http_response_header(const pf_http_response *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}

/* Retry-After is either delay-seconds or an HTTP-date. */
static uint32_t parse_retry_after(const char *v)
{
    if (!v || !*v) return 0;
    char *end;
    unsigned long secs = strtoul(v, &end, 10);
    if (end != v && *end == '\0') return secs > UINT32_MAX ? UINT32_MAX : (uint32_t)secs;
    time_t when = curl_getdate(v, NULL);
    time_t now = time(NULL);
    return when > now ? (uint32_t)(when - now) : 0;
}

static void unlink_req(pf_http_client *c, http_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        c->reqs = r->next;
    if (r->next) r->next->prev = r->prev;
    c->in_flight--;
}

static void free_req(http_req *r)
{
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    curl_slist_free_all(r->connect_to);
    pf_buf_free(&r->body);
    pf_buf_free(&r->resp_body);
    clear_resp_headers(r);
    free(r->resp_headers);
    free(r);
}

/* Removes the transfer, tells the caller, frees it. `error` overrides libcurl's result text. */
static void complete(http_req *r, CURLcode rc, const char *error)
{
    pf_http_client *c = r->client;
    curl_multi_remove_handle(c->multi, r->easy);
    unlink_req(c, r);

    pf_http_response resp = {.grpc_status = -1, .grpc_message = "", .error = "", .request_bytes = r->body.len};
    char too_large[96];
    if (error || r->fail_reason) {
        resp.error = error ? error : r->fail_reason;
    } else if (r->body_too_large) {
        snprintf(too_large, sizeof(too_large), "response body exceeds %zu bytes", r->max_body);
        resp.error = too_large;
        resp.body_too_large = true;
    } else if (rc != CURLE_OK) {
        resp.error = r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);
        resp.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    } else {
        long status = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        resp.status = (int)status;
        resp.headers = r->resp_headers;
        resp.n_headers = r->n_resp_headers;
        resp.retry_after_s = parse_retry_after(pf_http_response_header(&resp, "retry-after"));
        resp.body = (const uint8_t *)r->resp_body.data;
        resp.body_len = r->resp_body.len;
    }
    r->cb(&resp, r->data);
    free_req(r);
}

static void finish_close(pf_http_client *c);

static void collect_finished(pf_http_client *c)
{
    c->dispatch_depth++;
    CURLMsg *msg;
    int left;
    while (!c->closing && (msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        http_req *r;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        complete(r, msg->data.result, NULL);
    }
    c->dispatch_depth--;
    if (c->dispatch_depth == 0 && c->close_requested && !c->closing) finish_close(c);
}

/* ---- client ---- */

static bool readable_file(const char *what, const char *path, char *err, size_t err_len)
{
    if (!path || !*path || access(path, R_OK) == 0) return true;
    snprintf(err, err_len, "tls.%s: cannot read %s", what, path);
    return false;
}

pf_http_client *pf_http_client_new(uv_loop_t *loop, const pf_http_client_config *cfg, char *err, size_t err_len)
{
    static bool curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, err_len, "libcurl initialisation failed");
            return NULL;
        }
        curl_ready = true;
    }
    if (!readable_file("ca_file", cfg->tls.ca_file, err, err_len) ||
        !readable_file("cert_file", cfg->tls.cert_file, err, err_len) ||
        !readable_file("key_file", cfg->tls.key_file, err, err_len))
        return NULL;
    if (cfg->proxy_url && *cfg->proxy_url) {
        CURLU *u = curl_url();
        CURLUcode uc = curl_url_set(u, CURLUPART_URL, cfg->proxy_url, 0);
        curl_url_cleanup(u);
        if (uc != CURLUE_OK) {
            snprintf(err, err_len, "proxy_url %s: %s", cfg->proxy_url, curl_url_strerror(uc));
            return NULL;
        }
    }

    pf_http_client *c = pf_xcalloc(1, sizeof(*c));
    c->loop = loop;
    c->ca_file = dup_or_null(cfg->tls.ca_file);
    c->cert_file = dup_or_null(cfg->tls.cert_file);
    c->key_file = dup_or_null(cfg->tls.key_file);
    c->server_name_override = dup_or_null(cfg->tls.server_name_override);
    c->proxy_url = dup_or_null(cfg->proxy_url);
    c->skip_verify = cfg->tls.insecure_skip_verify;
    c->timeout_ns = cfg->timeout;
    if (cfg->keepalive.time > 0) {
        c->keepalive_idle_s = (long)(cfg->keepalive.time / 1000000000 > 0 ? cfg->keepalive.time / 1000000000 : 1);
        c->keepalive_interval_s =
            (long)(cfg->keepalive.timeout / 1000000000 > 0 ? cfg->keepalive.timeout / 1000000000 : c->keepalive_idle_s);
        int64_t timeout_ms = cfg->keepalive.timeout / 1000000;
        c->keepalive_timeout_ms = timeout_ms > UINT_MAX ? UINT_MAX : (unsigned)timeout_ms;
    }
    c->headers.n = cfg->headers.n;
    c->headers.keys = pf_xcalloc(cfg->headers.n + 1, sizeof(char *));
    c->headers.values = pf_xcalloc(cfg->headers.n + 1, sizeof(char *));
    for (size_t i = 0; i < cfg->headers.n; i++) {
        c->headers.keys[i] = pf_xstrdup(cfg->headers.keys[i]);
        c->headers.values[i] = pf_xstrdup(cfg->headers.values[i]);
    }

    c->h2c_reuse_broken = curl_version_info(CURLVERSION_NOW)->version_num < 0x075900;
    c->multi = curl_multi_init();
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->open_handles = 1;
    return c;
}

size_t pf_http_client_in_flight(const pf_http_client *c) { return c->in_flight; }

static void append_header(struct curl_slist **list, const char *name, const char *value)
{
    char *line = pf_xasprintf("%s: %s", name, value);
    *list = curl_slist_append(*list, line);
    free(line);
}

/* With server_name_override the URL names the override (so SNI, certificate checks and the
 * authority use it) and CURLOPT_CONNECT_TO sends the connection to the real host. */
static char *apply_server_name(const pf_http_client *c, const char *url, struct curl_slist **connect_to)
{
    if (!c->server_name_override) return pf_xstrdup(url);
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *out = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_HOST, c->server_name_override, 0) == CURLUE_OK) {
        char *rewritten;
        if (curl_url_get(u, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) {
            out = pf_xstrdup(rewritten);
            curl_free(rewritten);
            char *entry = pf_xasprintf("%s:%s:%s:%s", c->server_name_override, port, host, port);
            *connect_to = curl_slist_append(*connect_to, entry);
            free(entry);
        }
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out ? out : pf_xstrdup(url);
}

/* keepalive.timeout as gRPC means it (an unanswered PING drops the connection after that long),
 * the way gRPC's own C core does on Linux: TCP_USER_TIMEOUT also bounds unanswered keepalive probes.
 * Where the option does not exist the probes' count and interval decide. */
static int on_socket_created(void *data, curl_socket_t fd, curlsocktype purpose)
{
    const pf_http_client *c = data;
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKOPT_OK;
#ifdef TCP_USER_TIMEOUT
    unsigned ms = c->keepalive_timeout_ms;
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
#else
    (void)c, (void)fd;
#endif
    return CURL_SOCKOPT_OK;
}

static void configure_easy(pf_http_client *c, http_req *r, const pf_http_call *call)
{
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header_line);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "proflow/" PROFLOW_VERSION);

    char *url = apply_server_name(c, call->url, &r->connect_to);
    curl_easy_setopt(e, CURLOPT_URL, url);
    free(url);
    if (r->connect_to) curl_easy_setopt(e, CURLOPT_CONNECT_TO, r->connect_to);

    if (call->http2_only) {
        bool tls = strncasecmp(call->url, "https:", 6) == 0;
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                         (long)(tls ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
        if (!tls && c->h2c_reuse_broken) {
            /* libcurl before 7.89.0 fails every stream after the first on a reused prior-knowledge
             * connection ("Error in the HTTP2 framing layer", curl issue #10634): one connection
             * per call there. */
            curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
            curl_easy_setopt(e, CURLOPT_PIPEWAIT, 0L);
        }
    } else {
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    }

    int64_t timeout_ns = call->timeout_ns > 0 ? call->timeout_ns : c->timeout_ns;
    if (timeout_ns > 0) {
        long ms = (long)(timeout_ns / 1000000);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
    }
    if (c->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
    if (c->cert_file) curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert_file);
    if (c->key_file) curl_easy_setopt(e, CURLOPT_SSLKEY, c->key_file);
    if (c->skip_verify) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->proxy_url) curl_easy_setopt(e, CURLOPT_PROXY, c->proxy_url);
    if (c->keepalive_idle_s > 0) {
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, c->keepalive_idle_s);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, c->keepalive_interval_s);
        if (c->keepalive_timeout_ms > 0) {
            curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_socket_created);
            curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, c);
        }
    }

    for (size_t i = 0; i < c->headers.n; i++) append_header(&r->headers, c->headers.keys[i], c->headers.values[i]);
    for (size_t i = 0; i < call->n_headers; i++)
        append_header(&r->headers, call->headers[i].name, call->headers[i].value);
    /* HTTP/1.1 would otherwise wait for "100 Continue" before sending bodies over 1 KiB. */
    r->headers = curl_slist_append(r->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);

    const char *method = call->method ? call->method : "POST";
    if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body.data ? r->body.data : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
        if (strcmp(method, "POST") != 0) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
}

static bool wants_compression(const char *encoding)
{
    return encoding && strcasecmp(encoding, "none") != 0 && !pf_encoding_is_identity(encoding);
}

/* Completes a call that never reached the network. The transfer still goes through libcurl (with an
 * empty URL it fails at once) so that cb runs from the loop, never inside send(). */
static void fail_later(pf_http_client *c, http_req *r, const char *why)
{
    r->fail_reason = why;
    curl_easy_setopt(r->easy, CURLOPT_URL, "");
    curl_multi_add_handle(c->multi, r->easy);
}

void pf_http_client_send(pf_http_client *c, const pf_http_call *call, pf_http_done_cb cb, void *data)
{
    http_req *r = pf_xcalloc(1, sizeof(*r));
    r->client = c;
    r->cb = cb;
    r->data = data;
    r->max_body = call->max_response_bytes;
    r->easy = curl_easy_init();
    r->next = c->reqs;
    if (c->reqs) c->reqs->prev = r;
    c->reqs = r;
    c->in_flight++;

    bool compress_ok = true;
    if (wants_compression(call->content_encoding) && call->body_encoded) {
        if (call->body_len) pf_buf_append(&r->body, call->body, call->body_len);
        append_header(&r->headers, "Content-Encoding", call->content_encoding);
    } else if (wants_compression(call->content_encoding)) {
        compress_ok = pf_compress(call->content_encoding, call->body, call->body_len, &r->body);
        if (compress_ok) append_header(&r->headers, "Content-Encoding", call->content_encoding);
    } else if (call->body_len) {
        pf_buf_append(&r->body, call->body, call->body_len);
    }
    configure_easy(c, r, call);
    if (c->close_requested)
        fail_later(c, r, "client closed");
    else if (!compress_ok)
        fail_later(c, r, "unsupported compression");
    else
        curl_multi_add_handle(c->multi, r->easy);
}

static void finish_close(pf_http_client *c)
{
    c->closing = true;
    uv_timer_stop(&c->timer);
    while (c->reqs) complete(c->reqs, CURLE_ABORTED_BY_CALLBACK, "client closed");
    /* Stop watching before libcurl closes the sockets of its connection cache. */
    for (sock_watch *w = c->watches; w; w = w->next) uv_poll_stop(&w->poll);
    curl_multi_cleanup(c->multi);
    while (c->watches) {
        sock_watch *w = c->watches;
        unlink_watch(c, w);
        uv_close((uv_handle_t *)&w->poll, on_handle_closed);
    }
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    free(c->server_name_override);
    free(c->proxy_url);
    for (size_t i = 0; i < c->headers.n; i++) {
        free(c->headers.keys[i]);
        free(c->headers.values[i]);
    }
    free(c->headers.keys);
    free(c->headers.values);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

void pf_http_client_close(pf_http_client *c, void (*cb)(void *data), void *data)
{
    c->close_cb = cb;
    c->close_data = data;
    c->close_requested = true;
    if (c->dispatch_depth == 0) finish_close(c);
}

char *pf_http_basic_authorization(const char *user, const char *password)
{
    char *plain = pf_xasprintf("%s:%s", user ? user : "", password ? password : "");
    pf_buf out = {0};
    pf_buf_puts(&out, "Basic ");
    pf_base64_append(&out, (const uint8_t *)plain, strlen(plain));
    free(plain);
    return out.data;
}
