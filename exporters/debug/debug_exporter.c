/* debug_exporter.c — the debug exporter's behaviour: log lines per batch, per profile and the top
 * functions (top.c), as the configured verbosity asks. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporters/debug/debug_exporter.h"
#include "exporters/debug/top.h"
#include "exporters/helper/exporter_metrics.h"
#include "pipeline/component/component.h"
#include "pipeline/model/wire.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

#define TOP_ROWS 10

typedef struct debug_exporter {
    pf_component base;
    debug_verbosity verbosity;
    pf_metric *sent_samples;
} debug_exporter;

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
           "profile resource=%zu scope=%zu index=%zu service.name=%s type=%s period=%" PRId64
           " %s time=%s..%s samples=%zu",
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

static const pf_component_ops debug_ops = {.consume = debug_consume};

pf_component *debug_exporter_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    const debug_config *cfg = args->config;
    debug_exporter *e = pf_xcalloc(1, sizeof(*e));
    pf_component_init(&e->base, &debug_ops, args);
    /* takes lazy batches (pipeline/model/wire.h): basic verbosity only counts, so it never decodes them */
    e->base.consumer.wire_ok = true;
    for (int v = VERBOSITY_BASIC; v <= VERBOSITY_DETAILED; v++)
        if (strcmp(cfg->verbosity, debug_exporter_verbosities[v]) == 0) e->verbosity = (debug_verbosity)v;
    e->sent_samples = pf_exporter_metrics_new(args->id, PF_EXPORTER_SENT).sent_samples;
    return &e->base;
}
