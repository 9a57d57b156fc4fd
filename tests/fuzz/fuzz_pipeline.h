/* fuzz_pipeline.h — a fixed processor chain for the harnesses whose input becomes a batch:
 * batch → resource → relabel → sampling → sink, each made by its factory from a fixed YAML config,
 * as the service makes them. The chain is built, fed and shut down for every input, so an input
 * never depends on what earlier inputs left behind (a crash replays from its one file).
 *
 * The sink checks what an exporter needs of every batch the chain emits (fuzz_check_validated_batch).
 * fuzz_pipeline_run takes a reference to b (consumes it). */
#ifndef PF_FUZZ_PIPELINE_H
#define PF_FUZZ_PIPELINE_H

#include <uv.h>

#include "config/loader.h"
#include "pipeline/service/registry.h"
#include "tests/fuzz/fuzz_common.h"

typedef struct fuzz_sink {
    pf_consumer consumer;
    size_t batches;
} fuzz_sink;

static inline pf_status fuzz_sink_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    (void)err;
    fuzz_sink *s = self->data;
    s->batches++;
    fuzz_check_validated_batch(b);
    pf_batch_unref(b);
    return PF_OK;
}

typedef struct fuzz_stage {
    const char *type;
    const char *yaml;
    const pf_factory *factory;
    void *config;
    pf_component *component;
} fuzz_stage;

/* Split small so merging and splitting both run on fuzzer-sized inputs. */
static fuzz_stage fuzz_stages[] = {
    {"batch", "send_batch_size: 3\nsend_batch_max_size: 5\ntimeout: 1h\nmetadata_keys: [x-scope-orgid]\n"},
    {"resource", "attributes:\n"
                 "  - {key: deployment.environment, value: prod, action: insert}\n"
                 "  - {key: service.name, action: hash}\n"
                 "  - {key: host.name, pattern: '^(?P<host>[a-z]+)-(?P<num>[0-9]+)$', action: extract}\n"
                 "  - {key: process.pid, converted_type: int, action: convert}\n"
                 "  - {key: k8s.pod.name, action: delete}\n"
                 "profile_attributes:\n"
                 "  - {key: thread.name, value: main, action: upsert}\n"},
    {"relabel", "relabel_configs:\n"
                "  - {source_labels: [service_name], target_label: shard, modulus: 4, action: hashmod}\n"
                "  - {source_labels: [service_name], regex: '(.*)-[0-9]+', target_label: app}\n"
                "  - {source_labels: [__name__], regex: goroutine, action: drop}\n"
                "  - {action: labelmap, regex: 'pprof_(.+)', replacement: 'p_$1'}\n"
                "sample_relabel_configs:\n"
                "  - {source_labels: [thread], regex: 'worker-(.*)', target_label: worker_id}\n"
                "  - {action: labeldrop, regex: span_id}\n"
                "  - {source_labels: [bytes], regex: '0', action: drop}\n"},
    {"sampling", "probability: 0.75\nmax_series: 64\nmax_tenants: 8\n"
                 "overrides:\n  - {match: {service_name: keep}, probability: 1}\n"},
};
#define FUZZ_N_STAGES (sizeof(fuzz_stages) / sizeof(fuzz_stages[0]))

static inline void fuzz_stage_done(pf_component *c, void *data)
{
    (void)c;
    *(bool *)data = true;
}

/* Parses every stage's config once (configs are read-only to components). */
static inline void fuzz_pipeline_init(void)
{
    for (size_t i = 0; i < FUZZ_N_STAGES; i++) {
        fuzz_stage *st = &fuzz_stages[i];
        st->factory = pf_registry_find(PF_KIND_PROCESSOR, st->type);
        FUZZ_CHECK(st->factory != NULL, "no processor %s", st->type);
        st->config = pf_xcalloc(1, st->factory->config_size);
        pf_cfg_error err = {{0}};
        pf_node *n = pf_yaml_parse(st->yaml, strlen(st->yaml), st->type, &err);
        FUZZ_CHECK(n && pf_cfg_defaults(st->factory->config_map, st->config, &err) &&
                       pf_cfg_apply(st->factory->config_map, n, st->config, st->type, &err),
                   "%s: %s", st->type, err.msg);
        pf_node_free(n);
    }
}

/* Runs `copies` references of b through a fresh chain and shuts it down (flushing the batch
 * processor). Returns how many batches reached the sink. */
static inline size_t fuzz_pipeline_run(pf_batch *b, int copies)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fuzz_sink sink = {.consumer = {.consume = fuzz_sink_consume}};
    sink.consumer.data = &sink;
    pf_consumer *next = &sink.consumer;
    pf_host host = {&loop, NULL};
    for (size_t i = FUZZ_N_STAGES; i-- > 0;) {
        fuzz_stage *st = &fuzz_stages[i];
        pf_create_args args = {.id = st->type, .config = st->config, .next = next, .loop = &loop};
        pf_error err = {{0}, 0};
        st->component = st->factory->create(&args, &err);
        FUZZ_CHECK(st->component, "%s: %s", st->type, err.msg);
        st->component->factory = st->factory;
        st->component->id = st->type;
        FUZZ_CHECK(st->component->ops->start(st->component, &host, &err), "%s start: %s", st->type, err.msg);
        next = &st->component->consumer;
    }
    for (int k = 0; k < copies; k++) {
        pf_error err = {{0}, 0};
        pf_batch *in = k + 1 < copies ? pf_batch_clone(b) : b;
        pf_status st = pf_consumer_consume(next, in, &err);
        if (st != PF_OK) FUZZ_CHECK(err.msg[0] != '\0', "refusal without a message");
    }
    for (size_t i = 0; i < FUZZ_N_STAGES; i++) {
        bool done = false;
        fuzz_stage *st = &fuzz_stages[i];
        st->component->ops->shutdown(st->component, 1000, fuzz_stage_done, &done);
        for (int spins = 0; !done && spins < 1000; spins++) uv_run(&loop, UV_RUN_ONCE);
        FUZZ_CHECK(done, "%s did not shut down", st->type);
    }
    for (size_t i = 0; i < FUZZ_N_STAGES; i++) fuzz_stages[i].component->ops->destroy(fuzz_stages[i].component);
    uv_run(&loop, UV_RUN_DEFAULT);
    FUZZ_CHECK(uv_loop_close(&loop) == 0, "handles left open on the loop");
    return sink.batches;
}

#endif
