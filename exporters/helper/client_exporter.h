/* client_exporter.h — what every exporter that talks to a backend over HTTP or gRPC shares (otlp,
 * otlphttp, pyroscope, parca): the component lifecycle around an exporter helper (queue, retries,
 * timeout; exporters/helper/exporter_helper.h) in front of a client (net/http_client.h), and the reply
 * handling every such exporter needs (status classification, body excerpts for messages).
 *
 * Lifecycle: the client is created at start; shutdown drains the helper, then closes the client;
 * when the shutdown deadline passes with sends in progress, the client is closed at once, which
 * completes them as transport errors (the helper counts them as dropped).
 *
 * Each exporter embeds pf_client_exporter as the first member of its own struct, calls
 * pf_client_exporter_init() from its create(), and supplies a send function whose ctx is that
 * struct. It keeps only what belongs to its wire format.
 *
 * Ownership: the client config is borrowed (it must outlive the component: the service's config, or
 * a copy inside the exporter's struct); the helper config is copied by the helper. The exporter
 * allocates its struct (pf_xcalloc) and malloc's `url` and `authorization`; the component's destroy
 * frees those two and then the struct with free(), so whatever else the struct holds is borrowed. A pf_client_send is malloc'd by
 * pf_client_send_new() and freed by pf_client_send_take() in the reply callback. */
#ifndef PF_CLIENT_EXPORTER_H
#define PF_CLIENT_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config_map.h"
#include "net/http_client.h"
#include "pipeline/component/component.h"
#include "exporters/helper/exporter_helper.h"
#include "exporters/helper/otlp_body.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

typedef struct pf_client_exporter pf_client_exporter;

struct pf_client_exporter {
    pf_component base;
    uv_loop_t *loop;
    const pf_http_client_config *client_cfg;
    pf_http_client *client; /* created by start, closed by shutdown */
    pf_exporter_helper *helper;
    char *url;               /* where sends go (malloc'd; NULL when each send makes its own) */
    char *authorization;     /* Authorization value the exporter sends (malloc'd; NULL when none) */
    const char *compression; /* the configured body compression; NULL when none */
    int compression_level;   /* compression_params.level (net/compress.h) */
    pf_metric *encoded, *verbatim, *verbatim_compressed; /* proflow_exporter_otlp_bodies_total */
    pf_strlist metadata_headers;                         /* headers_from_metadata, names lower-cased (owned) */
    pf_log_limiter error_log;
};

/* One send in progress: what a send function hands its reply callback. */
typedef struct pf_client_send {
    pf_client_exporter *exporter;
    pf_export_attempt *attempt;
} pf_client_send;

/* Takes ownership of `url`. ops: encode, encode_key and send (abort_sends is the client exporter's). */
void pf_client_exporter_init(pf_client_exporter *e, const pf_create_args *args, const pf_http_client_config *client_cfg,
                             const pf_exporter_helper_config *helper_cfg, char *url, const pf_exporter_ops *ops);

/* Decodes a lazy batch (pipeline/model/wire.h) for an exporter whose encode reads the tree (batches are
 * encoded when consumed); when it does not decode, sets err and returns false (encode then answers
 * PF_PERMANENT). */
bool pf_client_decoded(pf_batch *b, pf_error *err);

/* Finishes `attempt` as retryable when the exporter is not started; returns whether it did. */
bool pf_client_exporter_not_started(pf_client_exporter *e, pf_export_attempt *attempt);

pf_client_send *pf_client_send_new(pf_client_exporter *e, pf_export_attempt *attempt);
/* The send a reply callback was given as data; frees it. */
pf_client_send pf_client_send_take(void *data);

/* POSTs the payload's bytes to `url` (NULL: e->url) as they are, with Content-Encoding set to the
 * payload's and the given headers; on_reply gets a pf_client_send as data. */
void pf_client_post(pf_client_exporter *e, pf_export_attempt *attempt, const char *url, const pf_http_header *headers,
                    size_t n_headers, const pf_payload *p, int64_t timeout_ns, pf_http_done_cb on_reply);
/* Sends the payload as a unary gRPC call to e->url (its bytes as the message, with grpc-encoding set
 * to the payload's content encoding; authorization as metadata when set); on_reply gets a
 * pf_client_send as data. */
void pf_client_grpc_send(pf_client_exporter *e, pf_export_attempt *attempt, const pf_payload *p, int64_t timeout_ns,
                         pf_http_done_cb on_reply);
/* The encode_key of OTLP protobuf payloads compressed with `compression` (the client config's),
 * e.g. "otlp-proto/gzip". */
const char *pf_client_otlp_key(const char *compression);

/* ---- headers_from_metadata (metadata_headers.c): request metadata forwarded as headers, like the
 * Collector's headers_setter extension with from_context. A receiver keeps the tenant
 * (X-Scope-OrgID) always and other request headers with include_metadata: true. */
#define PF_HEADERS_FROM_METADATA_ENTRY(off)                                                                            \
    {                                                                                                                  \
        .type = PF_CFG_STRING_LIST, .name = "headers_from_metadata", .offset = (off),                                  \
        .desc = "Request metadata keys (header names such as X-Scope-OrgID or OTLP-Profiles-Development-Version) "     \
                "whose value, when a batch has one, is sent as a header of the same name."                             \
    }
/* Keeps lower-cased copies of keys for pf_client_metadata_headers (freed by the component's destroy). */
void pf_client_exporter_set_metadata_headers(pf_client_exporter *e, const pf_strlist *keys);
/* The headers a batch is to be sent with, captured when it is encoded (a queued payload outlives its
 * batch): "name\nvalue\n" for each configured key the batch has a metadata value for. Malloc'd; NULL
 * when there is none. Kept in the payload's meta. */
char *pf_client_metadata_capture(const pf_client_exporter *e, const pf_batch *b);
/* Writes the headers of a captured text (as above; NULL = none) after the n headers already in h
 * (capacity max), replacing a header of the same name; returns the new count. The names and values
 * point into scratch, which the text is copied into (truncated to scratch_len). */
size_t pf_client_metadata_headers(const char *captured, char *scratch, size_t scratch_len, pf_http_header *h, size_t n,
                                  size_t max);
/* pf_client_grpc_send with extra metadata (sent after authorization). */
void pf_client_grpc_send_md(pf_client_exporter *e, pf_export_attempt *attempt, const pf_http_header *md, size_t n_md,
                            const pf_payload *p, int64_t timeout_ns, pf_http_done_cb on_reply);
/* Counts a payload made by pf_export_encode_otlp_proto (its origin) in
 * proflow_exporter_otlp_bodies_total{exporter,body} as it is sent; other payloads are not counted. */
void pf_client_count_body(pf_client_exporter *e, const pf_payload *p);

/* base with its trailing '/'s removed, then path. Malloc'd. */
char *pf_client_url_join(const char *base, const char *path);
/* The URL of a gRPC method ("/package.Service/Method") on the configured endpoint (pf_grpc_base_url).
 * Malloc'd. */
char *pf_client_grpc_url(const pf_http_client_config *cfg, const char *method);

/* Writes at most out_len-1 printable characters of a reply body (others become '.'), for error
 * messages and logs. */
void pf_client_body_excerpt(const uint8_t *body, size_t len, char *out, size_t out_len);

/* An HTTP reply as an export result: 2xx → PF_OK; a transport error → PF_RETRYABLE ("POST <url>:
 * <error>"); another status → PF_RETRYABLE (with Retry-After) when retryable_status(status) says so,
 * else PF_PERMANENT, with "POST <url>: HTTP <status>: <body excerpt>". err is set unless PF_OK. */
pf_status pf_client_http_status(const pf_http_response *resp, const char *url, bool (*retryable_status)(int status),
                                pf_error *err);

/* A gRPC reply as an export result: OK → PF_OK; another status → PF_RETRYABLE when
 * retryable_code(code) says so or when it is RESOURCE_EXHAUSTED with a google.rpc.RetryInfo (the
 * server says it will recover), else PF_PERMANENT, with "<url>: <STATUS_NAME>: <message>". A
 * retryable result carries the reply's delay (Retry-After, or RetryInfo's retry_delay). */
pf_status pf_client_grpc_status(const pf_http_response *resp, const char *url, bool (*retryable_code)(int code),
                                pf_error *err);

/* Config checks: an http:// or https:// URL with something after the scheme. */
bool pf_client_is_http_url(const char *s);
/* A gRPC endpoint: host:port, optionally behind an http:// or https:// scheme. False with err set. */
bool pf_client_grpc_endpoint_valid(const char *endpoint, const pf_node *node, const char *path, pf_cfg_error *err);

#endif
