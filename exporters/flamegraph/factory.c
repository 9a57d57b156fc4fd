/* flamegraph exporter — a tap that aggregates what reaches it into call trees per (service, profile
 * type, minute) for the flamegraph extension's page and JSON API (pipeline/component/flame_store.h is where the
 * two meet: the store is named by this exporter's id). Memory is bounded by max_services, retention
 * and max_nodes and reported in proflow_exporter_flamegraph_memory_bytes; samples it cannot keep are
 * counted in proflow_exporter_flamegraph_dropped_samples_total{reason} and logged once per reason. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporters/flamegraph/aggregate.h"
#include "pipeline/component/component.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

typedef struct flamegraph_config {
    int64_t max_services;
    int64_t retention;
    int64_t max_nodes;
} flamegraph_config;

typedef struct flamegraph_exporter {
    pf_component base;
    const flamegraph_config *cfg;
    pf_flame_store *store;
    pf_metric *sent, *dropped[3];
    bool logged[3];
} flamegraph_exporter;

static const char *const drop_reasons[3] = {"max_services", "max_types", "outside_retention"};

static const pf_cfg_entry flamegraph_map[] = {
    {.type = PF_CFG_INT, .name = "max_services", .def = "100", .offset = offsetof(flamegraph_config, max_services),
     .min = 1, .max = 100000, .desc = "Most services kept; samples of further services are dropped (counted)."},
    {.type = PF_CFG_DURATION, .name = "retention", .def = "15m", .offset = offsetof(flamegraph_config, retention),
     .min = 6e10, .max = 8.64e13, .desc = "How long per-minute trees are kept (whole minutes)."},
    {.type = PF_CFG_INT, .name = "max_nodes", .def = "10000", .offset = offsetof(flamegraph_config, max_nodes),
     .min = 64, .max = 10000000,
     .desc = "Call-tree nodes per (service, type, minute); a full tree keeps its most significant quarter and "
             "merges the rest into \"other\" nodes."},
    PF_CFG_END,
};

static uint64_t now_unix_nano(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static pf_status flamegraph_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    (void)err;
    flamegraph_exporter *e = self->data;
    flamegraph_drops drops = {0};
    size_t added = flamegraph_aggregate(e->store, b, now_unix_nano(), &drops);
    pf_metric_add(e->sent, (double)added);
    size_t counts[3] = {drops.max_services, drops.max_types, drops.outside_retention};
    for (int i = 0; i < 3; i++) {
        if (!counts[i]) continue;
        pf_metric_add(e->dropped[i], (double)counts[i]);
        if (!e->logged[i]) {
            e->logged[i] = true;
            pf_log(PF_LOG_WARN, e->base.id, "dropping samples (%s); counted in "
                   "proflow_exporter_flamegraph_dropped_samples_total", drop_reasons[i]);
        }
    }
    pf_batch_unref(b);
    return PF_OK;
}

static bool flamegraph_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)host;
    (void)err;
    flamegraph_exporter *e = (flamegraph_exporter *)c;
    pf_flame_limits lim = {e->cfg->max_services, e->cfg->retention, e->cfg->max_nodes};
    e->store = pf_flame_store_acquire(c->id, &lim);
    return true;
}

static void flamegraph_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    done(c, data);
}

static void flamegraph_destroy(pf_component *c)
{
    flamegraph_exporter *e = (flamegraph_exporter *)c;
    pf_flame_store_release(e->store);
    free(e);
}

static const pf_component_ops flamegraph_ops = {
    .start = flamegraph_start,
    .shutdown = flamegraph_shutdown,
    .destroy = flamegraph_destroy,
};

static pf_component *flamegraph_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    flamegraph_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->base.ops = &flamegraph_ops;
    e->base.id = args->id;
    e->base.consumer.consume = flamegraph_consume;
    e->base.consumer.data = e;
    e->cfg = args->config;
    e->sent = pf_counter1("otelcol_exporter_sent_profile_samples", "Profile samples successfully sent to the destination.",
                          "exporter", args->id);
    for (int i = 0; i < 3; i++) {
        char *labels = pf_xasprintf("exporter=\"%s\",reason=\"%s\"", args->id, drop_reasons[i]);
        e->dropped[i] = pf_counter("proflow_exporter_flamegraph_dropped_samples_total",
                                   "Samples the flame-graph aggregation did not keep, by reason.", labels);
        free(labels);
    }
    return &e->base;
}

const pf_factory pf_exporter_flamegraph_factory = {
    .type = "flamegraph",
    .kind = PF_KIND_EXPORTER,
    .stability = "development",
    .description = "Aggregates stacks per (service, profile type, minute) with bounded memory for the flamegraph "
                   "extension's page and API.",
    .config_map = flamegraph_map,
    .config_size = sizeof(flamegraph_config),
    .create = flamegraph_create,
};
