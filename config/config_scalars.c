/* config_scalars.c — scalar parsers (Go durations, byte sizes, YAML 1.2 core bools/ints), error
 * formatting and the pf_strlist/pf_strmap helpers of config_map.h. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_map.h"
#include "config/config_map_internal.h"

void pf_cfg_errorf(pf_cfg_error *err, const pf_node *node, const char *path, const char *fmt, ...)
{
    size_t cap = sizeof(err->msg), used = 0;
    err->msg[0] = '\0';
    if (node) used += (size_t)snprintf(err->msg, cap, "%s:%d:%d: ", node->file, node->line, node->col);
    if (path && *path && used < cap) used += (size_t)snprintf(err->msg + used, cap - used, "%s: ", path);
    if (used >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + used, cap - used, fmt, ap);
    va_end(ap);
}

bool pf_parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
        *out = false;
        return true;
    }
    return false;
}

/* YAML 1.2 core integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+. */
bool pf_parse_int(const char *s, int64_t *out)
{
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        base = s[1] == 'x' ? 16 : 8;
        digits = s + 2;
    } else if (s[0] == '-' || s[0] == '+') {
        digits = s + 1;
    }
    if (!*digits) return false;
    for (const char *p = digits; *p; p++)
        if (!(base == 16 ? isxdigit((unsigned char)*p) : *p >= '0' && *p < '0' + base)) return false;
    errno = 0;
    char *end;
    long long v = strtoll(base == 10 ? s : digits, &end, base);
    if (errno == ERANGE || *end) return false;
    *out = v;
    return true;
}

bool pf_cfg_parse_double(const char *s, double *out)
{
    if (!(isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.')) return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v)) return false;
    *out = v;
    return true;
}

typedef struct unit {
    const char *name;
    uint64_t scale;
} unit;

static uint64_t lookup_unit(const unit *units, const char *name, size_t len)
{
    for (const unit *u = units; u->name; u++)
        if (strlen(u->name) == len && !memcmp(u->name, name, len)) return u->scale;
    return 0;
}

/* Reads "123.456" at *s: integer part and fraction (as value/scale). False if no digits at all. */
static bool read_decimal(const char **s, uint64_t *whole, uint64_t *frac, uint64_t *frac_scale)
{
    const char *p = *s;
    *whole = 0;
    *frac = 0;
    *frac_scale = 1;
    bool any = false;
    for (; isdigit((unsigned char)*p); p++, any = true) {
        if (*whole > (UINT64_MAX - 9) / 10) return false;
        *whole = *whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, any = true) {
            if (*frac_scale > UINT64_MAX / 100) continue; /* digits beyond 1e-18 cannot matter */
            *frac = *frac * 10 + (uint64_t)(*p - '0');
            *frac_scale *= 10;
        }
    }
    *s = p;
    return any;
}

/* value * scale + frac/frac_scale * scale, or false past INT64_MAX. */
static bool scaled(uint64_t whole, uint64_t frac, uint64_t frac_scale, uint64_t scale, uint64_t *out)
{
    if (whole > (uint64_t)INT64_MAX / scale) return false;
    uint64_t v = whole * scale + (uint64_t)((long double)frac * (long double)scale / (long double)frac_scale);
    if (v > (uint64_t)INT64_MAX) return false;
    *out = v;
    return true;
}

/* Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?unit)+ or "0". */
bool pf_parse_duration(const char *s, int64_t *out_ns)
{
    static const unit units[] = {
        {"ns", 1},           {"us", 1000},         {"\xc2\xb5s", 1000}, /* µ MICRO SIGN */
        {"\xce\xbcs", 1000},                                            /* μ GREEK SMALL LETTER MU */
        {"ms", 1000000},     {"s", 1000000000ull}, {"m", 60000000000ull}, {"h", 3600000000000ull}, {NULL, 0}};
    bool negative = *s == '-';
    if (*s == '-' || *s == '+') s++;
    if (!strcmp(s, "0")) {
        *out_ns = 0;
        return true;
    }
    if (!*s) return false;
    uint64_t total = 0;
    while (*s) {
        uint64_t whole, frac, frac_scale, part;
        if (!read_decimal(&s, &whole, &frac, &frac_scale)) return false;
        const char *unit_start = s;
        while (*s && *s != '.' && !isdigit((unsigned char)*s)) s++;
        uint64_t scale = lookup_unit(units, unit_start, (size_t)(s - unit_start));
        if (!scale || !scaled(whole, frac, frac_scale, scale, &part)) return false;
        if (part > (uint64_t)INT64_MAX - total) return false;
        total += part;
    }
    *out_ns = negative ? -(int64_t)total : (int64_t)total;
    return true;
}

/* Bytes, or a number with a unit. KB/MB/… are binary like KiB/MiB/… (as in Prometheus, Grafana). */
bool pf_parse_size(const char *s, int64_t *out_bytes)
{
    static const unit units[] = {{"", 1},
                                 {"B", 1},
                                 {"K", 1ull << 10},
                                 {"KB", 1ull << 10},
                                 {"KiB", 1ull << 10},
                                 {"M", 1ull << 20},
                                 {"MB", 1ull << 20},
                                 {"MiB", 1ull << 20},
                                 {"G", 1ull << 30},
                                 {"GB", 1ull << 30},
                                 {"GiB", 1ull << 30},
                                 {"T", 1ull << 40},
                                 {"TB", 1ull << 40},
                                 {"TiB", 1ull << 40},
                                 {NULL, 0}};
    uint64_t whole, frac, frac_scale, v;
    if (*s == '+') s++;
    if (!read_decimal(&s, &whole, &frac, &frac_scale)) return false;
    if (*s == ' ') s++;
    uint64_t scale = lookup_unit(units, s, strlen(s));
    if (!scale || (scale == 1 && frac) || !scaled(whole, frac, frac_scale, scale, &v)) return false;
    *out_bytes = (int64_t)v;
    return true;
}

/* Appends v/unit with its fraction, trailing zeros dropped ("1.5"). */
static size_t put_fraction(char *buf, size_t n, uint64_t v, uint64_t unit)
{
    int len = snprintf(buf, n, "%" PRIu64, v / unit);
    uint64_t rest = v % unit;
    if (rest) {
        char digits[24];
        size_t width = 0;
        for (uint64_t u = unit; u > 1; u /= 10) digits[width++] = '0';
        for (size_t i = width; rest; rest /= 10) digits[--i] = (char)('0' + rest % 10);
        while (width > 1 && digits[width - 1] == '0') width--;
        digits[width] = '\0';
        len += snprintf(buf + len, n - (size_t)len, ".%s", digits);
    }
    return (size_t)len;
}

void pf_cfg_format_duration(int64_t ns, char *buf, size_t n)
{
    uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    size_t len = 0;
    if (ns < 0) len += (size_t)snprintf(buf, n, "-");
    if (u == 0) {
        snprintf(buf + len, n - len, "0s");
    } else if (u < 1000) {
        snprintf(buf + len, n - len, "%" PRIu64 "ns", u);
    } else if (u < 1000000) {
        len += put_fraction(buf + len, n - len, u, 1000);
        snprintf(buf + len, n - len, "\xc2\xb5s");
    } else if (u < 1000000000) {
        len += put_fraction(buf + len, n - len, u, 1000000);
        snprintf(buf + len, n - len, "ms");
    } else {
        uint64_t hours = u / 3600000000000ull, minutes = u / 60000000000ull % 60;
        if (hours) len += (size_t)snprintf(buf + len, n - len, "%" PRIu64 "h", hours);
        if (hours || minutes) len += (size_t)snprintf(buf + len, n - len, "%" PRIu64 "m", minutes);
        len += put_fraction(buf + len, n - len, u % 60000000000ull, 1000000000);
        snprintf(buf + len, n - len, "s");
    }
}

void pf_cfg_format_bound(const pf_cfg_entry *e, double v, char *buf, size_t n)
{
    if (e->type == PF_CFG_DURATION)
        pf_cfg_format_duration((int64_t)v, buf, n);
    else if (v == floor(v) && fabs(v) < 1e18)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%g", v);
}

void pf_strlist_free(pf_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void pf_strmap_free(pf_strmap *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->keys[i]);
        free(m->values[i]);
    }
    free(m->keys);
    free(m->values);
    m->keys = m->values = NULL;
    m->n = 0;
}

const char *pf_strmap_get(const pf_strmap *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->keys[i], key)) return m->values[i];
    return NULL;
}
