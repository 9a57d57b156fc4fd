/* file_sd.c — the file_sd watcher (see file_sd.h).
 *
 * A refresh is one thread-pool job that expands the patterns (glob(3)) and reads every matching file
 * (blocking calls, hence off the loop), followed on the loop by parsing and the update callback. One
 * refresh runs at a time; change notifications that arrive meanwhile schedule exactly one more. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/base/log.h"
#include "pipeline/base/telemetry.h"
#include "receivers/pprof/file_sd.h"

/* Target files are small; anything bigger is a mistake (a wrong path), not a target list. */
#define MAX_TARGET_FILE_BYTES (16u << 20)

#define SD_FILE_ERRORS "proflow_receiver_pprof_sd_file_errors_total"
#define SD_REFRESHES   "proflow_receiver_pprof_sd_refreshes_total"

typedef struct read_result {
    char *path;
    pf_buf text;
    char *error; /* NULL when read */
} read_result;

struct scrape_file_sd {
    uv_loop_t *loop;
    const char *log_id, *job_name;
    const scrape_file_sd_cfg *cfg;
    scrape_file_sd_update_cb on_update;
    void *data;

    uv_timer_t timer;
    uv_fs_event_t *watches;
    size_t n_watches;
    uv_work_t work;
    bool busy, again, closing;
    read_result *results; /* written by the worker, read after it */
    size_t n_results;

    scrape_sd_file *files; /* sorted by path */
    size_t n_files;

    size_t pending_closes;
    void (*done)(void *data);
    void *done_data;
    char *metric_labels; /* receiver and job, shared by the job's file_sd_configs entries */
    pf_metric *m_errors, *m_refreshes;
};

/* ---- the thread-pool part: no loop state touched, no logging ---- */

static void read_one(const char *path, read_result *r)
{
    r->path = pf_xstrdup(path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        r->error = pf_xasprintf("%s: cannot open: %s", path, strerror(errno));
        return;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (r->text.len + n > MAX_TARGET_FILE_BYTES) {
            r->error = pf_xasprintf("%s: larger than %u MiB", path, MAX_TARGET_FILE_BYTES >> 20);
            break;
        }
        pf_buf_append(&r->text, chunk, n);
    }
    if (!r->error && ferror(f)) r->error = pf_xasprintf("%s: read error", path);
    fclose(f);
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void refresh_work(uv_work_t *req)
{
    scrape_file_sd *sd = req->data;
    char **paths = NULL;
    size_t n = 0;
    for (size_t i = 0; i < sd->cfg->files.n; i++) {
        glob_t g;
        if (glob(sd->cfg->files.items[i], 0, NULL, &g) == 0) {
            paths = pf_xrealloc(paths, (n + g.gl_pathc) * sizeof(*paths));
            for (size_t k = 0; k < g.gl_pathc; k++) paths[n++] = pf_xstrdup(g.gl_pathv[k]);
        }
        globfree(&g);
    }
    if (n) qsort(paths, n, sizeof(*paths), compare_strings);
    sd->results = pf_xcalloc(n ? n : 1, sizeof(*sd->results));
    sd->n_results = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(paths[i], paths[i - 1]) != 0) read_one(paths[i], &sd->results[sd->n_results++]);
        free(paths[i]);
    }
    free(paths);
}

/* ---- loop side ---- */

static void free_results(scrape_file_sd *sd)
{
    for (size_t i = 0; i < sd->n_results; i++) {
        free(sd->results[i].path);
        pf_buf_free(&sd->results[i].text);
        free(sd->results[i].error);
    }
    free(sd->results);
    sd->results = NULL;
    sd->n_results = 0;
}

static void free_file(scrape_sd_file *f)
{
    free(f->path);
    scrape_sd_groups_free(&f->groups);
    free(f->last_error);
}

static scrape_sd_file *find_file(scrape_file_sd *sd, const char *path)
{
    for (size_t lo = 0, hi = sd->n_files; lo < hi;) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(sd->files[mid].path, path);
        if (c == 0) return &sd->files[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A bad file is reported once per distinct error and keeps the groups it had. */
static void file_failed(scrape_file_sd *sd, scrape_sd_file *f, const char *error)
{
    pf_metric_add(sd->m_errors, 1);
    if (f->last_error && strcmp(f->last_error, error) == 0) return;
    free(f->last_error);
    f->last_error = pf_xstrdup(error);
    pf_log(PF_LOG_WARN, sd->log_id, "job %s: target file %s (keeping its previous %zu target groups)", sd->job_name,
           error, f->groups.n);
}

static void apply_results(scrape_file_sd *sd)
{
    scrape_sd_file *files = pf_xcalloc(sd->n_results ? sd->n_results : 1, sizeof(*files));
    for (size_t i = 0; i < sd->n_results; i++) {
        read_result *r = &sd->results[i];
        scrape_sd_file *f = &files[i], *old = find_file(sd, r->path);
        if (old) {
            *f = *old;
            old->path = NULL; /* moved */
        } else {
            f->path = pf_xstrdup(r->path);
        }
        char err[512];
        scrape_sd_groups parsed = {0};
        if (r->error) {
            file_failed(sd, f, r->error);
        } else if (!scrape_sd_parse(r->path, r->text.data ? r->text.data : "", r->text.len, &parsed, err,
                                    sizeof(err))) {
            file_failed(sd, f, err);
        } else {
            if (f->last_error)
                pf_log(PF_LOG_INFO, sd->log_id, "job %s: target file %s reads fine again", sd->job_name, f->path);
            free(f->last_error);
            f->last_error = NULL;
            scrape_sd_groups_free(&f->groups);
            f->groups = parsed;
        }
    }
    for (size_t i = 0; i < sd->n_files; i++)
        if (sd->files[i].path) free_file(&sd->files[i]); /* gone from disk: its targets go too */
    free(sd->files);
    sd->files = files;
    sd->n_files = sd->n_results;
}

static void start_refresh(scrape_file_sd *sd);

static void one_closed(scrape_file_sd *sd)
{
    if (--sd->pending_closes == 0 && sd->done) sd->done(sd->done_data);
}

static void refresh_done(uv_work_t *req, int status)
{
    scrape_file_sd *sd = req->data;
    sd->busy = false;
    if (sd->closing || status != 0) {
        free_results(sd);
        if (sd->closing) one_closed(sd);
        return;
    }
    apply_results(sd);
    free_results(sd);
    pf_metric_add(sd->m_refreshes, 1);
    sd->on_update(sd->files, sd->n_files, sd->data);
    if (sd->again) start_refresh(sd);
}

static void start_refresh(scrape_file_sd *sd)
{
    if (sd->closing) return;
    if (sd->busy) {
        sd->again = true;
        return;
    }
    sd->busy = true;
    sd->again = false;
    uv_queue_work(sd->loop, &sd->work, refresh_work, refresh_done);
}

static void on_timer(uv_timer_t *t) { start_refresh(t->data); }

static void on_fs_event(uv_fs_event_t *h, const char *filename, int events, int status)
{
    (void)filename;
    (void)events;
    (void)status;
    start_refresh(h->data);
}

/* The directory part of a pattern ("." when it has none). Caller frees. */
static char *pattern_dir(const char *pattern)
{
    const char *slash = strrchr(pattern, '/');
    if (!slash) return pf_xstrdup(".");
    if (slash == pattern) return pf_xstrdup("/");
    char *dir = pf_xstrdup(pattern);
    dir[slash - pattern] = '\0';
    return dir;
}

scrape_file_sd *scrape_file_sd_new(uv_loop_t *loop, const char *log_id, const char *job_name,
                                   const scrape_file_sd_cfg *cfg, scrape_file_sd_update_cb on_update, void *data)
{
    scrape_file_sd *sd = pf_xcalloc(1, sizeof(*sd));
    sd->loop = loop;
    sd->log_id = log_id;
    sd->job_name = job_name;
    sd->cfg = cfg;
    sd->on_update = on_update;
    sd->data = data;
    sd->work.data = sd;
    sd->metric_labels = pf_xasprintf("receiver=\"%s\",job=\"%s\"", log_id, job_name);
    sd->m_errors =
        pf_counter(SD_FILE_ERRORS, "Target files that could not be read or parsed (their previous targets are kept).",
                   sd->metric_labels);
    sd->m_refreshes = pf_counter(SD_REFRESHES, "Completed re-reads of the target files.", sd->metric_labels);
    return sd;
}

void scrape_file_sd_start(scrape_file_sd *sd)
{
    uv_timer_init(sd->loop, &sd->timer);
    sd->timer.data = sd;
    uint64_t every_ms = (uint64_t)sd->cfg->refresh_interval / 1000000u;
    uv_timer_start(&sd->timer, on_timer, every_ms, every_ms);
    sd->watches = pf_xcalloc(sd->cfg->files.n, sizeof(*sd->watches));
    char **dirs = pf_xcalloc(sd->cfg->files.n, sizeof(*dirs));
    for (size_t i = 0; i < sd->cfg->files.n; i++) {
        char *dir = pattern_dir(sd->cfg->files.items[i]);
        bool seen = false;
        for (size_t k = 0; k < sd->n_watches && !seen; k++) seen = strcmp(dirs[k], dir) == 0;
        if (seen) {
            free(dir);
            continue;
        }
        uv_fs_event_t *w = &sd->watches[sd->n_watches];
        uv_fs_event_init(sd->loop, w);
        w->data = sd;
        int rc = uv_fs_event_start(w, on_fs_event, dir, 0);
        if (rc != 0)
            pf_log(PF_LOG_WARN, sd->log_id, "job %s: cannot watch %s (%s); re-reading every refresh_interval only",
                   sd->job_name, dir, uv_strerror(rc));
        dirs[sd->n_watches++] = dir;
    }
    for (size_t k = 0; k < sd->n_watches; k++) free(dirs[k]);
    free(dirs);
    start_refresh(sd);
}

static void on_handle_closed(uv_handle_t *h) { one_closed(h->data); }

void scrape_file_sd_close(scrape_file_sd *sd, void (*done)(void *data), void *data)
{
    sd->closing = true;
    sd->done = done;
    sd->done_data = data;
    sd->pending_closes = 1; /* held until every close below was started */
    if (sd->timer.loop) {
        sd->pending_closes++;
        uv_close((uv_handle_t *)&sd->timer, on_handle_closed);
    }
    for (size_t i = 0; i < sd->n_watches; i++) {
        sd->pending_closes++;
        uv_close((uv_handle_t *)&sd->watches[i], on_handle_closed);
    }
    if (sd->busy) sd->pending_closes++; /* refresh_done releases it */
    one_closed(sd);
}

void scrape_file_sd_free(scrape_file_sd *sd)
{
    if (!sd) return;
    /* The job's series go with the receiver (at shutdown or a config reload); another entry of the
     * same job freed just before may have removed them already. */
    pf_metric_remove(SD_FILE_ERRORS, sd->metric_labels);
    pf_metric_remove(SD_REFRESHES, sd->metric_labels);
    free(sd->metric_labels);
    for (size_t i = 0; i < sd->n_files; i++) free_file(&sd->files[i]);
    free(sd->files);
    free(sd->watches);
    free(sd);
}
