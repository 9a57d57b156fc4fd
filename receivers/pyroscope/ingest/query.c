/* query.c — the /ingest query string: percent-decoding, defaults and validation; see ingest.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "receivers/pyroscope/ingest/attime.h"
#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/ingest/name.h"

#define DEFAULT_SAMPLE_RATE 100

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* application/x-www-form-urlencoded decoding of s[0..n) into a fresh arena string; NULL on a bad
 * escape. */
static char *url_decode(const char *s, size_t n, pf_arena *a)
{
    char *out = pf_arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 1 < n ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) return NULL;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

typedef struct raw_params {
    const char *name, *from, *until, *sample_rate, *spy_name, *units, *aggregation_type, *format;
} raw_params;

/* Like Go's url.Values.Get: the first occurrence of a parameter wins. */
static bool split_query(const char *query, raw_params *p, pf_arena *a, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    const char *s = query ? query : "";
    while (*s) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        size_t klen = eq ? (size_t)(eq - s) : len;
        char *key = url_decode(s, klen, a);
        char *value = eq ? url_decode(eq + 1, len - klen - 1, a) : pf_arena_strdup(a, "");
        if (!key || !value) {
            snprintf(err, errlen, "invalid percent-encoding in query parameter \"%.*s\"", (int)len, s);
            return false;
        }
        struct {
            const char *name;
            const char **slot;
        } known[] = {
            {"name", &p->name},
            {"from", &p->from},
            {"until", &p->until},
            {"sampleRate", &p->sample_rate},
            {"spyName", &p->spy_name},
            {"units", &p->units},
            {"aggregationType", &p->aggregation_type},
            {"format", &p->format},
        };
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (strcmp(key, known[i].name) == 0 && !*known[i].slot) *known[i].slot = value;
        s += len;
        if (*s == '&') s++;
    }
    return true;
}

static bool one_of(const char *v, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(v, *allowed) == 0) return true;
    return false;
}

static bool parse_format(const char *v, pf_pyro_query *out, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        pf_pyro_format format;
    } formats[] = {
        {"folded", PF_PYRO_FORMAT_FOLDED}, {"groups", PF_PYRO_FORMAT_FOLDED}, {"collapsed", PF_PYRO_FORMAT_FOLDED},
        {"lines", PF_PYRO_FORMAT_LINES},   {"pprof", PF_PYRO_FORMAT_PPROF},   {"jfr", PF_PYRO_FORMAT_JFR},
        {"trie", PF_PYRO_FORMAT_TRIE},     {"tree", PF_PYRO_FORMAT_TREE},     {"speedscope", PF_PYRO_FORMAT_SPEEDSCOPE},
    };
    out->format = PF_PYRO_FORMAT_FOLDED;
    if (!v || !*v) return true;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (strcmp(v, formats[i].name) == 0) {
            out->format = formats[i].format;
            return true;
        }
    }
    snprintf(err, errlen,
             "format: unknown value \"%s\" (expected folded, groups, lines, pprof, jfr, trie, tree or speedscope)", v);
    return false;
}

static bool parse_time(const char *param, const char *v, int64_t now_ns, int64_t *out, char *err, size_t errlen)
{
    if (!v || !*v) {
        *out = now_ns;
        return true;
    }
    char inner[200];
    if (pf_pyro_attime_parse(v, now_ns, out, inner, sizeof(inner))) {
        /* Both ends at or after the epoch keep until - from within int64 for the decoders. */
        if (*out >= 0) return true;
        snprintf(inner, sizeof(inner), "time \"%.64s\" is before 1970", v);
    }
    snprintf(err, errlen, "%s: %s", param, inner);
    return false;
}

static bool parse_sample_rate(const char *v, uint32_t *out, char *err, size_t errlen)
{
    if (!v || !*v) {
        *out = DEFAULT_SAMPLE_RATE;
        return true;
    }
    char *end;
    unsigned long long r = strtoull(v, &end, 10);
    if (*end || v[0] == '-' || v[0] == '+' || r > UINT32_MAX) {
        snprintf(err, errlen, "sampleRate: \"%s\" is not a non-negative integer (Hz)", v);
        return false;
    }
    *out = (uint32_t)r;
    return true;
}

pf_pyro_status pf_pyro_parse_query_status(const char *query, pf_pyro_query *out, pf_arena *a, char *err, size_t errlen)
{
    static const char *const units[] = {"samples",          "objects",      "goroutines", "bytes",
                                        "lock_nanoseconds", "lock_samples", NULL};
    static const char *const aggregations[] = {"sum", "average", NULL};
    memset(out, 0, sizeof(*out));
    raw_params p;
    if (!split_query(query, &p, a, err, errlen)) return PF_PYRO_BAD_REQUEST;

    char inner[300];
    if (!pf_pyro_parse_name(p.name ? p.name : "", a, &out->name, &out->labels, inner, sizeof(inner))) {
        snprintf(err, errlen, "name: %s", inner);
        return PF_PYRO_BAD_REQUEST;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    if (!parse_time("from", p.from, now_ns, &out->from_ns, err, errlen) ||
        !parse_time("until", p.until, now_ns, &out->until_ns, err, errlen))
        return PF_PYRO_BAD_REQUEST;
    if (!parse_sample_rate(p.sample_rate, &out->sample_rate, err, errlen)) return PF_PYRO_BAD_REQUEST;
    out->spy_name = p.spy_name && *p.spy_name ? p.spy_name : "unknown";
    out->units = p.units && *p.units ? p.units : "samples";
    if (!one_of(out->units, units)) {
        snprintf(err, errlen,
                 "units: unknown value \"%s\" (expected samples, objects, goroutines, bytes, lock_nanoseconds or "
                 "lock_samples)",
                 out->units);
        return PF_PYRO_BAD_REQUEST;
    }
    out->aggregation_type = p.aggregation_type && *p.aggregation_type ? p.aggregation_type : "sum";
    if (!one_of(out->aggregation_type, aggregations)) {
        snprintf(err, errlen, "aggregationType: unknown value \"%s\" (expected sum or average)", out->aggregation_type);
        return PF_PYRO_BAD_REQUEST;
    }
    return parse_format(p.format, out, err, errlen) ? PF_PYRO_OK : PF_PYRO_UNSUPPORTED_MEDIA;
}

bool pf_pyro_parse_query(const char *query, pf_pyro_query *out, pf_arena *a, char *err, size_t errlen)
{
    return pf_pyro_parse_query_status(query, out, a, err, errlen) == PF_PYRO_OK;
}
