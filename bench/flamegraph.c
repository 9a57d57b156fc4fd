/* flamegraph.c — benchmark of the flamegraph exporter's aggregation: CPU nanoseconds per sample to
 * fold batches into per-(service, type, minute) call trees, against a baseline measured in the same
 * run: decoding the same requests from their wire bytes (what every receiver pays before any
 * exporter sees a sample).
 *
 * Input: the Go pprof fixtures (cpu, heap, allocs, mutex, block, goroutine) × 20 service names, as
 * OTLP requests (tests/tools/processors_request.h). Cases:
 *   decode (baseline)      pf_batch_decode + unref of every request;
 *   aggregate, warm        flamegraph_aggregate of every decoded batch into a store with the default
 *                          limits (max_nodes 10000): after the first round every node exists;
 *   aggregate, pruning     the same with max_nodes 64 (the smallest allowed), so trees fill up and are pruned into "other";
 * plus the memory the store holds at the end of each (proflow_exporter_flamegraph_memory_bytes).
 *
 * Usage: flamegraph [FIXTURES_DIR [ROUNDS]]   (default tests/fixtures, 20 rounds) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "exporters/flamegraph/aggregate.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "tests/tools/processors_request.h"

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_unix_nano(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct requests {
    pf_buf *wire;
    pf_batch **decoded;
    size_t n, samples;
} requests;

static bool restamp(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    (void)b;
    (void)data;
    ref->profile->time_unix_nano = 0;
    return true;
}

static requests load(const char *fixtures)
{
    static const char *const names[] = {"cpu.pb.gz",   "heap.pb.gz",  "allocs.pb.gz",
                                        "mutex.pb.gz", "block.pb.gz", "goroutine.pb.gz"};
    requests r = {0};
    r.wire = pf_xcalloc(6 * 20, sizeof(pf_buf));
    r.decoded = pf_xcalloc(6 * 20, sizeof(pf_batch *));
    for (size_t s = 0; s < 20; s++)
        for (size_t f = 0; f < 6; f++) {
            char *path = pf_xasprintf("%s/pprof/go/%s", fixtures, names[f]);
            char *service = pf_xasprintf("service.name=svc-%zu", s);
            const char *attrs[] = {service, "host.name=node-1"};
            pf_batch *b = processors_request_from_pprof(path, attrs, 2);
            if (!b) exit(1);
            pf_batch_pack(b, &r.wire[r.n]);
            /* The fixtures were recorded weeks ago: stamp them "now" so the retention keeps them. */
            pf_batch_foreach_profile(b, restamp, NULL);
            r.samples += pf_batch_sample_count(b);
            r.decoded[r.n++] = b;
            free(path);
            free(service);
        }
    return r;
}

static double decode_rounds(const requests *r, int rounds)
{
    double t0 = cpu_seconds();
    for (int k = 0; k < rounds; k++)
        for (size_t i = 0; i < r->n; i++) {
            pf_batch *b = pf_batch_decode((const uint8_t *)r->wire[i].data, r->wire[i].len);
            if (!b) exit(1);
            pf_batch_unref(b);
        }
    return cpu_seconds() - t0;
}

static double aggregate_rounds(const requests *r, int rounds, int64_t max_nodes, size_t *memory, size_t *nodes)
{
    pf_flame_limits lim = {100, 15 * 60000000000LL, max_nodes};
    char name[64];
    snprintf(name, sizeof name, "bench-%lld", (long long)max_nodes);
    pf_flame_store *s = pf_flame_store_acquire(name, &lim);
    uint64_t now = now_unix_nano();
    size_t added = 0;
    double t0 = cpu_seconds();
    for (int k = 0; k < rounds; k++)
        for (size_t i = 0; i < r->n; i++) {
            flamegraph_drops drops = {0};
            added += flamegraph_aggregate(s, r->decoded[i], now, &drops);
        }
    double secs = cpu_seconds() - t0;
    if (added != r->samples * (size_t)rounds) {
        fprintf(stderr, "aggregated %zu samples, expected %zu\n", added, r->samples * (size_t)rounds);
        exit(1);
    }
    pf_flame_store_account(s); /* a full recount: checks the incremental figures */
    *memory = pf_flame_store_memory(s);
    *nodes = pf_flame_store_nodes(s);
    pf_flame_store_release(s);
    return secs;
}

int main(int argc, char **argv)
{
    const char *fixtures = argc > 1 ? argv[1] : "tests/fixtures";
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    if (rounds < 1) rounds = 1;
    pf_log_configure(PF_LOG_ERROR, false);
    requests r = load(fixtures);
    size_t total = r.samples * (size_t)rounds;
    printf("input: %zu requests, %zu samples per round, %d rounds\n\n", r.n, r.samples, rounds);
    printf("%-28s %8s %12s %14s %12s %8s\n", "case", "cpu s", "ns/sample", "memory bytes", "nodes", "ratio");
    double base = decode_rounds(&r, rounds);
    double base_ns = base * 1e9 / (double)total;
    printf("%-28s %8.3f %12.1f %14s %12s %7.2fx\n", "decode (baseline)", base, base_ns, "-", "-", 1.0);
    struct {
        const char *name;
        int64_t max_nodes;
    } cases[] = {{"aggregate, warm (10000)", 10000}, {"aggregate, pruning (64)", 64}};
    for (size_t c = 0; c < 2; c++) {
        size_t memory = 0, nodes = 0;
        double secs = aggregate_rounds(&r, rounds, cases[c].max_nodes, &memory, &nodes);
        double ns = secs * 1e9 / (double)total;
        printf("%-28s %8.3f %12.1f %14zu %12zu %7.2fx\n", cases[c].name, secs, ns, memory, nodes, ns / base_ns);
    }
    for (size_t i = 0; i < r.n; i++) {
        pf_buf_free(&r.wire[i]);
        pf_batch_unref(r.decoded[i]);
    }
    free(r.wire);
    free(r.decoded);
    pf_metrics_reset();
    return 0;
}
