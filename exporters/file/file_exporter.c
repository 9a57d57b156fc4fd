/* file_exporter.c — the file exporter's behaviour: consume() serializes the batch right away (so the
 * batch is released at once) and queues the bytes for the asynchronous writer (writer.c); samples
 * count as sent when they are on disk. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/file/file_exporter.h"
#include "exporters/helper/exporter_metrics.h"
#include "pipeline/component/component.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

typedef struct file_exporter {
    pf_component base;
    const file_exporter_config *cfg;
    const file_format *format;
    file_writer *writer;
    bool stopping;
    pf_metric *sent_samples, *failed_samples, *enqueue_failed_samples, *written_bytes;
    pf_log_limiter refuse_log, write_log;
} file_exporter;

static void on_written(void *data, size_t samples, size_t bytes, int status)
{
    file_exporter *e = data;
    if (status == 0) {
        pf_metric_add(e->sent_samples, (double)samples);
        pf_metric_add(e->written_bytes, (double)bytes);
        return;
    }
    pf_metric_add(e->failed_samples, (double)samples);
    pf_log_limited(&e->write_log, 10, PF_LOG_ERROR, e->base.id, "dropping %zu profile samples: %s", samples,
                   uv_strerror(status));
}

static pf_status refuse(file_exporter *e, pf_metric *counter, size_t samples, pf_status status, pf_error *err)
{
    pf_metric_add(counter, (double)samples);
    pf_log_limited(&e->refuse_log, 10, PF_LOG_WARN, e->base.id, "refusing %zu profile samples: %s", samples, err->msg);
    return status;
}

static bool file_ready(pf_consumer *self)
{
    file_exporter *e = self->data;
    return e->writer && !e->stopping &&
           file_writer_pending_bytes(e->writer) < ((size_t)e->cfg->max_pending_megabytes << 20);
}

static pf_status file_consume(pf_consumer *self, pf_batch *b, pf_error *err)
{
    file_exporter *e = self->data;
    size_t samples = pf_batch_sample_count(b);
    if (!e->writer || e->stopping) {
        pf_batch_unref(b);
        pf_error_set(err, "file exporter is not running");
        return refuse(e, e->enqueue_failed_samples, samples, PF_RETRYABLE, err);
    }
    size_t limit = (size_t)e->cfg->max_pending_megabytes << 20;
    if (file_writer_pending_bytes(e->writer) >= limit) {
        pf_batch_unref(b);
        pf_error_set(err, "%zu bytes are waiting for the disk (max_pending_megabytes %lld)",
                     file_writer_pending_bytes(e->writer), (long long)e->cfg->max_pending_megabytes);
        err->retry_after_s = 1;
        return refuse(e, e->enqueue_failed_samples, samples, PF_RETRYABLE, err);
    }
    file_pieces pieces = {0};
    bool ok = e->format->serialize(b, &pieces, err);
    pf_batch_unref(b);
    for (size_t i = 0; ok && i < pieces.n; i++) file_writer_submit(e->writer, &pieces.items[i]);
    file_pieces_free(&pieces);
    if (!ok) return refuse(e, e->failed_samples, samples, PF_PERMANENT, err);
    return PF_OK;
}

static bool file_start(pf_component *c, pf_host *host, pf_error *err)
{
    file_exporter *e = (file_exporter *)c;
    file_writer_options opt = {
        .dir = e->cfg->path,
        .extension = e->format->extension,
        .append = e->format->append,
        .max_file_bytes = (uint64_t)e->cfg->rotation.max_megabytes << 20,
        .max_backups = (size_t)e->cfg->rotation.max_backups,
        .log_id = c->id,
        .on_written = on_written,
        .cb_data = e,
    };
    e->writer = file_writer_open(host->loop, &opt, err->msg, sizeof(err->msg));
    if (!e->writer) return false;
    pf_log(PF_LOG_INFO, c->id, "writing %s files to %s", e->format->name, e->cfg->path);
    return true;
}

static void file_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms; /* local disk writes always finish; nothing is retried */
    file_exporter *e = (file_exporter *)c;
    e->stopping = true;
    pf_component_shutdown_begin(c, done, data);
    if (e->writer)
        file_writer_close(e->writer, pf_component_shutdown_end, e);
    else
        pf_component_shutdown_end(c);
}

static void file_destroy(pf_component *c)
{
    file_exporter *e = (file_exporter *)c;
    file_writer_free(e->writer);
    free(e);
}

static const pf_component_ops file_ops = {
    .start = file_start,
    .shutdown = file_shutdown,
    .destroy = file_destroy,
    .consume = file_consume,
    .ready = file_ready,
};

pf_component *file_exporter_create(const pf_create_args *args, pf_error *err)
{
    const file_exporter_config *cfg = args->config;
    const file_format *format = file_format_find(cfg->format);
    if (!format) {
        pf_error_set(err, "unknown format \"%s\"", cfg->format);
        return NULL;
    }
    file_exporter *e = pf_xcalloc(1, sizeof(*e));
    pf_component_init(&e->base, &file_ops, args);
    e->cfg = cfg;
    e->format = format;
    pf_exporter_metrics m = pf_exporter_metrics_new(args->id, PF_EXPORTER_SENT | PF_EXPORTER_SEND_FAILED |
                                                                  PF_EXPORTER_ENQUEUE_FAILED | PF_EXPORTER_SENT_BYTES);
    e->sent_samples = m.sent_samples;
    e->failed_samples = m.failed_samples;
    e->enqueue_failed_samples = m.enqueue_failed_samples;
    e->written_bytes = m.sent_bytes;
    return &e->base;
}
