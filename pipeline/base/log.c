/* log.c — line-oriented logging to stderr in text or JSON (see log.h). */
#include "pipeline/base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static pf_log_level min_level = PF_LOG_INFO;
static bool as_json;

void pf_log_configure(pf_log_level level, bool json)
{
    min_level = level;
    as_json = json;
}

bool pf_log_parse_level(const char *s, pf_log_level *out)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, names[i]) == 0) {
            *out = (pf_log_level)i;
            return true;
        }
    if (strcasecmp(s, "warning") == 0) {
        *out = PF_LOG_WARN;
        return true;
    }
    return false;
}

bool pf_log_enabled(pf_log_level level) { return level >= min_level; }

static const char *level_name(pf_log_level l)
{
    switch (l) {
    case PF_LOG_DEBUG: return "debug";
    case PF_LOG_INFO: return "info";
    case PF_LOG_WARN: return "warn";
    case PF_LOG_ERROR: return "error";
    }
    return "info";
}

static void json_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

static void emit(pf_log_level level, const char *component, const char *msg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);
    /* One fprintf per line keeps lines whole even if stderr is shared with child processes. */
    char line[4096];
    if (as_json) {
        FILE *mem = fmemopen(line, sizeof line - 2, "w");
        fprintf(mem, "{\"ts\":\"%s\",\"level\":\"%s\"", when, level_name(level));
        if (component) {
            fputs(",\"component\":\"", mem);
            json_escape(mem, component);
            fputc('"', mem);
        }
        fputs(",\"msg\":\"", mem);
        json_escape(mem, msg);
        fputs("\"}", mem);
        fclose(mem);
        fprintf(stderr, "%s\n", line);
    } else if (component) {
        fprintf(stderr, "%s\t%s\t%s\t%s\n", when, level_name(level), component, msg);
    } else {
        fprintf(stderr, "%s\t%s\t%s\n", when, level_name(level), msg);
    }
}

void pf_log(pf_log_level level, const char *component, const char *fmt, ...)
{
    if (level < min_level) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(level, component, msg);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void pf_log_limited(pf_log_limiter *state, unsigned interval_s, pf_log_level level, const char *component,
                    const char *fmt, ...)
{
    uint64_t now = mono_ns();
    if (state->last_ns && now - state->last_ns < (uint64_t)interval_s * 1000000000ull) {
        state->suppressed++;
        return;
    }
    if (level < min_level) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (state->suppressed && n > 0 && (size_t)n < sizeof msg)
        snprintf(msg + n, sizeof msg - (size_t)n, " (%llu more since last report)",
                 (unsigned long long)state->suppressed);
    state->last_ns = now ? now : 1;
    state->suppressed = 0;
    emit(level, component, msg);
}
