/* memory_budget.h — one process-wide memory budget, with the Collector's memory_limiter semantics.
 *
 * What is accounted (pf_memory_add, by kind):
 *   bodies   request bodies being read or held by the HTTP server (net/), until the request is freed
 *   decoded  every arena (pipeline/base/arena.c): decoded batches in flight, batches held by the batch
 *            processor, parse scratch of receivers and the scraper. Counted is what a live arena
 *            handed out; pf_arena_destroy() takes it off before its chunks go to the per-thread chunk
 *            pool, so idle pooled chunks (at most 16 chunks / 64 MiB per thread, high-water trimmed)
 *            are outside the budget (the RSS backstop still sees them)
 *   queued   encoded payloads held in memory by exporter sending queues (pipeline/model/payload.c),
 *            including those not yet written to a persistent queue
 *
 * Limits: hard limit = limit_mib (or limit_percentage of the cgroup v2 memory.max, else of physical
 * memory); soft limit = hard - spike (spike_limit_mib / spike_limit_percentage; default 20% of the
 * hard limit, as the Collector). The process is "limited" when accounted bytes reach the soft limit,
 * or when the resident set size, read every check_interval, exceeds the hard limit (a backstop for
 * what is not accounted: allocator slack, libraries, stacks); it leaves that state once accounted
 * bytes are below 90% of the soft limit and RSS is below the hard limit again. Entering and leaving
 * are logged once each (judged every check_interval). Builds with AddressSanitizer skip the RSS
 * backstop: their RSS is mostly shadow memory.
 *
 * Receivers call pf_memory_admit() before they read a body (net/http_server: on the request headers)
 * and answer 503 + Retry-After / UNAVAILABLE when it says no; the pprof scraper defers scrapes.
 *
 * Without a memory_limiter in the config the default applies: a hard limit of
 * min(192 MiB, 80% of the cgroup v2 memory.max or of physical memory), spike 20%, check every 1s
 * (README "Memory").
 *
 * Loop thread only (the accounting is plain arithmetic without locks). */
#ifndef PF_MEMORY_BUDGET_H
#define PF_MEMORY_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef enum pf_mem_kind {
    PF_MEM_BODIES,
    PF_MEM_DECODED,
    PF_MEM_QUEUED,
    PF_MEM_KINDS,
} pf_mem_kind;

/* The memory_limiter keys (the Collector's names). */
typedef struct pf_memory_limiter_config {
    int64_t check_interval; /* ns */
    int64_t limit_mib;
    int64_t spike_limit_mib;
    int64_t limit_percentage;
    int64_t spike_limit_percentage;
} pf_memory_limiter_config;

/* Applies cfg (NULL: the default). `source` names where it came from for the log line. */
void pf_memory_configure(const pf_memory_limiter_config *cfg, const char *source);
/* Starts / stops the check_interval timer (RSS backstop, gauges). stop is safe to call twice. */
void pf_memory_start(uv_loop_t *loop);
void pf_memory_stop(void);

void pf_memory_add(pf_mem_kind kind, int64_t delta);

/* May `incoming` more bytes come in now? False (with *retry_after_s set) when limited or when they
 * would cross the soft limit; counted in proflow_memory_refused_total{what}. */
bool pf_memory_admit(size_t incoming, const char *what, uint32_t *retry_after_s);
bool pf_memory_limited(void);
/* Over the hard limit: accounted bytes at or above it, or RSS above it at the last check. */
bool pf_memory_over_hard(void);
/* Updates the proflow_memory_* gauges (the telemetry endpoint calls it before rendering). */
void pf_memory_publish(void);

size_t pf_memory_accounted(void);
size_t pf_memory_accounted_kind(pf_mem_kind kind);
size_t pf_memory_hard_limit(void);
size_t pf_memory_soft_limit(void);

/* Reads the cgroup v2 memory.max of this process (0 when none or "max"). For tests: `path` may
 * name a file to read instead (NULL = /sys/fs/cgroup/memory.max). */
uint64_t pf_memory_cgroup_max(const char *path);

/* Limits from a config against `total` bytes of memory (cgroup or physical). */
void pf_memory_compute_limits(const pf_memory_limiter_config *cfg, uint64_t total, size_t *hard, size_t *soft);

#endif
