/* processors.c — benchmark of the processors, each alone and batch+resource+relabel+sampling
 * together, as throughput relative to the same pipeline without processors, all measured in one run.
 *
 * A pipeline here is what the service builds, minus the network: each request's wire bytes are
 * decoded into a batch (as a receiver does), pushed through the processors' consumers, and serialized
 * by a sink (as an exporter does). Requests are made from the Go pprof fixtures (cpu, heap, allocs,
 * mutex, block, goroutine) × 20 service names. Also measures batching 100 small requests into one:
 * exporter requests and bytes before and after (the dictionary is shared in the merged request).
 *
 * Throughput is requests per CPU second of this process (the loop is single-threaded); "ratio" is that
 * relative to "no processors". Processors that drop data (relabel drops goroutine series, sampling
 * keeps about half) also save the sink's serialization work, so their ratio can exceed 1.
 *
 * Usage: processors [FIXTURES_DIR [ROUNDS]]   (default tests/fixtures, 20 rounds) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/loader.h"
#include "pipeline/service/registry.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "tests/tools/processors_request.h"

typedef struct sink {
    pf_consumer consumer;
    pf_buf packed;
    size_t requests, bytes, profiles;
} sink;

static pf_status sink_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    (void)err;
    sink *s = self->data;
    pf_buf_reset(&s->packed);
    s->bytes += pf_batch_pack(b, &s->packed);
    s->profiles += pf_batch_profile_count(b);
    s->requests++;
    pf_batch_unref(b);
    return PF_OK;
}

typedef struct stage {
    const pf_factory *factory;
    void *config;
    pf_component *component;
} stage;

typedef struct processor_spec {
    const char *type;
    const char *yaml;
} processor_spec;

static const processor_spec BATCH = {"batch", "send_batch_size: 8192\ntimeout: 200ms\n"};
static const processor_spec RESOURCE = {"resource", "attributes:\n"
                                                    "  - {key: deployment.environment, value: prod, action: insert}\n"
                                                    "  - {key: region, value: eu-west-1, action: upsert}\n"
                                                    "  - {key: host.name, action: delete}\n"};
static const processor_spec RELABEL = {
    "relabel", "relabel_configs:\n"
               "  - {source_labels: [service_name], target_label: shard, modulus: 8, action: hashmod}\n"
               "  - {source_labels: [service_name], regex: '(.*)-[0-9]+', target_label: app}\n"
               "  - {source_labels: [__name__], regex: goroutine, action: drop}\n"
               "sample_relabel_configs:\n"
               "  - {source_labels: [worker], regex: 'cpu-(.*)', target_label: worker_id}\n"
               "  - {action: labeldrop, regex: kind}\n"};
static const processor_spec SAMPLING = {"sampling", "probability: 0.5\nmax_profiles_per_minute: 100000\n"
                                                    "overrides:\n  - {match: {service_name: svc-0}, probability: 1}\n"};

static void *parse_config(const pf_factory *f, const char *yaml)
{
    void *cfg = pf_xcalloc(1, f->config_size);
    pf_cfg_error err;
    pf_node *n = pf_yaml_parse(yaml, strlen(yaml), f->type, &err);
    if (!n || !pf_cfg_defaults(f->config_map, cfg, &err) || !pf_cfg_apply(f->config_map, n, cfg, f->type, &err)) {
        fprintf(stderr, "%s: %s\n", f->type, err.msg);
        exit(1);
    }
    pf_node_free(n);
    return cfg;
}

/* Builds and starts specs[0] → ... → specs[n-1] → out; returns the entry consumer. */
static pf_consumer *build(uv_loop_t *loop, const processor_spec *specs, size_t n, stage *stages, pf_consumer *out)
{
    pf_consumer *next = out;
    pf_host host = {loop, NULL};
    for (size_t i = n; i-- > 0;) {
        stage *st = &stages[i];
        st->factory = pf_registry_find(PF_KIND_PROCESSOR, specs[i].type);
        st->config = parse_config(st->factory, specs[i].yaml);
        char id[64];
        snprintf(id, sizeof(id), "%s/bench", specs[i].type);
        pf_create_args args = {.id = id, .config = st->config, .next = next, .loop = loop};
        pf_error err = {{0}, 0};
        st->component = st->factory->create(&args, &err);
        if (!st->component || !st->component->ops->start(st->component, &host, &err)) {
            fprintf(stderr, "%s: %s\n", specs[i].type, err.msg);
            exit(1);
        }
        next = &st->component->consumer;
    }
    return next;
}

static void stage_done(pf_component *c, void *data)
{
    (void)c;
    *(bool *)data = true;
}

/* Shuts down front to back (flushing the batch processor), then frees. */
static void teardown(uv_loop_t *loop, stage *stages, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool done = false;
        stages[i].component->ops->shutdown(stages[i].component, 1000, stage_done, &done);
        while (!done) uv_run(loop, UV_RUN_ONCE);
    }
    for (size_t i = 0; i < n; i++) {
        stages[i].component->ops->destroy(stages[i].component);
        pf_cfg_release(stages[i].factory->config_map, stages[i].config);
        free(stages[i].config);
    }
}

typedef struct request_set {
    pf_buf *wire;
    size_t n, bytes, profiles;
} request_set;

/* CPU time, not wall time: the figures should not depend on what else the machine runs. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct result {
    double seconds;
    sink out;
} result;

static result run(uv_loop_t *loop, const processor_spec *specs, size_t n, const request_set *rs, int rounds)
{
    result r = {0};
    r.out.consumer = (pf_consumer){sink_consume, &r.out};
    stage stages[8] = {0};
    double t0 = cpu_seconds();
    pf_consumer *entry = build(loop, specs, n, stages, &r.out.consumer);
    for (int round = 0; round < rounds; round++) {
        for (size_t i = 0; i < rs->n; i++) {
            pf_batch *b = pf_batch_decode((const uint8_t *)rs->wire[i].data, rs->wire[i].len);
            b->wire_bytes = rs->wire[i].len;
            pf_error err = {{0}, 0};
            if (pf_consumer_consume(entry, b, &err) != PF_OK) {
                fprintf(stderr, "consume refused: %s\n", err.msg);
                exit(1);
            }
        }
        uv_run(loop, UV_RUN_NOWAIT);
    }
    teardown(loop, stages, n);
    r.seconds = cpu_seconds() - t0;
    pf_buf_free(&r.out.packed);
    return r;
}

static request_set load_requests(const char *fixtures, const char *const *names, size_t n_names, size_t services)
{
    request_set rs = {0};
    rs.wire = pf_xcalloc(n_names * services, sizeof(pf_buf));
    for (size_t s = 0; s < services; s++) {
        for (size_t f = 0; f < n_names; f++) {
            char *path = pf_xasprintf("%s/pprof/go/%s", fixtures, names[f]);
            char *service = pf_xasprintf("service.name=svc-%zu", s);
            const char *attrs[] = {service, "host.name=node-1"};
            pf_batch *b = processors_request_from_pprof(path, attrs, 2);
            if (!b) exit(1);
            pf_batch_pack(b, &rs.wire[rs.n]);
            rs.bytes += rs.wire[rs.n].len;
            rs.profiles += pf_batch_profile_count(b);
            rs.n++;
            pf_batch_unref(b);
            free(path);
            free(service);
        }
    }
    return rs;
}

static void free_requests(request_set *rs)
{
    for (size_t i = 0; i < rs->n; i++) pf_buf_free(&rs->wire[i]);
    free(rs->wire);
}

static void throughput(uv_loop_t *loop, const char *fixtures, int rounds)
{
    static const char *const names[] = {"cpu.pb.gz",   "heap.pb.gz",  "allocs.pb.gz",
                                        "mutex.pb.gz", "block.pb.gz", "goroutine.pb.gz"};
    request_set rs = load_requests(fixtures, names, 6, 20);
    printf("input: %zu requests (%zu profiles, %.1f MB) per round, %d rounds\n\n", rs.n, rs.profiles,
           (double)rs.bytes / 1e6, rounds);
    const processor_spec all[] = {BATCH, RESOURCE, RELABEL, SAMPLING};
    struct {
        const char *name;
        const processor_spec *specs;
        size_t n;
    } cases[] = {
        {"no processors", NULL, 0}, {"batch", &BATCH, 1},       {"resource", &RESOURCE, 1},
        {"relabel", &RELABEL, 1},   {"sampling", &SAMPLING, 1}, {"batch+resource+relabel+sampling", all, 4},
    };
    double baseline = 0;
    printf("%-34s %10s %12s %10s %10s %9s\n", "pipeline", "cpu s", "requests/s", "MB/s in", "out reqs", "ratio");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result r = run(loop, cases[i].specs, cases[i].n, &rs, rounds);
        double reqs = (double)rs.n * rounds / r.seconds;
        if (i == 0) baseline = reqs;
        printf("%-34s %10.3f %12.0f %10.1f %10zu %8.2fx\n", cases[i].name, r.seconds, reqs,
               (double)rs.bytes * rounds / r.seconds / 1e6, r.out.requests, reqs / baseline);
    }
    free_requests(&rs);
}

/* 100 small requests (one goroutine profile each, distinct services) through batch into one. */
static void batching_savings(uv_loop_t *loop, const char *fixtures)
{
    static const char *const names[] = {"goroutine.pb.gz"};
    request_set rs = load_requests(fixtures, names, 1, 100);
    result direct = run(loop, NULL, 0, &rs, 1);
    processor_spec batch = {"batch", "send_batch_size: 1000000\ntimeout: 1h\n"};
    result merged = run(loop, &batch, 1, &rs, 1);
    printf("\nbatching %zu small requests (%zu input bytes):\n", rs.n, rs.bytes);
    printf("  exporter requests: %zu without batch, %zu with batch (%.0fx fewer)\n", direct.out.requests,
           merged.out.requests, (double)direct.out.requests / (double)merged.out.requests);
    printf("  exporter bytes:    %zu without batch, %zu with batch (%.1f%% saved by the shared dictionary)\n",
           direct.out.bytes, merged.out.bytes, 100.0 * (1.0 - (double)merged.out.bytes / (double)direct.out.bytes));
    free_requests(&rs);
}

int main(int argc, char **argv)
{
    const char *fixtures = argc > 1 ? argv[1] : "tests/fixtures";
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    pf_log_configure(PF_LOG_ERROR, false);
    uv_loop_t loop;
    uv_loop_init(&loop);
    throughput(&loop, fixtures, rounds > 0 ? rounds : 1);
    batching_savings(&loop, fixtures);
    uv_loop_close(&loop);
    pf_metrics_reset();
    return 0;
}
