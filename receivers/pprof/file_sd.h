/* file_sd.h — Prometheus file-based service discovery for the pprof scraper.
 *
 * Target files hold a list of groups, `[{"targets": ["host:port", ...], "labels": {"k": "v"}}]`, as
 * JSON (.json) or YAML (.yml/.yaml). A pprof_file_sd watches the directories of its patterns
 * (uv_fs_event) and re-reads every matching file on a change and every refresh_interval. Globbing and
 * reading happen on the libuv thread pool; parsing and callbacks on the loop thread. A file that
 * fails to read or parse is logged once per distinct error, counted, and keeps its previous groups.
 *
 * Ownership: pprof_sd_parse() fills a caller-owned pprof_sd_groups (free with pprof_sd_groups_free).
 * pprof_file_sd_new() keeps pointers to cfg and log_id, which must outlive it; the files passed to the
 * update callback are owned by the pprof_file_sd and valid during the callback only.
 * pprof_file_sd_close() is asynchronous; pprof_file_sd_free() after its callback ran. */
#ifndef PF_RECEIVER_PPROF_FILE_SD_H
#define PF_RECEIVER_PPROF_FILE_SD_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "receivers/pprof/config.h"

typedef struct pprof_sd_group {
    pf_strlist targets;
    pf_strmap labels;
} pprof_sd_group;

typedef struct pprof_sd_groups {
    pprof_sd_group *items;
    size_t n;
} pprof_sd_groups;

/* Parses one target file; the format follows the extension of path (.json, else YAML). False with
 * err naming the file and the problem ("t.json: [1].labels.x: value must be a string"). */
bool pprof_sd_parse(const char *path, const char *text, size_t len, pprof_sd_groups *out, char *err, size_t err_len);
void pprof_sd_groups_free(pprof_sd_groups *g);

/* One target file as last read successfully. */
typedef struct pprof_sd_file {
    char *path;
    pprof_sd_groups groups;
    char *last_error; /* the error logged last for this file, NULL when it last read fine */
} pprof_sd_file;

typedef void (*pprof_file_sd_update_cb)(const pprof_sd_file *files, size_t n_files, void *data);

typedef struct pprof_file_sd pprof_file_sd;

pprof_file_sd *pprof_file_sd_new(uv_loop_t *loop, const char *log_id, const char *job_name,
                                 const pprof_file_sd_cfg *cfg, pprof_file_sd_update_cb on_update, void *data);
/* Starts the first read (the update callback follows from the loop), the watchers and the timer. */
void pprof_file_sd_start(pprof_file_sd *sd);
void pprof_file_sd_close(pprof_file_sd *sd, void (*done)(void *data), void *data);
void pprof_file_sd_free(pprof_file_sd *sd);

#endif
