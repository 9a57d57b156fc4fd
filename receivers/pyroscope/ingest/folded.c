/* folded.c — folded/lines text into pprof; see folded.h. */
#include "receivers/pyroscope/ingest/folded.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/pprof/builder.h"

typedef struct stack_buf {
    uint64_t *ids;
    size_t cap;
} stack_buf;

/* Adds one stack (frames root first, separated by ';') with `count`. */
static void add_stack(pf_pprof_builder *b, pf_arena *a, stack_buf *buf, const char *s, size_t len, int64_t value)
{
    size_t frames = 1;
    for (size_t i = 0; i < len; i++) frames += s[i] == ';';
    if (frames > buf->cap) {
        buf->ids = pf_arena_grow(a, buf->ids, buf->cap * sizeof(uint64_t), frames * sizeof(uint64_t));
        buf->cap = frames;
    }
    /* pprof wants the leaf first: fill from the end. */
    size_t n = 0;
    const char *end = s + len;
    while (end > s) {
        const char *start = end;
        while (start > s && start[-1] != ';') start--;
        if (end > start) buf->ids[n++] = pf_pprof_builder_location(b, start, (size_t)(end - start), 0);
        end = start > s ? start - 1 : s;
    }
    if (n) pf_pprof_builder_add(b, buf->ids, n, NULL, 0, &value);
}

static bool parse_count(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

Perftools__Profiles__Profile *pf_pyro_decode_folded(const uint8_t *body, size_t len, bool one_stack_per_line,
                                                    const pf_pyro_query *q, const pf_pyro_legacy_type *type,
                                                    pf_arena *a, char *err, size_t errlen)
{
    pf_pprof_builder *b = pf_pprof_builder_new(a);
    int64_t scale = 1;
    if (type->per_sample_period && q->sample_rate) {
        scale = 1000000000LL / q->sample_rate;
        if (scale < 1) scale = 1; /* sampleRate above 1 GHz: one nanosecond per sample, not a division by 0 */
        bool wall = strcmp(type->metric, "wall") == 0;
        pf_pprof_builder_sample_type(b, wall ? "wall" : "cpu", "nanoseconds");
        pf_pprof_builder_period(b, "cpu", "nanoseconds", scale);
    } else {
        pf_pprof_builder_sample_type(b, type->sample_type, type->unit);
    }
    pf_pprof_builder_time(b, q->from_ns, q->until_ns > q->from_ns ? q->until_ns - q->from_ns : 0);

    stack_buf buf = {0};
    const char *s = (const char *)body, *end = s + len;
    size_t line_no = 0;
    while (s < end) {
        line_no++;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (le > s && le[-1] == '\r') le--;
        if (one_stack_per_line) {
            add_stack(b, a, &buf, s, (size_t)(le - s), scale);
        } else {
            const char *sp = le;
            while (sp > s && sp[-1] != ' ') sp--;
            if (sp > s) { /* a line without a space carries no count and is skipped, as in Pyroscope */
                int64_t count;
                if (!parse_count(sp, (size_t)(le - sp), &count)) {
                    snprintf(err, errlen, "line %zu: invalid sample count \"%.*s\"", line_no,
                             (int)((le - sp) > 40 ? 40 : (le - sp)), sp);
                    return NULL;
                }
                if (count > INT64_MAX / scale) {
                    snprintf(err, errlen, "line %zu: sample count %lld overflows", line_no, (long long)count);
                    return NULL;
                }
                if (count) add_stack(b, a, &buf, s, (size_t)(sp - 1 - s), count * scale);
            }
        }
        s = next;
    }
    return pf_pprof_builder_finish(b);
}
