/* writer.c — the file exporter's asynchronous writer (file_writer in file_exporter.h).
 *
 * Every file-system operation is a libuv fs request with a callback, so the loop never waits on the
 * disk. One request is in flight at a time: that keeps batches in order and the state small. The
 * steps for a batch are open (when no file is open) → write (repeated on short writes) → and then,
 * in one-file-per-batch mode, fsync → close. In append mode the file stays open and is fsynced and
 * closed when it would grow past max_file_bytes, and at shutdown. Completed files are listed oldest
 * first (names sort by time) and the oldest beyond max_backups are unlinked. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exporters/file/file_exporter.h"
#include "pipeline/base/log.h"

#define FILE_PREFIX "profiles-"

typedef struct pending {
    struct pending *next;
    pf_buf data;
    size_t samples;
    char *name_tag; /* NULL, or a suffix for this piece's own file */
} pending;

typedef enum writer_step {
    STEP_IDLE,
    STEP_OPEN,
    STEP_WRITE,
    STEP_FSYNC,
    STEP_CLOSE,
    STEP_UNLINK,
} writer_step;

struct file_writer {
    uv_loop_t *loop;
    file_writer_options opt; /* strings owned (copied) */
    uv_fs_t req;
    writer_step step;

    pending *head, *tail;
    size_t pending_bytes;
    pending *current;      /* the batch being written */
    size_t current_offset; /* bytes of current already written */
    int current_status;    /* first error met while handling current */
    bool recreating;       /* an open failed with ENOENT and the directory was made again */

    uv_file fd; /* -1 when no file is open */
    char *open_path;
    uint64_t open_bytes;
    bool discard_on_close; /* the open file is incomplete: delete it instead of keeping it */
    char *unlink_path;

    char **kept; /* completed files, oldest first */
    size_t n_kept, cap_kept;
    uint64_t seq;

    bool closing, close_reported;
    void (*closed_cb)(void *data);
    void *closed_data;
    pf_log_limiter log_limit;
};

static void pump(file_writer *w);

static bool make_dirs(const char *dir, char *err, size_t errlen);
static void start_open(file_writer *w);

static uint64_t now_unix_nano(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void log_fs_error(file_writer *w, const char *what, const char *path, int status)
{
    pf_log_limited(&w->log_limit, 10, PF_LOG_ERROR, w->opt.log_id, "%s %s: %s", what, path, uv_strerror(status));
}

static void keep_file(file_writer *w, char *path)
{
    PF_GROW(w->kept, w->cap_kept, w->n_kept + 1, 16);
    w->kept[w->n_kept++] = path;
}

static void free_pending(pending *p)
{
    pf_buf_free(&p->data);
    free(p->name_tag);
    free(p);
}

static void finish_current(file_writer *w, int status)
{
    pending *p = w->current;
    w->current = NULL;
    w->opt.on_written(w->opt.cb_data, p->samples, p->data.len, status);
    free_pending(p);
}

/* ---- fs request completions ---- */

static void on_unlink(uv_fs_t *req)
{
    file_writer *w = req->data;
    if (req->result < 0 && req->result != UV_ENOENT) log_fs_error(w, "deleting", w->unlink_path, (int)req->result);
    uv_fs_req_cleanup(req);
    free(w->unlink_path);
    w->unlink_path = NULL;
    w->step = STEP_IDLE;
    pump(w);
}

static void start_unlink(file_writer *w, char *path)
{
    w->unlink_path = path;
    w->step = STEP_UNLINK;
    uv_fs_unlink(w->loop, &w->req, path, on_unlink);
}

static void on_close(uv_fs_t *req)
{
    file_writer *w = req->data;
    int status = (int)req->result;
    uv_fs_req_cleanup(req);
    w->fd = -1;
    char *path = w->open_path;
    w->open_path = NULL;
    if (status < 0) {
        log_fs_error(w, "closing", path, status);
        if (!w->current_status) w->current_status = status;
    }
    /* In one-file-per-batch mode the file was the current batch's: it is done now. */
    if (!w->opt.append && w->current) finish_current(w, w->current_status);
    w->step = STEP_IDLE;
    if (w->discard_on_close) {
        w->discard_on_close = false;
        start_unlink(w, path);
        return;
    }
    keep_file(w, path);
    pump(w);
}

static void start_close(file_writer *w)
{
    w->step = STEP_CLOSE;
    uv_fs_close(w->loop, &w->req, w->fd, on_close);
}

static void on_fsync(uv_fs_t *req)
{
    file_writer *w = req->data;
    int status = (int)req->result;
    uv_fs_req_cleanup(req);
    if (status < 0) {
        log_fs_error(w, "fsync of", w->open_path, status);
        if (!w->opt.append && w->current) {
            w->current_status = status;
            w->discard_on_close = true;
        }
    }
    start_close(w);
}

static void start_fsync(file_writer *w)
{
    w->step = STEP_FSYNC;
    uv_fs_fsync(w->loop, &w->req, w->fd, on_fsync);
}

static void start_write(file_writer *w);

static void on_write(uv_fs_t *req)
{
    file_writer *w = req->data;
    ssize_t result = req->result;
    uv_fs_req_cleanup(req);
    if (result < 0) {
        log_fs_error(w, "writing", w->open_path, (int)result);
        finish_current(w, (int)result);
        /* Close the damaged file; a one-batch file is incomplete and goes away. The next batch
         * starts a fresh file. */
        w->discard_on_close = !w->opt.append;
        start_fsync(w);
        return;
    }
    w->current_offset += (size_t)result;
    w->open_bytes += (uint64_t)result;
    if (w->current_offset < w->current->data.len) {
        start_write(w);
        return;
    }
    if (!w->opt.append) {
        start_fsync(w);
        return;
    }
    finish_current(w, 0);
    w->step = STEP_IDLE;
    pump(w);
}

static void start_write(file_writer *w)
{
    w->step = STEP_WRITE;
    uv_buf_t buf =
        uv_buf_init(w->current->data.data + w->current_offset, (unsigned)(w->current->data.len - w->current_offset));
    uv_fs_write(w->loop, &w->req, w->fd, &buf, 1, -1, on_write);
}

static void on_open(uv_fs_t *req)
{
    file_writer *w = req->data;
    int result = (int)req->result;
    uv_fs_req_cleanup(req);
    w->step = STEP_IDLE;
    if (result == UV_ENOENT && !w->recreating) {
        /* The directory went away (deleted, or a volume remounted): make it again and retry once. */
        char err[256];
        free(w->open_path);
        w->open_path = NULL;
        w->recreating = true;
        if (make_dirs(w->opt.dir, err, sizeof(err))) {
            pf_log(PF_LOG_WARN, w->opt.log_id, "directory %s had disappeared; created it again", w->opt.dir);
            start_open(w);
            return;
        }
        pf_log(PF_LOG_ERROR, w->opt.log_id, "%s", err);
        result = UV_ENOENT;
    }
    w->recreating = false;
    if (result < 0) {
        log_fs_error(w, "creating", w->open_path ? w->open_path : w->opt.dir, result);
        free(w->open_path);
        w->open_path = NULL;
        finish_current(w, result);
    } else {
        w->fd = result;
        w->open_bytes = 0;
    }
    pump(w);
}

/* "-<tag>" with every character outside [A-Za-z0-9._] replaced, so a tag never leaves the directory. */
static char *file_tag(const char *name_tag)
{
    if (!name_tag || !*name_tag) return pf_xstrdup("");
    char *tag = pf_xasprintf("-%s", name_tag);
    for (char *c = tag + 1; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_') *c = '_';
    return tag;
}

static void start_open(file_writer *w)
{
    char *tag = file_tag(w->opt.append ? NULL : w->current->name_tag);
    w->open_path = pf_xasprintf("%s/" FILE_PREFIX "%020" PRIu64 "-%06" PRIu64 "%s.%s", w->opt.dir, now_unix_nano(),
                                w->seq++, tag, w->opt.extension);
    free(tag);
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | (w->opt.append ? O_APPEND : 0);
    w->step = STEP_OPEN;
    uv_fs_open(w->loop, &w->req, w->open_path, flags, 0644, on_open);
}

/* ---- the scheduler: decides the next fs request whenever none is in flight ---- */

static void pump(file_writer *w)
{
    if (w->step != STEP_IDLE) return;
    if (w->opt.max_backups && w->n_kept > w->opt.max_backups) {
        char *oldest = w->kept[0];
        memmove(w->kept, w->kept + 1, --w->n_kept * sizeof(*w->kept));
        start_unlink(w, oldest);
        return;
    }
    if (!w->current && w->head) {
        w->current = w->head;
        w->head = w->head->next;
        if (!w->head) w->tail = NULL;
        w->pending_bytes -= w->current->data.len;
        w->current_offset = 0;
        w->current_status = 0;
    }
    if (!w->current) {
        if (!w->closing) return;
        if (w->fd >= 0) {
            start_fsync(w);
        } else if (!w->close_reported) {
            w->close_reported = true;
            w->closed_cb(w->closed_data);
        }
        return;
    }
    if (w->fd >= 0 && w->opt.append && w->opt.max_file_bytes && w->open_bytes > 0 &&
        w->open_bytes + w->current->data.len > w->opt.max_file_bytes) {
        start_fsync(w); /* rotation: the current batch goes to the next file */
        return;
    }
    if (w->fd >= 0 && w->opt.append && access(w->opt.dir, F_OK) != 0) {
        /* The directory of the open file went away: close it, the next open makes the directory again. */
        start_fsync(w);
        return;
    }
    if (w->fd < 0)
        start_open(w);
    else
        start_write(w);
}

/* ---- public ---- */

static bool make_dirs(const char *dir, char *err, size_t errlen)
{
    char *path = pf_xstrdup(dir);
    bool ok = true;
    for (char *p = path + 1; ok; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end) continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", path, strerror(errno));
            ok = false;
        }
        if (end) break;
        *p = '/';
    }
    free(path);
    return ok;
}

static int compare_paths(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Files of an earlier run count towards max_backups too. */
static bool list_existing(file_writer *w, char *err, size_t errlen)
{
    uv_fs_t req;
    int n = uv_fs_scandir(NULL, &req, w->opt.dir, 0, NULL);
    if (n < 0) {
        snprintf(err, errlen, "cannot list %s: %s", w->opt.dir, uv_strerror(n));
        uv_fs_req_cleanup(&req);
        return false;
    }
    uv_dirent_t ent;
    size_t ext_len = strlen(w->opt.extension);
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
        size_t len = strlen(ent.name);
        if (ent.type != UV_DIRENT_FILE || strncmp(ent.name, FILE_PREFIX, strlen(FILE_PREFIX)) != 0 ||
            len < ext_len + 1 || ent.name[len - ext_len - 1] != '.' ||
            strcmp(ent.name + len - ext_len, w->opt.extension))
            continue;
        keep_file(w, pf_xasprintf("%s/%s", w->opt.dir, ent.name));
    }
    uv_fs_req_cleanup(&req);
    if (w->n_kept) qsort(w->kept, w->n_kept, sizeof(*w->kept), compare_paths);
    return true;
}

file_writer *file_writer_open(uv_loop_t *loop, const file_writer_options *opt, char *err, size_t errlen)
{
    file_writer *w = pf_xcalloc(1, sizeof(*w));
    w->loop = loop;
    w->opt = *opt;
    w->opt.dir = pf_xstrdup(opt->dir);
    w->opt.extension = pf_xstrdup(opt->extension);
    w->opt.log_id = pf_xstrdup(opt->log_id);
    w->req.data = w;
    w->fd = -1;
    if (!*w->opt.dir) {
        snprintf(err, errlen, "path must not be empty");
        file_writer_free(w);
        return NULL;
    }
    if (!make_dirs(w->opt.dir, err, errlen) || !list_existing(w, err, errlen)) {
        file_writer_free(w);
        return NULL;
    }
    return w;
}

void file_writer_submit(file_writer *w, file_piece *piece)
{
    pending *p = pf_xcalloc(1, sizeof(*p));
    p->data = piece->data;
    p->samples = piece->samples;
    p->name_tag = piece->name_tag;
    piece->data = (pf_buf){0};
    piece->name_tag = NULL;
    if (w->tail)
        w->tail->next = p;
    else
        w->head = p;
    w->tail = p;
    w->pending_bytes += p->data.len;
    pump(w);
}

size_t file_writer_pending_bytes(const file_writer *w)
{
    return w->pending_bytes + (w->current ? w->current->data.len - w->current_offset : 0);
}

void file_writer_close(file_writer *w, void (*done)(void *data), void *data)
{
    w->closing = true;
    w->closed_cb = done;
    w->closed_data = data;
    pump(w);
}

void file_writer_free(file_writer *w)
{
    if (!w) return;
    if (w->current) free_pending(w->current);
    while (w->head) {
        pending *next = w->head->next;
        free_pending(w->head);
        w->head = next;
    }
    for (size_t i = 0; i < w->n_kept; i++) free(w->kept[i]);
    free(w->kept);
    free(w->open_path);
    free((char *)w->opt.dir);
    free((char *)w->opt.extension);
    free((char *)w->opt.log_id);
    free(w);
}
