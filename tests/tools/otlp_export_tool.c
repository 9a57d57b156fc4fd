/* otlp_export_tool.c — test-only tool: runs one exporter component (otlp or otlphttp) on its own,
 * without receivers, so integration tests can point it at a Python test server.
 *
 * Usage: otlp_export_tool TYPE CONFIG.yaml N_BATCHES SAMPLES_PER_BATCH SHUTDOWN_DEADLINE_MS
 * The exporter's config (the YAML mapping under exporters.TYPE) is read from CONFIG.yaml. Batch i has
 * the resource attribute batch.index=i and SAMPLES_PER_BATCH samples of value 1. All batches are
 * consumed at once, then the exporter is shut down with the given deadline (it keeps delivering and
 * retrying until then). Prints "refused=R" and then proflow's metrics in Prometheus text format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "pipeline/service/registry.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

static pf_batch *numbered_batch(long index, long samples)
{
    pf_batch *b = pf_batch_new();
    otlp_resource_profiles *rp = pf_batch_add_resource(b);
    char value[32];
    snprintf(value, sizeof(value), "%ld", index);
    pf_resource_set_string(b, rp->resource, "batch.index", value);
    otlp_profile *p = pf_batch_add_profile(b, pf_batch_add_scope(b, rp, "otlp_export_tool", "1"));
    p->samples = pf_arena_alloc(b->arena, (size_t)samples * sizeof(*p->samples));
    for (long i = 0; i < samples; i++) {
        otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
        *s = (otlp_sample)OTLP_SAMPLE_INIT;
        s->values = pf_arena_alloc(b->arena, sizeof(int64_t));
        s->values[0] = 1;
        s->n_values = 1;
        p->samples[i] = s;
    }
    p->n_samples = (size_t)samples;
    return b;
}

static void on_shutdown(pf_component *c, void *data)
{
    (void)c;
    *(bool *)data = true;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s TYPE CONFIG.yaml N_BATCHES SAMPLES_PER_BATCH SHUTDOWN_DEADLINE_MS\n", argv[0]);
        return 2;
    }
    if (getenv("OTLP_EXPORT_TOOL_DEBUG")) pf_log_configure(PF_LOG_DEBUG, false);
    const char *type = argv[1];
    long n_batches = atol(argv[3]), samples = atol(argv[4]);
    uint64_t deadline_ms = strtoull(argv[5], NULL, 10);

    const pf_factory *f = pf_registry_find(PF_KIND_EXPORTER, type);
    if (!f) {
        fprintf(stderr, "unknown exporter %s\n", type);
        return 2;
    }
    pf_cfg_error cerr;
    const char *files[] = {argv[2]};
    pf_config_sources src = {.files = files, .n_files = 1};
    pf_node *root = pf_config_load(&src, &cerr);
    if (!root) {
        fprintf(stderr, "%s\n", cerr.msg);
        return 2;
    }
    char path[64];
    snprintf(path, sizeof(path), "exporters.%s", type);
    const pf_node *node = pf_node_path(root, path);
    void *cfg = calloc(1, f->config_size);
    if (!pf_cfg_defaults(f->config_map, cfg, &cerr) || !pf_cfg_apply(f->config_map, node, cfg, path, &cerr) ||
        (f->validate && !f->validate(cfg, node, path, &cerr))) {
        fprintf(stderr, "%s\n", cerr.msg);
        return 2;
    }

    uv_loop_t *loop = uv_default_loop();
    pf_error err = {0};
    pf_create_args args = {.id = type, .config = cfg, .loop = loop};
    pf_component *c = f->create(&args, &err);
    pf_host host = {.loop = loop};
    if (!c || !c->ops->start(c, &host, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    long refused = 0;
    for (long i = 0; i < n_batches; i++)
        if (pf_consumer_consume(&c->consumer, numbered_batch(i, samples), &err) != PF_OK) refused++;

    bool done = false;
    c->ops->shutdown(c, deadline_ms, on_shutdown, &done);
    while (!done) uv_run(loop, UV_RUN_ONCE);
    c->ops->destroy(c);
    uv_run(loop, UV_RUN_DEFAULT);

    printf("refused=%ld\n", refused);
    pf_buf out = {0};
    pf_metrics_render(&out);
    fwrite(out.data, 1, out.len, stdout);
    pf_buf_free(&out);
    pf_metrics_reset();
    pf_cfg_release(f->config_map, cfg);
    free(cfg);
    pf_node_free(root);
    return uv_loop_close(loop) == 0 ? 0 : 1;
}
