/* debug exporter — logs what reaches it, like the Collector's debugexporter:
 *   basic:    one line per batch (resources, profiles, samples, bytes);
 *   normal:   plus one line per profile (service.name, sample type/unit, period type, time range,
 *             sample count);
 *   detailed: plus the top 10 functions by flat and by cumulative value, as `go tool pprof -top`.
 * Everything goes through pipeline/base/log.h at info level; consume() always accepts. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/model/wire.h"
#include "exporters/debug/top.h"
#include "pipeline/component/component.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

#define TOP_ROWS 10

typedef enum debug_verbosity {
    VERBOSITY_BASIC,
    VERBOSITY_NORMAL,
    VERBOSITY_DETAILED,
} debug_verbosity;

typedef struct debug_config {
    char *verbosity;
} debug_config;

typedef struct debug_exporter {
    pf_component base;
    debug_verbosity verbosity;
    pf_metric *sent_samples;
} debug_exporter;

static const char *const verbosities[] = {"basic", "normal", "detailed", NULL};

static const pf_cfg_entry debug_map[] = {
    {.type = PF_CFG_STRING, .name = "verbosity", .def = "basic", .offset = offsetof(debug_config, verbosity),
     .desc = "basic: a line per batch; normal: plus a line per profile; detailed: plus the top 10 functions by "
             "flat and by cumulative value.",
     .choices = verbosities},
    PF_CFG_END,
};

/* "2023-11-14T22:13:20.123Z" */
static void format_time(uint64_t unix_nano, char *out, size_t len)
{
    time_t secs = (time_t)(unix_nano / 1000000000ull);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, len - n, ".%03uZ", (unsigned)(unix_nano % 1000000000ull / 1000000));
}

static void value_type(const pf_batch *b, const otlp_value_type *vt, char *out, size_t len)
{
    if (!vt) {
        snprintf(out, len, "-");
        return;
    }
    snprintf(out, len, "%s/%s", pf_batch_string(b, vt->type_strindex), pf_batch_string(b, vt->unit_strindex));
}

static void log_top(const debug_exporter *e, const pf_batch *b, const otlp_profile *p, bool by_cum)
{
    debug_top top;
    debug_top_compute(b, p, &top);
    size_t order[TOP_ROWS];
    size_t n = debug_top_order(&top, by_cum, order, TOP_ROWS);
    const char *unit = p->sample_type ? pf_batch_string(b, p->sample_type->unit_strindex) : "";
    pf_log(PF_LOG_INFO, e->base.id, "  top %zu of %zu functions by %s (total %" PRId64 " %s)", n, top.n_rows,
           by_cum ? "cum" : "flat", top.total, unit);
    pf_log(PF_LOG_INFO, e->base.id, "  %12s %7s %7s %12s %7s  %s", "flat", "flat%", "sum%", "cum", "cum%", "function");
    double total = top.total ? (double)top.total : 1;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const debug_top_row *r = &top.rows[order[i]];
        sum += (double)r->flat;
        pf_log(PF_LOG_INFO, e->base.id, "  %12" PRId64 " %6.2f%% %6.2f%% %12" PRId64 " %6.2f%%  %s", r->flat,
               100.0 * (double)r->flat / total, 100.0 * sum / total, r->cum, 100.0 * (double)r->cum / total, r->name);
    }
    debug_top_free(&top);
}

static bool log_profile(pf_batch *b, const pf_profile_ref *ref, void *data)
{
    const debug_exporter *e = data;
    const otlp_profile *p = ref->profile;
    const otlp_resource *res = ref->rp->resource;
    const char *service = res ? pf_kv_list_get(b, res->attributes, res->n_attributes, "service.name") : NULL;
    char type[256], period_type[256], start[40], end[40];
    value_type(b, p->sample_type, type, sizeof(type));
    value_type(b, p->period_type, period_type, sizeof(period_type));
    format_time(p->time_unix_nano, start, sizeof(start));
    format_time(p->time_unix_nano + p->duration_nano, end, sizeof(end));
    pf_log(PF_LOG_INFO, e->base.id,
           "profile resource=%zu scope=%zu index=%zu service.name=%s type=%s period=%" PRId64 " %s time=%s..%s samples=%zu",
           ref->rp_index, ref->sp_index, ref->profile_index, service ? service : "-", type, p->period, period_type,
           start, end, pf_profile_sample_count(p));
    if (e->verbosity == VERBOSITY_DETAILED) {
        log_top(e, b, p, false);
        log_top(e, b, p, true);
    }
    return true;
}

static pf_status debug_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    (void)err;
    debug_exporter *e = self->data;
    size_t samples = pf_batch_sample_count(b);
    size_t bytes = b->wire_bytes ? b->wire_bytes : pf_batch_packed_size(b);
    size_t resources = b->req ? b->req->n_resource_profiles : pf_batch_wire_get(b)->counts.resources;
    pf_log(PF_LOG_INFO, e->base.id, "profiles batch: resources=%zu profiles=%zu samples=%zu bytes=%zu", resources,
           pf_batch_profile_count(b), samples, bytes);
    if (e->verbosity >= VERBOSITY_NORMAL && pf_batch_materialize(b)) pf_batch_foreach_profile(b, log_profile, e);
    pf_metric_add(e->sent_samples, (double)samples);
    pf_batch_unref(b);
    return PF_OK;
}

static bool debug_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)c;
    (void)host;
    (void)err;
    return true;
}

static void debug_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    done(c, data);
}

static void debug_destroy(pf_component *c) { free(c); }

static const pf_component_ops debug_ops = {
    .start = debug_start,
    .shutdown = debug_shutdown,
    .destroy = debug_destroy,
};

static pf_component *debug_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const debug_config *cfg = args->config;
    debug_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->base.ops = &debug_ops;
    e->base.id = args->id;
    e->base.consumer.consume = debug_consume;
    e->base.consumer.data = e;
    for (int v = VERBOSITY_BASIC; v <= VERBOSITY_DETAILED; v++)
        if (strcmp(cfg->verbosity, verbosities[v]) == 0) e->verbosity = (debug_verbosity)v;
    /* takes lazy batches (pipeline/model/wire.h): basic verbosity only counts, so it never decodes them */
    e->base.consumer.wire_ok = true;
    e->sent_samples = pf_counter1("otelcol_exporter_sent_profile_samples",
                                  "Profile samples successfully sent to the destination.", "exporter", args->id);
    return &e->base;
}

const pf_factory pf_exporter_debug_factory = {
    .type = "debug",
    .kind = PF_KIND_EXPORTER,
    .stability = "development",
    .description = "Logs a summary of every batch (basic), of every profile (normal) and its top functions (detailed).",
    .config_map = debug_map,
    .config_size = sizeof(debug_config),
    .create = debug_create,
};
