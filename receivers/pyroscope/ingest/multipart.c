/* multipart.c — multipart/form-data parsing; see multipart.h. */
#include "receivers/pyroscope/ingest/multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_BOUNDARY 70 /* RFC 2046 */
#define MAX_PARTS    64

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static const char *skip_spaces(const char *p)
{
    while (is_space(*p)) p++;
    return p;
}

bool pf_multipart_is_form_data(const char *ct)
{
    if (!ct) return false;
    ct = skip_spaces(ct);
    static const char media[] = "multipart/form-data";
    if (strncasecmp(ct, media, sizeof(media) - 1) != 0) return false;
    const char *rest = skip_spaces(ct + sizeof(media) - 1);
    return *rest == '\0' || *rest == ';';
}

/* Parses one `; key=value` parameter list (Content-Type or Content-Disposition) and returns the value
 * of `want` (case-insensitive key), unquoted, in the arena; NULL when absent. *bad is set when the
 * syntax is broken. */
static const char *header_param(const char *params, size_t len, const char *want, pf_arena *a, bool *bad)
{
    const char *p = params, *end = params + len;
    *bad = false;
    while (p < end) {
        while (p < end && (*p == ';' || is_space(*p))) p++;
        const char *kb = p;
        while (p < end && *p != '=' && *p != ';') p++;
        const char *ke = p;
        while (ke > kb && is_space(ke[-1])) ke--;
        if (p == end || *p == ';') {
            continue; /* a bare token such as the disposition type "form-data" */
        }
        p++; /* '=' */
        while (p < end && is_space(*p)) p++;
        char *value;
        if (p < end && *p == '"') {
            p++;
            value = pf_arena_alloc(a, (size_t)(end - p) + 1);
            size_t n = 0;
            while (p < end && *p != '"') {
                if (*p == '\\' && p + 1 < end) p++;
                value[n++] = *p++;
            }
            if (p == end) {
                *bad = true;
                return NULL;
            }
            p++;
            value[n] = '\0';
        } else {
            const char *vb = p;
            while (p < end && *p != ';') p++;
            const char *ve = p;
            while (ve > vb && is_space(ve[-1])) ve--;
            value = pf_arena_strndup(a, vb, (size_t)(ve - vb));
        }
        if ((size_t)(ke - kb) == strlen(want) && strncasecmp(kb, want, (size_t)(ke - kb)) == 0) return value;
    }
    return NULL;
}

bool pf_multipart_boundary(const char *content_type, pf_arena *a, const char **boundary, char *err, size_t errlen)
{
    if (!pf_multipart_is_form_data(content_type)) {
        snprintf(err, errlen, "Content-Type \"%s\" is not multipart/form-data", content_type ? content_type : "");
        return false;
    }
    const char *semi = strchr(content_type, ';');
    bool bad = false;
    const char *b = semi ? header_param(semi, strlen(semi), "boundary", a, &bad) : NULL;
    if (bad) {
        snprintf(err, errlen, "multipart Content-Type has an unterminated quoted parameter");
        return false;
    }
    if (!b || !*b) {
        snprintf(err, errlen, "multipart Content-Type has no boundary parameter");
        return false;
    }
    if (strlen(b) > MAX_BOUNDARY) {
        snprintf(err, errlen, "multipart boundary is longer than %d characters", MAX_BOUNDARY);
        return false;
    }
    *boundary = b;
    return true;
}

/* Finds the next delimiter "--boundary" that starts a line, at or after `from`. Returns its offset
 * (of the first '-') or len when none. */
static size_t find_delimiter(const uint8_t *body, size_t len, size_t from, const char *boundary, size_t blen)
{
    size_t pos = from;
    while (pos + 2 + blen <= len) {
        const uint8_t *hit = memmem(body + pos, len - pos, "--", 2);
        if (!hit) return len;
        size_t at = (size_t)(hit - body);
        if (at + 2 + blen <= len && memcmp(hit + 2, boundary, blen) == 0 && (at == 0 || body[at - 1] == '\n'))
            return at;
        pos = at + 1;
    }
    return len;
}

/* After "--boundary": "--" closes, otherwise optional padding then a line end. Returns the offset
 * after the delimiter line, 0 for the closing delimiter, or SIZE_MAX when it is not a delimiter. */
static size_t after_delimiter(const uint8_t *body, size_t len, size_t at, size_t blen)
{
    size_t p = at + 2 + blen;
    if (p + 2 <= len && body[p] == '-' && body[p + 1] == '-') return 0;
    while (p < len && (body[p] == ' ' || body[p] == '\t')) p++;
    if (p < len && body[p] == '\n') return p + 1;
    if (p + 1 < len && body[p] == '\r' && body[p + 1] == '\n') return p + 2;
    return SIZE_MAX;
}

/* Parses the header block of a part starting at *pos; leaves *pos at the start of the data. */
static bool parse_part_headers(const uint8_t *body, size_t len, size_t *pos, pf_multipart_part *part, pf_arena *a,
                               char *err, size_t errlen)
{
    size_t p = *pos;
    for (;;) {
        const uint8_t *nl = memchr(body + p, '\n', len - p);
        if (!nl) {
            snprintf(err, errlen, "multipart part headers are not terminated by an empty line");
            return false;
        }
        size_t line_end = (size_t)(nl - body);
        size_t content_end = line_end > p && body[line_end - 1] == '\r' ? line_end - 1 : line_end;
        const char *line = (const char *)body + p;
        size_t llen = content_end - p;
        p = line_end + 1;
        if (llen == 0) break;
        const char *colon = memchr(line, ':', llen);
        if (!colon) {
            snprintf(err, errlen, "malformed multipart header line \"%.*s\"", (int)(llen > 60 ? 60 : llen), line);
            return false;
        }
        size_t nlen = (size_t)(colon - line);
        const char *value = colon + 1;
        size_t vlen = llen - nlen - 1;
        while (vlen && is_space(*value)) {
            value++;
            vlen--;
        }
        if (nlen == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
            bool bad_name, bad_file;
            const char *name = header_param(value, vlen, "name", a, &bad_name);
            const char *filename = header_param(value, vlen, "filename", a, &bad_file);
            if (bad_name || bad_file) {
                snprintf(err, errlen, "multipart Content-Disposition has an unterminated quoted parameter");
                return false;
            }
            part->name = name ? name : "";
            part->filename = filename;
        } else if (nlen == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
            part->content_type = pf_arena_strndup(a, value, vlen);
        }
    }
    *pos = p;
    return true;
}

bool pf_multipart_parse(const uint8_t *body, size_t len, const char *boundary, pf_arena *a, pf_multipart_part **parts,
                        size_t *n_parts, char *err, size_t errlen)
{
    size_t blen = strlen(boundary);
    pf_multipart_part *out = pf_arena_alloc(a, MAX_PARTS * sizeof(*out));
    size_t n = 0;
    size_t at = find_delimiter(body, len, 0, boundary, blen);
    size_t pos;
    while (at < len && (pos = after_delimiter(body, len, at, blen)) == SIZE_MAX)
        at = find_delimiter(body, len, at + 1, boundary, blen);
    if (at >= len) {
        snprintf(err, errlen, "multipart body has no \"--%s\" delimiter", boundary);
        return false;
    }
    while (pos != 0) {
        if (n == MAX_PARTS) {
            snprintf(err, errlen, "multipart body has more than %d parts", MAX_PARTS);
            return false;
        }
        pf_multipart_part *part = &out[n];
        memset(part, 0, sizeof(*part));
        part->name = "";
        if (!parse_part_headers(body, len, &pos, part, a, err, errlen)) return false;
        size_t next = pos, after = SIZE_MAX;
        for (;;) {
            next = find_delimiter(body, len, next, boundary, blen);
            if (next >= len) {
                snprintf(err, errlen, "multipart body is truncated: part \"%s\" has no closing delimiter", part->name);
                return false;
            }
            after = after_delimiter(body, len, next, blen);
            if (after != SIZE_MAX) break;
            next++;
        }
        /* The line break before the delimiter belongs to the delimiter, not to the data. */
        size_t data_end = next;
        if (data_end > pos && body[data_end - 1] == '\n') data_end--;
        if (data_end > pos && body[data_end - 1] == '\r') data_end--;
        part->data = body + pos;
        part->len = data_end >= pos ? data_end - pos : 0;
        n++;
        pos = after;
    }
    *parts = out;
    *n_parts = n;
    return true;
}

const pf_multipart_part *pf_multipart_find(const pf_multipart_part *parts, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(parts[i].name, name) == 0) return &parts[i];
    return NULL;
}
