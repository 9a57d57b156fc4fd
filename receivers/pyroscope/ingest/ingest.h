/* ingest.h — decoding half of the Pyroscope-compatible `pyroscope` receiver: the legacy
 * `POST /ingest` query string and body (pprof raw or multipart, JFR raw or multipart with labels,
 * folded/lines text) decoded into pprof Profiles, each with the series labels Pyroscope attaches.
 *
 * Everything produced (query strings, labels, profiles) is allocated in the caller's pf_arena and
 * lives until the caller destroys it; the request body must outlive the arena's use only where
 * noted (nothing returned points into it). */
#ifndef PF_PYRO_INGEST_H
#define PF_PYRO_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"
#include "profile.pb-c.h"

typedef struct pf_pyro_label {
    const char *name;
    const char *value;
} pf_pyro_label;

typedef struct pf_pyro_labels {
    pf_pyro_label *items;
    size_t n;
} pf_pyro_labels;

typedef enum pf_pyro_format {
    PF_PYRO_FORMAT_FOLDED,     /* `format=folded`/`groups` or absent: "a;b;c 123" lines */
    PF_PYRO_FORMAT_LINES,      /* one stack per line, each counts 1 */
    PF_PYRO_FORMAT_PPROF,      /* raw (optionally gzipped) pprof body */
    PF_PYRO_FORMAT_JFR,        /* raw JFR, or multipart with `jfr` + `labels` */
    PF_PYRO_FORMAT_TRIE,       /* recognised, not supported: 415 */
    PF_PYRO_FORMAT_TREE,       /* recognised, not supported: 415 */
    PF_PYRO_FORMAT_SPEEDSCOPE, /* recognised, not supported: 415 */
} pf_pyro_format;

typedef enum pf_pyro_status {
    PF_PYRO_OK = 0,
    PF_PYRO_BAD_REQUEST,       /* 400: malformed body, query or name */
    PF_PYRO_UNSUPPORTED_MEDIA, /* 415: format/content type proflow does not decode (trie, tree, speedscope) */
    PF_PYRO_TOO_LARGE,         /* 413: decompressed body above max_decompressed */
} pf_pyro_status;

typedef struct pf_pyro_query {
    const char *name;      /* the whole app name before '{', e.g. "my.app.cpu" */
    pf_pyro_labels labels; /* the {k=v,...} part, in order, without __name__ */
    int64_t from_ns, until_ns;
    uint32_t sample_rate;         /* Hz, default 100 */
    const char *spy_name;         /* default "unknown" */
    const char *units;            /* default "samples" */
    const char *aggregation_type; /* default "sum" */
    pf_pyro_format format;
} pf_pyro_query;

/* Parses a raw (still percent-encoded) query string, without the leading '?'. Missing from/until
 * default to now. False with a message naming the parameter and the problem. */
bool pf_pyro_parse_query(const char *query, pf_pyro_query *out, pf_arena *a, char *err, size_t errlen);
/* The same, saying which answer a failure deserves: PF_PYRO_UNSUPPORTED_MEDIA (415) for a `format`
 * value nobody knows, PF_PYRO_BAD_REQUEST (400) for everything else. */
pf_pyro_status pf_pyro_parse_query_status(const char *query, pf_pyro_query *out, pf_arena *a, char *err, size_t errlen);

/* One decoded series: a pprof Profile plus the labels Pyroscope would store it under
 * (__name__, __delta__="false", pyroscope_spy, service_name or app_name, jfr_event, user labels). */
typedef struct pf_pyro_profile {
    Perftools__Profiles__Profile *pprof;
    pf_pyro_labels labels;
} pf_pyro_profile;

/* Decodes a request body. content_type may be NULL. Gzipped payloads are inflated up to
 * max_decompressed bytes. An empty pprof body decodes to zero profiles (Pyroscope answers 200).
 * On failure returns the class of error and writes a message into err. */
pf_pyro_status pf_pyro_decode_body(const pf_pyro_query *q, const char *content_type, const uint8_t *body, size_t len,
                                   size_t max_decompressed, pf_arena *a, pf_pyro_profile **profiles_out, size_t *n_out,
                                   char *err, size_t errlen);

/* HTTP status for a pf_pyro_status (200, 400, 415, 413). */
int pf_pyro_http_status(pf_pyro_status s);

#endif
