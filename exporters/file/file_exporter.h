/* file_exporter.h — internals of the `file` exporter: its config, the table of output formats and
 * the asynchronous file writer. Shared by the files of exporters/file/ only.
 *
 * Ownership: the config struct belongs to the service. A file_writer is created by the exporter at
 * start() and freed by file_writer_free() once file_writer_close() called back. Submitted pieces
 * are moved into the writer, which frees them; file_pieces are owned by whoever zero-initialised them
 * and released with file_pieces_free(). */
#ifndef PF_FILE_EXPORTER_H
#define PF_FILE_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "pipeline/model/batch.h"
#include "pipeline/component/component.h"
#include "pipeline/base/xalloc.h"

typedef struct file_rotation_config {
    int64_t max_megabytes; /* appended formats: start a new file beyond this size (0 = never) */
    int64_t max_backups;   /* completed files kept in the directory, oldest deleted first (0 = all) */
} file_rotation_config;

typedef struct file_exporter_config {
    char *path;   /* directory the files go to */
    char *format; /* a file_format name */
    file_rotation_config rotation;
    int64_t max_pending_megabytes; /* serialized data waiting for the disk before consume() refuses */
} file_exporter_config;

/* config.c */
extern const pf_cfg_entry file_exporter_cfg_map[];

/* file_exporter.c (registered by factory.c) */
pf_component *file_exporter_create(const pf_create_args *args, pf_error *err);

/* ---- formats: one row per `format:` value. A new format is one more row. ---- */

/* What one batch becomes: one or more files (or, in append mode, lines of the current file). */
typedef struct file_piece {
    pf_buf data;
    size_t samples; /* OTLP samples counted as sent once this piece is on disk */
    char *name_tag; /* optional, malloc'd: added to the file name ("…-<tag>.<ext>"), NULL for none */
} file_piece;

typedef struct file_pieces {
    file_piece *items;
    size_t n;
} file_pieces;

/* Appends an empty piece and returns it (owned by `out`). */
file_piece *file_pieces_add(file_pieces *out, size_t samples, const char *name_tag);
void file_pieces_free(file_pieces *p);

typedef struct file_format {
    const char *name;      /* config value */
    const char *extension; /* file name suffix, without the leading dot */
    /* true: every piece is appended to the current file, which rotates by size;
     * false: one file per piece. */
    bool append;
    /* Adds the content for one batch to out (which the caller zero-initialises and frees). False (err
     * set) when the batch cannot be represented in this format; the batch is then dropped as
     * permanent failure. */
    bool (*serialize)(const pf_batch *b, file_pieces *out, pf_error *err);
} file_format;

const file_format *file_format_find(const char *name);
extern const char *const file_format_names[]; /* NULL-terminated, for the config choices */

/* ---- writer: serializes file-system work through libuv fs requests, one at a time ---- */
typedef struct file_writer file_writer;

/* Called once per submitted buffer when it is durably written (status 0) or failed (libuv error). */
typedef void (*file_written_cb)(void *data, size_t samples, size_t bytes, int status);

typedef struct file_writer_options {
    const char *dir;
    const char *extension;
    bool append;
    uint64_t max_file_bytes; /* append mode; 0 = no size rotation */
    size_t max_backups;      /* 0 = keep every file */
    const char *log_id;      /* component id for log lines */
    file_written_cb on_written;
    void *cb_data;
} file_writer_options;

/* Creates the directory (with parents) and lists the files a previous run left there, so retention
 * counts them. Synchronous, at start only: a bad path then fails startup with a clear message. */
file_writer *file_writer_open(uv_loop_t *loop, const file_writer_options *opt, char *err, size_t errlen);
/* Takes the content of piece->data and piece->name_tag (leaving them empty) and queues it. The tag
 * only matters when each piece gets its own file. */
void file_writer_submit(file_writer *w, file_piece *piece);
/* Bytes queued and not yet written. */
size_t file_writer_pending_bytes(const file_writer *w);
/* Writes everything queued, fsyncs and closes the current file, then calls done (maybe synchronously). */
void file_writer_close(file_writer *w, void (*done)(void *data), void *data);
void file_writer_free(file_writer *w);

#endif
