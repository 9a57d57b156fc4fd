/* memory_budget.c — the process-wide memory budget (see memory_budget.h). */
#include "pipeline/base/memory_budget.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "pipeline/base/xalloc.h"

#define MIB              (1024u * 1024u)
#define DEFAULT_LIMIT    ((size_t)192 * MIB)
#define DEFAULT_CHECK_NS 1000000000LL

static struct {
    size_t kind[PF_MEM_KINDS];
    size_t total, peak;
    size_t hard, soft;
    uint64_t check_ms;
    bool limited, rss_over;
    bool reported; /* the state last logged (evaluated every check_interval) */
    uint64_t refusals, refusals_seen;
    uv_timer_t *timer; /* malloc'd: a reload may start a new one before the old one's close completed */
    pf_metric *g_kind[PF_MEM_KINDS], *g_total, *g_peak, *g_hard, *g_soft, *g_limited, *g_rss;
} mb = {.hard = DEFAULT_LIMIT, .soft = DEFAULT_LIMIT - DEFAULT_LIMIT / 5, .check_ms = 1000};

static const char *const kind_names[PF_MEM_KINDS] = {"bodies", "decoded", "queued"};

static void ensure_metrics(void)
{
    if (mb.g_total) return;
    for (int k = 0; k < PF_MEM_KINDS; k++) {
        char labels[32];
        snprintf(labels, sizeof(labels), "kind=\"%s\"", kind_names[k]);
        mb.g_kind[k] =
            pf_gauge("proflow_memory_accounted_bytes",
                     "Bytes proflow holds, by kind (bodies being read, decoded batches, queued payloads).", labels);
    }
    mb.g_total = pf_gauge("proflow_memory_accounted_total_bytes", "Sum of proflow_memory_accounted_bytes.", "");
    mb.g_peak =
        pf_gauge("proflow_memory_accounted_peak_bytes", "Highest proflow_memory_accounted_total_bytes seen.", "");
    mb.g_hard = pf_gauge("proflow_memory_limit_bytes", "Hard memory limit (memory_limiter limit).", "");
    mb.g_soft = pf_gauge("proflow_memory_soft_limit_bytes",
                         "Soft memory limit (limit - spike): new data is refused from here on.", "");
    mb.g_limited = pf_gauge("proflow_memory_limited", "1 while new data is refused because of the memory limit.", "");
    mb.g_rss = pf_gauge("proflow_memory_rss_bytes", "Resident set size at the last check_interval.", "");
}

uint64_t pf_memory_cgroup_max(const char *path)
{
    FILE *f = fopen(path ? path : "/sys/fs/cgroup/memory.max", "r");
    if (!f) return 0;
    char line[64] = "";
    uint64_t v = 0;
    if (fgets(line, sizeof(line), f) && strncmp(line, "max", 3) != 0) v = strtoull(line, NULL, 10);
    fclose(f);
    return v;
}

static uint64_t total_memory(void)
{
    uint64_t cg = pf_memory_cgroup_max(NULL);
    uint64_t phys = uv_get_total_memory();
    if (cg && (!phys || cg < phys)) return cg;
    return phys ? phys : (uint64_t)DEFAULT_LIMIT * 5;
}

void pf_memory_compute_limits(const pf_memory_limiter_config *cfg, uint64_t total, size_t *hard, size_t *soft)
{
    uint64_t h, spike;
    if (!cfg) {
        h = total / 10 * 8;
        if (h > DEFAULT_LIMIT) h = DEFAULT_LIMIT;
        spike = h / 5;
    } else if (cfg->limit_mib > 0) {
        h = (uint64_t)cfg->limit_mib * MIB;
        spike = cfg->spike_limit_mib > 0 ? (uint64_t)cfg->spike_limit_mib * MIB : h / 5;
    } else {
        h = total / 100 * (uint64_t)cfg->limit_percentage;
        spike = cfg->spike_limit_percentage > 0 ? total / 100 * (uint64_t)cfg->spike_limit_percentage : h / 5;
    }
    if (spike >= h) spike = h / 5;
    *hard = (size_t)h;
    *soft = (size_t)(h - spike);
}

void pf_memory_publish(void)
{
    if (!mb.g_total) return;
    for (int k = 0; k < PF_MEM_KINDS; k++) pf_metric_set(mb.g_kind[k], (double)mb.kind[k]);
    pf_metric_set(mb.g_total, (double)mb.total);
    pf_metric_set(mb.g_peak, (double)mb.peak);
    pf_metric_set(mb.g_limited, mb.reported ? 1 : 0);
}

void pf_memory_configure(const pf_memory_limiter_config *cfg, const char *source)
{
    ensure_metrics();
    pf_memory_compute_limits(cfg, total_memory(), &mb.hard, &mb.soft);
    int64_t check = cfg && cfg->check_interval > 0 ? cfg->check_interval : DEFAULT_CHECK_NS;
    mb.check_ms = (uint64_t)(check / 1000000);
    if (!mb.check_ms) mb.check_ms = 1;
    pf_metric_set(mb.g_hard, (double)mb.hard);
    pf_metric_set(mb.g_soft, (double)mb.soft);
    pf_log(PF_LOG_INFO, NULL, "memory budget (%s): limit %.1f MiB, new data refused from %.1f MiB",
           source ? source : "default", (double)mb.hard / MIB, (double)mb.soft / MIB);
    pf_memory_publish();
}

/* Enters or leaves the limited state (what admission uses, at once). */
static void evaluate(void)
{
    bool over = mb.total >= mb.soft || mb.rss_over;
    bool under = mb.total < mb.soft / 10 * 9 && !mb.rss_over;
    if (!mb.limited && over)
        mb.limited = true;
    else if (mb.limited && under)
        mb.limited = false;
}

/* The state users see in the log and in proflow_memory_limited, judged every check_interval: limited
 * while over the soft limit or while requests were refused since the last check. Logged once per
 * change, so a pipeline that keeps hitting the limit logs one line when it starts and one when it
 * ends, not one per request. */
static void report(void)
{
    bool refusing = mb.refusals != mb.refusals_seen;
    mb.refusals_seen = mb.refusals;
    bool now = mb.limited || refusing;
    if (now == mb.reported) return;
    mb.reported = now;
    pf_metric_set(mb.g_limited, now ? 1 : 0);
    if (now)
        pf_log(PF_LOG_WARN, NULL,
               "memory limit reached (%s): %.1f MiB accounted (bodies %.1f, decoded %.1f, queued %.1f), soft limit "
               "%.1f MiB; refusing new data until usage drops",
               mb.rss_over ? "resident set size above the limit" : "accounted bytes", (double)mb.total / MIB,
               (double)mb.kind[PF_MEM_BODIES] / MIB, (double)mb.kind[PF_MEM_DECODED] / MIB,
               (double)mb.kind[PF_MEM_QUEUED] / MIB, (double)mb.soft / MIB);
    else
        pf_log(PF_LOG_INFO, NULL, "memory usage back below the limit (%.1f MiB accounted); accepting data again",
               (double)mb.total / MIB);
}

void pf_memory_add(pf_mem_kind kind, int64_t delta)
{
    if (delta < 0 && (size_t)-delta > mb.kind[kind]) delta = -(int64_t)mb.kind[kind];
    mb.kind[kind] = (size_t)((int64_t)mb.kind[kind] + delta);
    mb.total = (size_t)((int64_t)mb.total + delta);
    if (mb.total > mb.peak) mb.peak = mb.total;
    if (!mb.g_total) return; /* not configured (unit tests of other parts) */
    if ((delta > 0 && !mb.limited && mb.total >= mb.soft) || (delta < 0 && mb.limited)) evaluate();
}

bool pf_memory_admit(size_t incoming, const char *what, uint32_t *retry_after_s)
{
    if (!mb.g_total) return true;
    if (!mb.limited && mb.total + incoming < mb.soft) return true;
    mb.refusals++;
    if (!mb.reported && mb.timer) report(); /* the first refusal is visible at once */
    char labels[96];
    snprintf(labels, sizeof(labels), "what=\"%s\"", what ? what : "request");
    pf_metric_add(pf_counter("proflow_memory_refused_total",
                             "Requests (and scrapes) refused or deferred because of the memory limit.", labels),
                  1);
    if (retry_after_s) *retry_after_s = 1;
    return false;
}

bool pf_memory_limited(void) { return mb.limited; }
bool pf_memory_over_hard(void) { return mb.total >= mb.hard || mb.rss_over; }
size_t pf_memory_accounted(void) { return mb.total; }
size_t pf_memory_accounted_kind(pf_mem_kind kind) { return mb.kind[kind]; }
size_t pf_memory_hard_limit(void) { return mb.hard; }
size_t pf_memory_soft_limit(void) { return mb.soft; }

/* Sanitizer builds carry shadow memory several times proflow's own in their RSS: the backstop would
 * see a limit that is not proflow's, so those builds judge by the accounted bytes alone. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_BACKSTOP 0
#else
#define RSS_BACKSTOP 1
#endif

static void on_check(uv_timer_t *t)
{
    (void)t;
    size_t rss = 0;
    if (RSS_BACKSTOP && uv_resident_set_memory(&rss) == 0) {
        if (rss > mb.hard) {
            /* Freed memory the allocator kept is not proflow's: give it back before judging. */
            malloc_trim(0);
            if (uv_resident_set_memory(&rss) != 0) rss = 0;
        }
        mb.rss_over = rss > mb.hard;
        pf_metric_set(mb.g_rss, (double)rss);
    }
    evaluate();
    report();
    pf_memory_publish();
}

void pf_memory_start(uv_loop_t *loop)
{
    ensure_metrics();
    if (mb.timer) return;
    mb.timer = pf_xmalloc(sizeof(*mb.timer));
    uv_timer_init(loop, mb.timer);
    uv_unref((uv_handle_t *)mb.timer);
    uv_timer_start(mb.timer, on_check, mb.check_ms, mb.check_ms);
}

static void on_timer_closed(uv_handle_t *h) { free(h); }

void pf_memory_stop(void)
{
    if (!mb.timer) return;
    mb.rss_over = false;
    mb.reported = false;
    uv_close((uv_handle_t *)mb.timer, on_timer_closed);
    mb.timer = NULL;
}
