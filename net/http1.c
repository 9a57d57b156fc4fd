/* http1.c — HTTP/1.1 on a server connection, with libhttp-parser: keep-alive, Content-Length and
 * chunked bodies, Expect: 100-continue, early 413s, and one request at a time (pipelined requests
 * wait in the input buffer, and the socket is not read, while a handler works). */
#include <http_parser.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/http_internal.h"

enum { MAX_HEADERS = 256 };

struct pf_h1 {
    pf_http_conn *conn;
    http_parser parser;
    pf_req *cur;    /* being parsed */
    pf_req *active; /* dispatched, waiting for its answer */
    pf_buf in;      /* received, not parsed yet */
    size_t in_off;
    pf_buf url, hname, hvalue;
    size_t header_bytes; /* request line + header fields so far, against max_request_header_size */
    bool in_value;
    bool in_body;       /* headers done, body still arriving: reads keep the idle timer fresh */
    bool message_ready; /* on_message_complete paused the parser */
    bool pumping;
    bool peer_eof;
};

static const char *reason_phrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

/* Answers the request being parsed right away and closes the connection afterwards. */
static void reject_current(pf_h1 *h, int status, const char *reason_metric, const char *msg)
{
    pf_http_conn *c = h->conn;
    pf_req *r = h->cur ? h->cur : pf_req_new(c, 1);
    h->cur = r;
    r->keep_alive = false;
    pf_http_count_reject(c->srv, reason_metric);
    pf_log_limited(&c->srv->log_limit, 10, PF_LOG_WARN, c->srv->owner_id, "HTTP/1 request from %s rejected: %s",
                   c->peer, msg);
    pf_req_reject(r, status, 0, msg);
}

/* The same for a limit (counted and logged once per state change by pf_http_limit_hit). */
static void reject_limit(pf_h1 *h, int status, pf_http_limit which, const char *msg)
{
    pf_http_conn *c = h->conn;
    pf_req *r = h->cur ? h->cur : pf_req_new(c, 1);
    h->cur = r;
    r->keep_alive = false;
    pf_http_limit_hit(c->srv, which, c->peer, msg);
    pf_req_reject(r, status, 0, msg);
}

/* Request line and header bytes against max_request_header_size; false (after a 431) beyond it. */
static bool count_header_bytes(pf_h1 *h, size_t len)
{
    h->header_bytes += len;
    if (h->header_bytes <= h->conn->srv->max_header_bytes) return true;
    char msg[160];
    snprintf(msg, sizeof(msg), "request line and headers exceed max_request_header_size (%zu bytes)",
             h->conn->srv->max_header_bytes);
    reject_limit(h, 431, PF_LIMIT_HEADER_SIZE, msg);
    return false;
}

static void commit_header(pf_h1 *h)
{
    if (h->hname.len || h->hvalue.len) {
        pf_req_add_header(h->cur, h->hname.data ? h->hname.data : "", h->hname.len,
                          h->hvalue.data ? h->hvalue.data : "", h->hvalue.len);
    }
    pf_buf_reset(&h->hname);
    pf_buf_reset(&h->hvalue);
    h->in_value = false;
}

static int on_message_begin(http_parser *p)
{
    pf_h1 *h = p->data;
    h->cur = pf_req_new(h->conn, 1);
    pf_buf_reset(&h->url);
    pf_buf_reset(&h->hname);
    pf_buf_reset(&h->hvalue);
    h->in_value = false;
    h->header_bytes = 0;
    pf_conn_arm_timer(h->conn, true);
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    pf_h1 *h = p->data;
    if (h->url.len + len > h->conn->srv->max_uri_bytes) {
        char msg[160];
        snprintf(msg, sizeof(msg), "request target longer than max_request_uri_size (%zu bytes)",
                 h->conn->srv->max_uri_bytes);
        reject_limit(h, 414, PF_LIMIT_URI_SIZE, msg);
        return -1;
    }
    if (!count_header_bytes(h, len)) return -1;
    pf_buf_append(&h->url, at, len);
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    pf_h1 *h = p->data;
    if (h->in_value) commit_header(h);
    if (!count_header_bytes(h, len + 4)) return -1; /* ": " and CRLF */
    pf_buf_append(&h->hname, at, len);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    pf_h1 *h = p->data;
    h->in_value = true;
    if (!count_header_bytes(h, len)) return -1;
    pf_buf_append(&h->hvalue, at, len);
    return 0;
}

static bool split_url(pf_req *r, const pf_buf *url)
{
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (url->len == 0 || http_parser_parse_url(url->data, url->len, 0, &u) != 0) return false;
    if (u.field_set & (1 << UF_PATH))
        r->path = pf_xstrndup(url->data + u.field_data[UF_PATH].off, u.field_data[UF_PATH].len);
    else
        r->path = pf_xstrdup("/");
    if (u.field_set & (1 << UF_QUERY))
        r->query = pf_xstrndup(url->data + u.field_data[UF_QUERY].off, u.field_data[UF_QUERY].len);
    return true;
}

static int on_headers_complete(http_parser *p)
{
    pf_h1 *h = p->data;
    pf_http_conn *c = h->conn;
    pf_req *r = h->cur;
    commit_header(h);
    r->method = pf_xstrdup(http_method_str((enum http_method)p->method));
    r->keep_alive = http_should_keep_alive(p) != 0;
    if (!split_url(r, &h->url)) {
        reject_current(h, 400, "bad_request", "malformed request target");
        return -1;
    }
    if (r->n_headers > MAX_HEADERS) {
        reject_limit(h, 431, PF_LIMIT_HEADER_SIZE, "more than 256 header fields");
        return -1;
    }
    if (p->content_length != ULLONG_MAX && p->content_length > c->srv->max_body) {
        char msg[160];
        snprintf(msg, sizeof(msg), "request body of %llu bytes exceeds max_request_body_size (%zu)",
                 (unsigned long long)p->content_length, c->srv->max_body);
        reject_limit(h, 413, PF_LIMIT_BODY_SIZE, msg);
        return -1;
    }
    /* Admission before the body is read (pf_http_server_set_admission). A refused request is answered
     * 503 now (which frees it); its body is then read and thrown away, so the client sees the answer
     * and the connection stays usable. */
    if (!pf_req_admit(r, p->content_length != ULLONG_MAX ? (size_t)p->content_length : 0)) {
        h->in_body = true;
        if (!c->closing && !c->close_after_write) pf_conn_arm_timer(c, false);
        return 0;
    }
    if (p->content_length != ULLONG_MAX) pf_buf_reserve(&r->body, (size_t)p->content_length);
    pf_req_account_body(r);
    const char *expect =
        pf_http_header_get(&(pf_http_request){.headers = r->headers, .n_headers = r->n_headers}, "expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && p->http_minor >= 1) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        pf_conn_write(c, cont, sizeof(cont) - 1);
    }
    h->in_body = true;
    pf_conn_arm_timer(c, false);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    pf_h1 *h = p->data;
    pf_http_conn *c = h->conn;
    if (!h->cur) return 0; /* answered before its body (admission): discarded */
    if (h->cur->body.len + len > c->srv->max_body) {
        char msg[160];
        snprintf(msg, sizeof(msg), "request body exceeds max_request_body_size (%zu)", c->srv->max_body);
        reject_limit(h, 413, PF_LIMIT_BODY_SIZE, msg);
        return -1;
    }
    pf_buf_append(&h->cur->body, at, len);
    pf_req_account_body(h->cur);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    pf_h1 *h = p->data;
    h->in_body = false;
    if (!h->cur) return 0; /* already answered (admission): nothing to dispatch */
    h->message_ready = true;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

pf_h1 *pf_h1_new(pf_http_conn *c)
{
    pf_h1 *h = pf_xcalloc(1, sizeof(*h));
    h->conn = c;
    http_parser_init(&h->parser, HTTP_REQUEST);
    h->parser.data = h;
    return h;
}

void pf_h1_free(pf_h1 *h)
{
    pf_buf_free(&h->in);
    pf_buf_free(&h->url);
    pf_buf_free(&h->hname);
    pf_buf_free(&h->hvalue);
    free(h);
}

static void parse_error(pf_h1 *h)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&h->parser);
    char msg[200];
    snprintf(msg, sizeof(msg), "malformed HTTP/1.x request: %s", http_errno_description(e));
    if (e == HPE_HEADER_OVERFLOW)
        reject_limit(h, 431, PF_LIMIT_HEADER_SIZE, msg);
    else
        reject_current(h, 400, "bad_request", msg);
}

/* Parses buffered input until a request is handed to a handler, the input runs out or the
 * connection is closing. Re-entered from the answer path, hence the `pumping` guard. */
static void pump(pf_http_conn *c)
{
    pf_h1 *h = c->h1;
    if (h->pumping) return;
    h->pumping = true;
    while (!c->closing && !c->close_after_write && !h->active && h->in_off < h->in.len) {
        size_t n = http_parser_execute(&h->parser, &parser_settings, h->in.data + h->in_off, h->in.len - h->in_off);
        h->in_off += n;
        if (h->message_ready) {
            h->message_ready = false;
            http_parser_pause(&h->parser, 0);
            pf_req *r = h->cur;
            h->cur = NULL;
            h->active = r;
            pf_conn_stop_timer(c);
            pf_req_dispatch(r);
            continue;
        }
        if (HTTP_PARSER_ERRNO(&h->parser) != HPE_OK) {
            if (!c->close_after_write && !c->closing) parse_error(h);
            break;
        }
    }
    if (h->in_off == h->in.len) {
        pf_buf_reset(&h->in);
        h->in_off = 0;
    } else if (h->in_off > 65536) {
        memmove(h->in.data, h->in.data + h->in_off, h->in.len - h->in_off);
        h->in.len -= h->in_off;
        h->in_off = 0;
    }
    if (h->active)
        pf_conn_read_stop(c);
    else
        pf_conn_read_start(c);
    h->pumping = false;
}

void pf_h1_feed(pf_http_conn *c, const uint8_t *data, size_t len)
{
    if (c->closing) return;
    pf_h1 *h = c->h1;
    pf_buf_append(&h->in, data, len);
    if (h->in_body) pf_conn_arm_timer(c, false);
    pump(c);
}

void pf_h1_respond(pf_req *r, int status, const pf_http_header *headers, size_t n_headers, const void *body,
                   size_t body_len)
{
    pf_http_conn *c = r->conn;
    pf_h1 *h = c->h1;
    bool keep_alive = r->keep_alive && !h->peer_eof && !c->srv->closing;
    pf_buf out = {0};
    pf_buf_printf(&out, "HTTP/1.1 %d %s\r\n", status, reason_phrase(status));
    for (size_t i = 0; i < n_headers; i++) {
        if (strcasecmp(headers[i].name, "content-length") == 0 || strcasecmp(headers[i].name, "connection") == 0)
            continue;
        pf_buf_printf(&out, "%s: %s\r\n", headers[i].name, headers[i].value);
    }
    pf_buf_printf(&out, "Content-Length: %zu\r\n%s\r\n", body_len, keep_alive ? "" : "Connection: close\r\n");
    if (!r->method || strcmp(r->method, "HEAD") != 0) pf_buf_append(&out, body, body_len);
    pf_conn_write(c, out.data, out.len);
    pf_buf_free(&out);
    if (h->active == r) h->active = NULL;
    if (h->cur == r) h->cur = NULL;
    pf_req_detach(r);
    if (!keep_alive) {
        pf_conn_close_after_write(c);
        return;
    }
    pf_conn_arm_timer(c, false);
    pump(c);
}

void pf_h1_on_timeout(pf_http_conn *c)
{
    pf_h1 *h = c->h1;
    if (h->cur) {
        reject_limit(h, 408, h->in_body ? PF_LIMIT_IDLE_TIMEOUT : PF_LIMIT_HEADER_TIMEOUT,
                     h->in_body ? "request body stalled for idle_timeout"
                                : "request headers not received within read_header_timeout");
        return;
    }
    pf_http_limit_hit(c->srv, PF_LIMIT_IDLE_TIMEOUT, c->peer, "idle keep-alive connection closed after idle_timeout");
    pf_conn_close_after_write(c);
}

void pf_h1_on_eof(pf_http_conn *c)
{
    pf_h1 *h = c->h1;
    h->peer_eof = true;
    pf_conn_read_stop(c);
    if (!h->active) pf_conn_close(c);
}
