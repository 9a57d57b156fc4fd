/* flamegraph_exporter.c — the flamegraph exporter's behaviour: it acquires the flame store named by
 * its id at start, folds every batch into it (aggregate.c) and counts what it could not keep;
 * consume() always accepts. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporters/flamegraph/aggregate.h"
#include "exporters/flamegraph/flamegraph_exporter.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

typedef struct flamegraph_exporter {
    pf_component base;
    const flamegraph_config *cfg;
    pf_flame_store *store;
    pf_metric *sent, *dropped[3];
    bool logged[3];
} flamegraph_exporter;

static const char *const drop_reasons[3] = {"max_services", "max_types", "outside_retention"};

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
            pf_log(PF_LOG_WARN, e->base.id,
                   "dropping samples (%s); counted in "
                   "proflow_exporter_flamegraph_dropped_samples_total",
                   drop_reasons[i]);
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

static void flamegraph_destroy(pf_component *c)
{
    flamegraph_exporter *e = (flamegraph_exporter *)c;
    pf_flame_store_release(e->store);
    free(e);
}

static const pf_component_ops flamegraph_ops = {
    .start = flamegraph_start,
    .destroy = flamegraph_destroy,
    .consume = flamegraph_consume,
};

pf_component *flamegraph_exporter_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    flamegraph_exporter *e = pf_xcalloc(1, sizeof(*e));
    pf_component_init(&e->base, &flamegraph_ops, args);
    e->cfg = args->config;
    e->sent = pf_counter1("otelcol_exporter_sent_profile_samples",
                          "Profile samples successfully sent to the destination.", "exporter", args->id);
    for (int i = 0; i < 3; i++) {
        char *labels = pf_xasprintf("exporter=\"%s\",reason=\"%s\"", args->id, drop_reasons[i]);
        e->dropped[i] = pf_counter("proflow_exporter_flamegraph_dropped_samples_total",
                                   "Samples the flame-graph aggregation did not keep, by reason.", labels);
        free(labels);
    }
    return &e->base;
}
