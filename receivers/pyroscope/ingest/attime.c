/* attime.c — from/until parsing; see attime.h. */
#include "receivers/pyroscope/ingest/attime.h"

#include <stdio.h>
#include <string.h>

#define NS_PER_S 1000000000LL
/* Keeps now±offset within int64 nanoseconds (about ±146 years each way from 1970). */
#define MAX_OFFSET_S 4000000000LL

static bool all_digits(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int64_t m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static bool parse_yyyymmdd(const char *s, int64_t *out)
{
    int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int64_t m = (s[4] - '0') * 10 + (s[5] - '0');
    int64_t d = (s[6] - '0') * 10 + (s[7] - '0');
    if (y <= 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
    int64_t days = days_from_civil(y, m, d);
    /* Dates after 2262-04-11 have no int64 nanosecond time: like other 8 digits that are not a date,
     * they are read as unix seconds. */
    if (days > INT64_MAX / (86400 * NS_PER_S)) return false;
    *out = days * 86400 * NS_PER_S;
    return true;
}

static bool parse_unix(const char *s, size_t n, int64_t *out)
{
    int64_t scale = n == 13 ? 1000000 : n == 16 ? 1000 : n == 19 ? 1 : NS_PER_S;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v > (UINT64_MAX - 9) / 10) return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX / (uint64_t)scale) return false;
    *out = (int64_t)v * scale;
    return true;
}

static int64_t unit_seconds(const char *u, size_t n)
{
    if (n == 0) return 0;
    if (u[0] == 's') return 1;
    if ((n >= 3 && strncmp(u, "mon", 3) == 0) || u[0] == 'M') return 3600 * 24 * 30;
    if (u[0] == 'm') return 60;
    if (u[0] == 'h') return 3600;
    if (u[0] == 'd') return 3600 * 24;
    if (u[0] == 'w') return 3600 * 24 * 7;
    if (u[0] == 'y') return 3600 * 24 * 365;
    return 0;
}

static bool parse_offset(const char *s, size_t n, int64_t *out, char *err, size_t errlen)
{
    int64_t sign = s[0] == '-' ? -1 : 1;
    size_t i = 1;
    int64_t total = 0;
    if (i == n) {
        snprintf(err, errlen, "offset \"%.*s\" has no amount", (int)n, s);
        return false;
    }
    while (i < n) {
        size_t nb = i;
        int64_t num = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (num > 1000000000) break;
            num = num * 10 + (s[i] - '0');
            i++;
        }
        if (i == nb) {
            snprintf(err, errlen, "offset \"%.*s\": expected a number at \"%.*s\"", (int)n, s, (int)(n - nb), s + nb);
            return false;
        }
        if (i < n && s[i] >= '0' && s[i] <= '9') {
            snprintf(err, errlen, "offset \"%.*s\" is too large", (int)n, s);
            return false;
        }
        size_t ub = i;
        while (i < n && !(s[i] >= '0' && s[i] <= '9')) i++;
        int64_t unit = unit_seconds(s + ub, i - ub);
        if (unit == 0) {
            snprintf(err, errlen, "offset \"%.*s\": unknown unit \"%.*s\" (use s, min, h, d, w, mon, y)", (int)n, s,
                     (int)(i - ub), s + ub);
            return false;
        }
        total += num * unit;
        if (total > MAX_OFFSET_S) {
            snprintf(err, errlen, "offset \"%.*s\" is too large", (int)n, s);
            return false;
        }
    }
    *out = sign * total * NS_PER_S;
    return true;
}

bool pf_pyro_attime_parse(const char *s, int64_t now_ns, int64_t *out, char *err, size_t errlen)
{
    char buf[64];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_' || *p == ',' || *p == ' ' || *p == '\t') continue;
        if (n + 1 >= sizeof(buf)) {
            snprintf(err, errlen, "time \"%.32s...\" is too long", s);
            return false;
        }
        buf[n++] = *p;
    }
    buf[n] = '\0';
    if (all_digits(buf, n)) {
        if (n == 8 && parse_yyyymmdd(buf, out)) return true;
        if (!parse_unix(buf, n, out)) {
            snprintf(err, errlen, "time \"%s\" is out of range", s);
            return false;
        }
        return true;
    }
    const char *sep = strchr(buf, '+');
    if (!sep) sep = strchr(buf, '-');
    size_t ref_len = sep ? (size_t)(sep - buf) : n;
    if (!(ref_len == 0 || (ref_len == 3 && strncmp(buf, "now", 3) == 0))) {
        snprintf(err, errlen, "time \"%s\" is not unix time, YYYYMMDD or now[+-offset]", s);
        return false;
    }
    if (ref_len == 0 && !sep) {
        snprintf(err, errlen, "time is empty");
        return false;
    }
    int64_t offset = 0;
    if (sep && !parse_offset(sep, n - ref_len, &offset, err, errlen)) return false;
    *out = now_ns + offset;
    return true;
}
