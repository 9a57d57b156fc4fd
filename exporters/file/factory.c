/* file exporter — writes every batch it receives to files under `path`, as serialized OTLP protobuf
 * (one .binpb file per batch), OTLP/JSON (one line per batch in a size-rotated .jsonl file), like
 * the Collector's fileexporter, or as gzipped pprof (one .pb.gz per profile group). Meant for
 * debugging, archiving and replaying what a pipeline sees.
 *
 * consume() serializes the batch right away (so the batch is released at once) and queues the bytes
 * for the asynchronous writer (writer.c); samples count as sent when they are on disk. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/file/file_exporter.h"
#include "pipeline/component/component.h"
#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"

typedef struct file_exporter {
    pf_component base;
    const file_exporter_config *cfg;
    const file_format *format;
    file_writer *writer;
    bool stopping;
    pf_done_cb done;
    void *done_data;
    pf_metric *sent_samples, *failed_samples, *enqueue_failed_samples, *written_bytes;
    pf_log_limiter refuse_log, write_log;
} file_exporter;

static const pf_cfg_entry rotation_map[] = {
    {.type = PF_CFG_INT, .name = "max_megabytes", .def = "100", .offset = offsetof(file_rotation_config, max_megabytes),
     .desc = "json: start a new file when the current one would grow beyond this many MiB (0 = never).",
     .min = 0, .max = 1 << 20},
    {.type = PF_CFG_INT, .name = "max_backups", .def = "100", .offset = offsetof(file_rotation_config, max_backups),
     .desc = "Completed files kept in `path`, oldest deleted first, files of earlier runs included (0 = keep all).",
     .min = 0, .max = 1e9},
    PF_CFG_END,
};

static const pf_cfg_entry file_map[] = {
    {.type = PF_CFG_STRING, .name = "path", .def = "./proflow-data", .offset = offsetof(file_exporter_config, path),
     .desc = "Directory the files are written to (created if missing)."},
    {.type = PF_CFG_STRING, .name = "format", .def = "json", .offset = offsetof(file_exporter_config, format),
     .desc = "proto: one profiles-<unix_nano>-<seq>.binpb file per batch (serialized ExportProfilesServiceRequest); "
             "json: one OTLP/JSON line per batch appended to profiles-<unix_nano>-<seq>.jsonl; "
             "pprof: one gzipped pprof per profile group, profiles-<unix_nano>-<seq>-<profile type>.pb.gz "
             "(resource attributes are not carried, see docs/pprof-mapping.md).",
     .choices = file_format_names},
    {.type = PF_CFG_SECTION, .name = "rotation", .offset = offsetof(file_exporter_config, rotation),
     .desc = "File rotation and retention.", .sub = rotation_map},
    {.type = PF_CFG_INT, .name = "max_pending_megabytes", .def = "64",
     .offset = offsetof(file_exporter_config, max_pending_megabytes),
     .desc = "Serialized data waiting for the disk beyond which batches are refused (retryable).", .min = 1,
     .max = 1 << 20},
    PF_CFG_END,
};

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
    pf_log_limited(&e->refuse_log, 10, PF_LOG_WARN, e->base.id, "refusing %zu profile samples: %s", samples,
                   err->msg);
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

static void writer_closed(void *data)
{
    file_exporter *e = data;
    e->done(&e->base, e->done_data);
}

static void file_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms; /* local disk writes always finish; nothing is retried */
    file_exporter *e = (file_exporter *)c;
    e->stopping = true;
    e->done = done;
    e->done_data = data;
    if (e->writer) file_writer_close(e->writer, writer_closed, e);
    else done(c, data);
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
};

static pf_component *file_create(const pf_create_args *args, pf_error *err)
{
    const file_exporter_config *cfg = args->config;
    const file_format *format = file_format_find(cfg->format);
    if (!format) {
        pf_error_set(err, "unknown format \"%s\"", cfg->format);
        return NULL;
    }
    file_exporter *e = pf_xcalloc(1, sizeof(*e));
    e->base.ops = &file_ops;
    e->base.id = args->id;
    e->base.consumer.consume = file_consume;
    e->base.consumer.ready = file_ready;
    e->base.consumer.data = e;
    e->cfg = cfg;
    e->format = format;
    char *labels = pf_xasprintf("exporter=\"%s\"", args->id);
    e->sent_samples = pf_counter("otelcol_exporter_sent_profile_samples",
                                 "Profile samples successfully sent to the destination.", labels);
    e->failed_samples = pf_counter("otelcol_exporter_send_failed_profile_samples",
                                   "Profile samples that failed to be sent (dropped).", labels);
    e->enqueue_failed_samples = pf_counter("otelcol_exporter_enqueue_failed_profile_samples",
                                           "Profile samples refused by the sending queue.", labels);
    e->written_bytes = pf_counter("proflow_exporter_sent_bytes_total", "Bytes of successfully sent requests.", labels);
    free(labels);
    return &e->base;
}

const pf_factory pf_exporter_file_factory = {
    .type = "file",
    .kind = PF_KIND_EXPORTER,
    .stability = "development",
    .description = "Writes profiles to local files as OTLP protobuf, OTLP/JSON or pprof.",
    .config_map = file_map,
    .config_size = sizeof(file_exporter_config),
    .create = file_create,
};
