/* http_request.c — request objects, routing (auth, 404/405, gRPC unframing, deadlines) and the
 * public answer functions, common to HTTP/1.1 and HTTP/2 (see http_internal.h for lifetimes). */
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/grpc_frame.h"
#include "pipeline/base/base64.h"
#include "net/http_internal.h"
#include "pipeline/base/memory_budget.h"

pf_req *pf_req_new(pf_http_conn *c, int http_major)
{
    pf_req *r = pf_xcalloc(1, sizeof(*r));
    r->conn = c;
    r->pub.http_major = http_major;
    r->pub.tls = c->ssl != NULL;
    snprintf(r->peer, sizeof(r->peer), "%s", c->peer);
    r->next = c->reqs;
    if (c->reqs) c->reqs->prev = r;
    c->reqs = r;
    return r;
}

void pf_req_add_header(pf_req *r, const char *name, size_t name_len, const char *value, size_t value_len)
{
    PF_GROW(r->headers, r->cap_headers, r->n_headers + 1, 16);
    char *n = pf_xstrndup(name, name_len);
    for (char *p = n; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    r->headers[r->n_headers++] = (pf_http_header){n, pf_xstrndup(value, value_len)};
}

static void on_deadline_closed(uv_handle_t *h) { free(h); }

static void drop_deadline(pf_req *r)
{
    if (!r->deadline) return;
    uv_timer_stop(r->deadline);
    uv_close((uv_handle_t *)r->deadline, on_deadline_closed);
    r->deadline = NULL;
}

static void free_stash(pf_req *r)
{
    for (size_t i = 0; i < r->stash_n_headers; i++) {
        free((char *)r->stash_headers[i].name);
        free((char *)r->stash_headers[i].value);
    }
    free(r->stash_headers);
    r->stash_headers = NULL;
    r->stash_n_headers = 0;
    pf_buf_free(&r->stash_body);
    free(r->stash_grpc_message);
    r->stash_grpc_message = NULL;
    r->stash_kind = 0;
}

void pf_req_account_body(pf_req *r)
{
    size_t now = r->body.len + r->grpc_msg.len;
    if (now < r->expected_body) now = r->expected_body;
    if (now == r->accounted) return;
    pf_memory_add(PF_MEM_BODIES, (int64_t)now - (int64_t)r->accounted);
    r->accounted = now;
}

void pf_req_free(pf_req *r)
{
    drop_deadline(r);
    if (r->accounted) pf_memory_add(PF_MEM_BODIES, -(int64_t)r->accounted);
    free_stash(r);
    free(r->hold_msg);
    for (size_t i = 0; i < r->n_headers; i++) {
        free((char *)r->headers[i].name);
        free((char *)r->headers[i].value);
    }
    free(r->headers);
    free(r->method);
    free(r->path);
    free(r->query);
    free(r->grpc_message);
    pf_buf_free(&r->body);
    pf_buf_free(&r->grpc_msg);
    pf_buf_free(&r->response);
    free(r);
}

void pf_req_detach(pf_req *r)
{
    pf_http_conn *c = r->conn;
    if (c) {
        if (r->prev)
            r->prev->next = r->next;
        else
            c->reqs = r->next;
        if (r->next) r->next->prev = r->prev;
        r->prev = r->next = NULL;
        r->conn = NULL;
    }
    drop_deadline(r);
    /* Only a request sitting in a handler (or held, pf_http_hold_answer) has someone left to answer
     * (and free) it. */
    if ((r->answered || !r->dispatched) && !r->holds) pf_req_free(r);
}

const char *pf_http_header_get(const pf_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].name, name) == 0) return req->headers[i].value;
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *pf_http_query_param(const char *query, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = query;
    while (p && *p) {
        size_t n = strcspn(p, "&");
        if (n > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
            const char *v = p + name_len + 1;
            size_t vn = n - name_len - 1;
            char *out = pf_xmalloc(vn + 1), *w = out;
            for (size_t i = 0; i < vn; i++) {
                if (v[i] == '%' && i + 2 < vn && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
                    *w++ = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
                    i += 2;
                } else {
                    *w++ = v[i] == '+' ? ' ' : v[i];
                }
            }
            *w = 0;
            return out;
        }
        p = p[n] ? p + n + 1 : NULL;
    }
    return NULL;
}

void pf_req_reject(pf_req *r, int http_status, int grpc_status, const char *msg)
{
    if (r->pub.is_grpc) {
        pf_grpc_respond(&r->pub, grpc_status, msg, NULL, 0);
        return;
    }
    pf_buf body = {0};
    pf_buf_printf(&body, "%s\n", msg);
    pf_http_header ct = {"content-type", "text/plain; charset=utf-8"};
    pf_http_respond(&r->pub, http_status, &ct, 1, body.data, body.len);
    pf_buf_free(&body);
}

void pf_http_server_set_admission(pf_http_server *s, pf_http_admit_fn admit, void *data)
{
    s->admit = admit;
    s->admit_data = data;
}

bool pf_req_admit(pf_req *r, size_t content_length)
{
    pf_http_server *s = r->conn->srv;
    if (!s->admit || s->closing) return true;
    const char *m = r->method ? r->method : "";
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0) return true;
    r->pub.method = m;
    r->pub.path = r->path ? r->path : "";
    r->pub.query = r->query ? r->query : "";
    r->pub.peer_addr = r->peer;
    r->pub.headers = r->headers;
    r->pub.n_headers = r->n_headers;
    char why[256] = "";
    uint32_t retry_after = 1;
    if (s->admit(&r->pub, content_length, s->admit_data, why, sizeof(why), &retry_after)) {
        r->expected_body = content_length;
        return true;
    }
    pf_http_count_reject(s, "memory_limit");
    r->body_rejected = true;
    if (r->pub.is_grpc) {
        pf_grpc_respond(&r->pub, PF_GRPC_UNAVAILABLE, why, NULL, 0);
        return false;
    }
    char retry[16];
    snprintf(retry, sizeof(retry), "%u", retry_after ? retry_after : 1);
    pf_http_header hs[2] = {{"content-type", "text/plain; charset=utf-8"}, {"retry-after", retry}};
    pf_buf body = {0};
    pf_buf_printf(&body, "%s\n", why);
    pf_http_respond(&r->pub, 503, hs, 2, body.data, body.len);
    pf_buf_free(&body);
    return false;
}

static bool bearer_ok(const pf_req *r, const char *token)
{
    const char *auth = pf_http_header_get(&r->pub, "authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) return false;
    const char *got = auth + 7;
    while (*got == ' ') got++;
    size_t n = strlen(token);
    return strlen(got) == n && CRYPTO_memcmp(got, token, n) == 0;
}

/* `Authorization: Basic base64(user:password)`, compared in constant time. */
static bool basic_ok(const pf_req *r, const char *user, const char *password)
{
    const char *auth = pf_http_header_get(&r->pub, "authorization");
    if (!auth || strncasecmp(auth, "Basic ", 6) != 0) return false;
    const char *b64 = auth + 6;
    while (*b64 == ' ') b64++;
    pf_buf want = {0}, want_b64 = {0};
    pf_buf_printf(&want, "%s:%s", user, password);
    pf_base64_append(&want_b64, (const uint8_t *)want.data, want.len);
    size_t n = want_b64.len;
    bool ok = strlen(b64) == n && CRYPTO_memcmp(b64, want_b64.data, n) == 0;
    OPENSSL_cleanse(want.data, want.len);
    pf_buf_free(&want);
    pf_buf_free(&want_b64);
    return ok;
}

static bool is_write(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 ||
           strcmp(method, "DELETE") == 0;
}

static void on_deadline(uv_timer_t *t)
{
    pf_req *r = t->data;
    if (!r->answered && r->conn) pf_h2_deadline_exceeded(r);
}

static void arm_deadline(pf_req *r)
{
    const char *v = pf_http_header_get(&r->pub, "grpc-timeout");
    int64_t ns;
    if (!v || !pf_grpc_parse_timeout(v, &ns)) return;
    uint64_t ms = (uint64_t)(ns / 1000000);
    r->deadline = pf_xmalloc(sizeof(*r->deadline));
    uv_timer_init(r->conn->srv->loop, r->deadline);
    r->deadline->data = r;
    uv_timer_start(r->deadline, on_deadline, ms ? ms : 1, 0);
}

static const pf_http_route *find_route(const pf_http_server *s, const char *method, const char *path, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < s->n_routes; i++) {
        const pf_http_route *rt = &s->routes[i];
        bool match = rt->prefix ? strncmp(path, rt->path, strlen(rt->path)) == 0 : strcmp(path, rt->path) == 0;
        if (!match) continue;
        *path_known = true;
        if (strcmp(rt->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0))
            return rt;
    }
    return NULL;
}

void pf_req_dispatch(pf_req *r)
{
    pf_http_server *s = r->conn->srv;
    r->dispatched = true;
    r->pub.method = r->method ? r->method : "";
    r->pub.path = r->path ? r->path : "";
    r->pub.query = r->query ? r->query : "";
    r->pub.peer_addr = r->peer;
    r->pub.headers = r->headers;
    r->pub.n_headers = r->n_headers;
    pf_buf_reserve(&r->body, 0);
    r->pub.body = (const uint8_t *)r->body.data;
    r->pub.body_len = r->body.len;

    if (s->closing) {
        /* The owner may already be gone: handlers never run once close has begun. */
        pf_req_reject(r, 503, PF_GRPC_UNAVAILABLE, "server is shutting down");
        return;
    }
    bool has_auth = s->bearer_token || s->basic_password;
    if (has_auth && !(s->bearer_token && bearer_ok(r, s->bearer_token)) &&
        !(s->basic_password && basic_ok(r, s->basic_username, s->basic_password))) {
        pf_http_limit_hit(s, PF_LIMIT_UNAUTHENTICATED, r->peer, "request without valid credentials refused (401)");
        pf_req_reject(r, 401, PF_GRPC_UNAUTHENTICATED,
                      s->basic_password ? (s->bearer_token ? "missing or invalid bearer token or basic auth"
                                                           : "missing or invalid basic auth")
                                        : "missing or invalid bearer token");
        return;
    }
    /* Writes on a listener that protects them: an authenticated client (auth above, or a verified
     * client certificate under mutual TLS) or an explicit allow_unauthenticated_writes. */
    if (s->protect_writes && is_write(r->pub.method) && !has_auth && !(r->pub.tls && s->tls_cfg.client_ca_file) &&
        !s->allow_unauthenticated_writes) {
        pf_http_limit_hit(s, PF_LIMIT_WRITES_NEED_AUTH, r->peer, "write refused: the listener has no auth or mTLS");
        pf_req_reject(r, 401, PF_GRPC_UNAUTHENTICATED,
                      "writes need authentication: configure auth (bearer_token, basic_auth) or tls.client_ca_file "
                      "on this listener, or set allow_unauthenticated_writes: true");
        return;
    }
    bool path_known;
    const pf_http_route *rt = find_route(s, r->pub.method, r->pub.path, &path_known);
    if (!rt) {
        char msg[512];
        if (r->pub.is_grpc)
            snprintf(msg, sizeof(msg), "unknown method %s", r->pub.path);
        else if (path_known)
            snprintf(msg, sizeof(msg), "method %s not allowed on %s", r->pub.method, r->pub.path);
        else
            snprintf(msg, sizeof(msg), "no handler for %s", r->pub.path);
        pf_http_count_reject(s, path_known ? "method_not_allowed" : "not_found");
        pf_req_reject(r, path_known ? 405 : 404, PF_GRPC_UNIMPLEMENTED, msg);
        return;
    }
    if (r->pub.is_grpc) {
        char err[512];
        int st = pf_grpc_unframe(r->pub.body, r->pub.body_len, pf_http_header_get(&r->pub, "grpc-encoding"),
                                 s->max_grpc_msg, &r->grpc_msg, err, sizeof(err));
        if (st != PF_GRPC_OK) {
            pf_http_count_reject(s, st == PF_GRPC_RESOURCE_EXHAUSTED ? "body_too_large" : "bad_grpc_message");
            pf_req_reject(r, 400, st, err);
            return;
        }
        if (r->pub.body_len > 5 && r->pub.body[0] == 1) {
            r->pub.grpc_compressed = r->pub.body + 5; /* r->body lives as long as the request */
            r->pub.grpc_compressed_len = r->pub.body_len - 5;
            r->pub.grpc_encoding = pf_http_header_get(&r->pub, "grpc-encoding");
        }
        pf_buf_reserve(&r->grpc_msg, 0);
        pf_req_account_body(r);
        r->pub.body = (const uint8_t *)r->grpc_msg.data;
        r->pub.body_len = r->grpc_msg.len;
        arm_deadline(r);
    }
    rt->fn(&r->pub, rt->data);
}

/* Claims the answer; false when it must be dropped (r is then freed). */
static bool claim_answer(pf_req *r)
{
    if (r->answered) {
        pf_log(PF_LOG_ERROR, NULL, "HTTP request %s %s answered twice; second answer ignored", r->pub.method,
               r->pub.path);
        return false;
    }
    r->answered = true;
    if (!r->conn) {
        pf_req_free(r);
        return false;
    }
    return true;
}

static void stash_headers(pf_req *r, const pf_http_header *headers, size_t n)
{
    r->stash_headers = n ? pf_xcalloc(n, sizeof(*r->stash_headers)) : NULL;
    for (size_t i = 0; i < n; i++)
        r->stash_headers[i] = (pf_http_header){pf_xstrdup(headers[i].name), pf_xstrdup(headers[i].value)};
    r->stash_n_headers = n;
}

void pf_http_hold_answer(pf_http_request *req) { ((pf_req *)req)->holds++; }

static void send_held(pf_req *r)
{
    if (r->hold_failed) {
        const char *msg = r->hold_msg ? r->hold_msg : "data could not be stored";
        bool grpc = r->stash_kind == 2 || r->pub.is_grpc;
        free_stash(r);
        if (grpc && r->pub.http_major == 2) {
            pf_grpc_respond(&r->pub, PF_GRPC_UNAVAILABLE, msg, NULL, 0);
            return;
        }
        pf_http_header hs[2] = {{"content-type", "text/plain; charset=utf-8"}, {"retry-after", "1"}};
        pf_buf body = {0};
        pf_buf_printf(&body, "%s\n", msg);
        pf_http_respond(&r->pub, 503, hs, 2, body.data, body.len);
        pf_buf_free(&body);
        return;
    }
    if (r->stash_kind == 1) {
        pf_buf body = r->stash_body;
        pf_http_header *hs = r->stash_headers;
        size_t n = r->stash_n_headers;
        r->stash_body = (pf_buf){0};
        r->stash_headers = NULL;
        r->stash_n_headers = 0;
        r->stash_kind = 0;
        pf_http_respond(&r->pub, r->stash_status, hs, n, body.data, body.len);
        for (size_t i = 0; i < n; i++) {
            free((char *)hs[i].name);
            free((char *)hs[i].value);
        }
        free(hs);
        pf_buf_free(&body);
    } else if (r->stash_kind == 2) {
        pf_buf body = r->stash_body;
        char *msg = r->stash_grpc_message;
        r->stash_body = (pf_buf){0};
        r->stash_grpc_message = NULL;
        r->stash_kind = 0;
        pf_grpc_respond(&r->pub, r->stash_status, msg, body.data, body.len);
        free(msg);
        pf_buf_free(&body);
    }
}

void pf_http_release_answer(pf_http_request *req, bool ok, const char *msg)
{
    pf_req *r = (pf_req *)req;
    if (!ok && !r->hold_failed) {
        r->hold_failed = true;
        free(r->hold_msg);
        r->hold_msg = pf_xstrdup(msg && *msg ? msg : "data could not be stored");
    }
    if (r->holds && --r->holds) return;
    if (r->stash_kind) {
        send_held(r);
        return;
    }
    /* Released before the handler answered: its answer goes out directly (with a failure noted,
     * send_held is still used). A detached request nobody will answer is freed. */
    if (!r->conn && r->answered) pf_req_free(r);
}

void pf_http_respond(pf_http_request *req, int status, const pf_http_header *headers, size_t n_headers,
                     const void *body, size_t body_len)
{
    pf_req *r = (pf_req *)req;
    if (r->holds && !r->answered) {
        free_stash(r);
        r->stash_kind = 1;
        r->stash_status = status;
        stash_headers(r, headers, n_headers);
        pf_buf_append(&r->stash_body, body, body_len);
        return;
    }
    if (r->hold_failed && !r->answered && status < 300 && !r->stash_kind) {
        r->stash_kind = 1; /* marks the failure answer as sent through send_held */
        send_held(r);
        return;
    }
    if (!claim_answer(r)) return;
    if (req->http_major == 2)
        pf_h2_respond(r, status, headers, n_headers, body, body_len);
    else
        pf_h1_respond(r, status, headers, n_headers, body, body_len);
}

/* For a gRPC status sent to a plain HTTP request (a misrouted client, a handler shared by both). */
static int http_status_for_grpc(int code)
{
    switch (code) {
    case PF_GRPC_OK: return 200;
    case PF_GRPC_INVALID_ARGUMENT:
    case PF_GRPC_FAILED_PRECONDITION: return 400;
    case PF_GRPC_UNAUTHENTICATED: return 401;
    case PF_GRPC_PERMISSION_DENIED: return 403;
    case PF_GRPC_NOT_FOUND:
    case PF_GRPC_UNIMPLEMENTED: return 404;
    case PF_GRPC_RESOURCE_EXHAUSTED: return 413;
    case PF_GRPC_UNAVAILABLE: return 503;
    case PF_GRPC_DEADLINE_EXCEEDED: return 504;
    default: return 500;
    }
}

void pf_grpc_respond(pf_http_request *req, int grpc_status, const char *grpc_message, const void *msg, size_t msg_len)
{
    pf_req *r = (pf_req *)req;
    if (r->holds && !r->answered) {
        free_stash(r);
        r->stash_kind = 2;
        r->stash_status = grpc_status;
        r->stash_grpc_message = grpc_message ? pf_xstrdup(grpc_message) : NULL;
        pf_buf_append(&r->stash_body, msg, msg_len);
        return;
    }
    if (req->http_major == 2 && req->is_grpc) {
        if (claim_answer(r)) pf_h2_grpc_respond(r, grpc_status, grpc_message, msg, msg_len);
        return;
    }
    if (grpc_status == PF_GRPC_OK) {
        pf_http_header ct = {"content-type", "application/x-protobuf"};
        pf_http_respond(req, 200, &ct, 1, msg, msg_len);
        return;
    }
    pf_req_reject(r, http_status_for_grpc(grpc_status), grpc_status, grpc_message ? grpc_message : "");
}
