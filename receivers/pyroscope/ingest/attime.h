/* attime.h — Pyroscope's `from`/`until` time syntax (graphite attime): unix seconds, or
 * milliseconds / microseconds / nanoseconds when the number has 13 / 16 / 19 digits, `YYYYMMDD`
 * (UTC midnight), and `now` with offsets such as `now-1h`, `now-30min`, `now+1d2h` (units s, min/m,
 * h, d, w, mon/M, y). '_', ',' and spaces are ignored. Anything else is an error, where Pyroscope
 * would silently use "now". */
#ifndef PF_PYRO_ATTIME_H
#define PF_PYRO_ATTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* now_ns: the reference for `now`. Writes unix nanoseconds to *out. */
bool pf_pyro_attime_parse(const char *s, int64_t now_ns, int64_t *out, char *err, size_t errlen);

#endif
