/* log.h — one line per event, text or JSON (service.telemetry.logs.encoding), to stderr.
 *
 * Hot paths must not log per item: use pf_log_once_per() for recurring conditions (a drop reason is
 * logged the first time and then at most once per interval, with the count since). */
#ifndef PF_LOG_H
#define PF_LOG_H

#include <stdbool.h>
#include <stdint.h>

typedef enum pf_log_level {
    PF_LOG_DEBUG,
    PF_LOG_INFO,
    PF_LOG_WARN,
    PF_LOG_ERROR,
} pf_log_level;

void pf_log_configure(pf_log_level level, bool json);
bool pf_log_parse_level(const char *s, pf_log_level *out);
bool pf_log_enabled(pf_log_level level);

/* component may be NULL (service-level messages). */
void pf_log(pf_log_level level, const char *component, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Rate-limited logging for repeated conditions. `state` is caller-owned and zero-initialized;
 * the line is emitted on first occurrence and then at most once per interval_s, suffixed with
 * "(N more since last report)". */
typedef struct pf_log_limiter {
    uint64_t last_ns;
    uint64_t suppressed;
} pf_log_limiter;
void pf_log_limited(pf_log_limiter *state, unsigned interval_s, pf_log_level level, const char *component,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
