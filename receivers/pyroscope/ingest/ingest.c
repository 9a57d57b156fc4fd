/* ingest.c — /ingest body dispatch by `format` and Content-Type, in Pyroscope's order; see ingest.h. */
#include "receivers/pyroscope/ingest/ingest.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "receivers/pyroscope/ingest/folded.h"
#include "receivers/pyroscope/jfr/jfr.h"
#include "receivers/pyroscope/ingest/multipart.h"
#include "receivers/pyroscope/ingest/name.h"
#include "receivers/pyroscope/ingest/payload.h"
#include "receivers/pyroscope/ingest/pprof_body.h"

int pf_pyro_http_status(pf_pyro_status s)
{
    switch (s) {
    case PF_PYRO_OK: return 200;
    case PF_PYRO_UNSUPPORTED_MEDIA: return 415;
    case PF_PYRO_TOO_LARGE: return 413;
    case PF_PYRO_BAD_REQUEST: break;
    }
    return 400;
}

static bool media_type_is(const char *ct, const char *want)
{
    if (!ct) return false;
    while (*ct == ' ') ct++;
    size_t n = strlen(want);
    return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static pf_pyro_status unsupported(const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s is not supported by proflow (send pprof, jfr, folded or lines)", what);
    return PF_PYRO_UNSUPPORTED_MEDIA;
}

static pf_pyro_status parse_form(const char *content_type, const uint8_t *body, size_t len, pf_arena *a,
                                 pf_multipart_part **parts, size_t *n_parts, char *err, size_t errlen)
{
    const char *boundary;
    if (!pf_multipart_boundary(content_type, a, &boundary, err, errlen) ||
        !pf_multipart_parse(body, len, boundary, a, parts, n_parts, err, errlen))
        return PF_PYRO_BAD_REQUEST;
    return PF_PYRO_OK;
}

/* Pyroscope reads form fields as files: a part counts only when it has a filename. */
static const pf_multipart_part *file_part(const pf_multipart_part *parts, size_t n, const char *name)
{
    const pf_multipart_part *p = pf_multipart_find(parts, n, name);
    return p && p->filename ? p : NULL;
}

static pf_pyro_status missing_part(const pf_multipart_part *parts, size_t n, const char *name, char *err, size_t errlen)
{
    if (pf_multipart_find(parts, n, name))
        snprintf(err, errlen, "multipart part \"%s\" has no filename= (it must be sent as a file)", name);
    else
        snprintf(err, errlen, "multipart form has no \"%s\" part", name);
    return PF_PYRO_BAD_REQUEST;
}

static pf_pyro_status decode_pprof_form(const pf_pyro_query *q, const char *content_type, const uint8_t *body,
                                        size_t len, size_t max, pf_arena *a, pf_pyro_profile **out, size_t *n_out,
                                        char *err, size_t errlen)
{
    pf_multipart_part *parts;
    size_t n;
    pf_pyro_status st = parse_form(content_type, body, len, a, &parts, &n, err, errlen);
    if (st != PF_PYRO_OK) return st;
    const pf_multipart_part *profile = file_part(parts, n, "profile");
    if (!profile) return missing_part(parts, n, "profile", err, errlen);
    const pf_multipart_part *prev = file_part(parts, n, "prev_profile");
    if (prev && prev->len) {
        snprintf(err, errlen,
                 "prev_profile (cumulative profiles) is an unsupported client version: update the "
                 "Pyroscope SDK to send delta profiles");
        return PF_PYRO_BAD_REQUEST;
    }
    const pf_multipart_part *stc = file_part(parts, n, "sample_type_config");
    return pf_pyro_decode_pprof(profile->data, profile->len, stc ? stc->data : NULL, stc ? stc->len : 0, q, max, a, out,
                                n_out, err, errlen);
}

static pf_pyro_status decode_jfr_body(const pf_pyro_query *q, const char *content_type, const uint8_t *body, size_t len,
                                      size_t max, pf_arena *a, pf_pyro_profile **out, size_t *n_out, char *err,
                                      size_t errlen)
{
    const uint8_t *jfr = body, *labels_pb = NULL;
    size_t jfr_len = len, labels_len = 0;
    if (pf_multipart_is_form_data(content_type)) {
        pf_multipart_part *parts;
        size_t n;
        pf_pyro_status st = parse_form(content_type, body, len, a, &parts, &n, err, errlen);
        if (st != PF_PYRO_OK) return st;
        const pf_multipart_part *jp = file_part(parts, n, "jfr");
        if (!jp) return missing_part(parts, n, "jfr", err, errlen);
        jfr = jp->data;
        jfr_len = jp->len;
        const pf_multipart_part *lp = file_part(parts, n, "labels");
        if (lp && lp->len) {
            st = pf_pyro_maybe_gunzip("labels", lp->data, lp->len, max, a, &labels_pb, &labels_len, err, errlen);
            if (st != PF_PYRO_OK) return st;
        }
    }
    pf_pyro_status st = pf_pyro_maybe_gunzip("jfr", jfr, jfr_len, max, a, &jfr, &jfr_len, err, errlen);
    if (st != PF_PYRO_OK) return st;
    pf_jfr_labels labels;
    if (labels_pb && !pf_jfr_labels_decode(labels_pb, labels_len, a, &labels, err, errlen)) return PF_PYRO_BAD_REQUEST;
    return pf_pyro_decode_jfr(jfr, jfr_len, labels_pb ? &labels : NULL, q, a, out, n_out, err, errlen)
               ? PF_PYRO_OK
               : PF_PYRO_BAD_REQUEST;
}

static pf_pyro_status decode_text(const pf_pyro_query *q, bool one_stack_per_line, const uint8_t *body, size_t len,
                                  size_t max, pf_arena *a, pf_pyro_profile **out, size_t *n_out, char *err,
                                  size_t errlen)
{
    pf_pyro_legacy_type type;
    if (!pf_pyro_legacy_type_of(q->name, a, &type, err, errlen)) return PF_PYRO_BAD_REQUEST;
    const uint8_t *text;
    size_t text_len;
    pf_pyro_status st = pf_pyro_maybe_gunzip("body", body, len, max, a, &text, &text_len, err, errlen);
    if (st != PF_PYRO_OK) return st;
    Perftools__Profiles__Profile *p =
        pf_pyro_decode_folded(text, text_len, one_stack_per_line, q, &type, a, err, errlen);
    if (!p) return PF_PYRO_BAD_REQUEST;
    pf_pyro_profile *res = pf_arena_alloc(a, sizeof(*res));
    res->pprof = p;
    pf_pyro_series_labels(q, type.app, type.metric, NULL, a, &res->labels);
    *out = res;
    *n_out = 1;
    return PF_PYRO_OK;
}

pf_pyro_status pf_pyro_decode_body(const pf_pyro_query *q, const char *content_type, const uint8_t *body, size_t len,
                                   size_t max_decompressed, pf_arena *a, pf_pyro_profile **profiles_out, size_t *n_out,
                                   char *err, size_t errlen)
{
    *profiles_out = NULL;
    *n_out = 0;
    if (q->format == PF_PYRO_FORMAT_TRIE || media_type_is(content_type, "binary/octet-stream+trie"))
        return unsupported("format trie", err, errlen);
    if (q->format == PF_PYRO_FORMAT_TREE || media_type_is(content_type, "binary/octet-stream+tree"))
        return unsupported("format tree", err, errlen);
    switch (q->format) {
    case PF_PYRO_FORMAT_LINES:
        return decode_text(q, true, body, len, max_decompressed, a, profiles_out, n_out, err, errlen);
    case PF_PYRO_FORMAT_JFR:
        return decode_jfr_body(q, content_type, body, len, max_decompressed, a, profiles_out, n_out, err, errlen);
    case PF_PYRO_FORMAT_PPROF:
        return pf_pyro_decode_pprof(body, len, NULL, 0, q, max_decompressed, a, profiles_out, n_out, err, errlen);
    case PF_PYRO_FORMAT_SPEEDSCOPE: return unsupported("format speedscope", err, errlen);
    case PF_PYRO_FORMAT_FOLDED:
    case PF_PYRO_FORMAT_TRIE:
    case PF_PYRO_FORMAT_TREE: break;
    }
    if (pf_multipart_is_form_data(content_type))
        return decode_pprof_form(q, content_type, body, len, max_decompressed, a, profiles_out, n_out, err, errlen);
    return decode_text(q, false, body, len, max_decompressed, a, profiles_out, n_out, err, errlen);
}
