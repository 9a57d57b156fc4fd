/* file_sd.h — Prometheus file-based service discovery for the pprof scraper.
 *
 * Target files hold a list of groups, `[{"targets": ["host:port", ...], "labels": {"k": "v"}}]`, as
 * JSON (.json) or YAML (.yml/.yaml). A scrape_file_sd watches the directories of its patterns
 * (uv_fs_event) and re-reads every matching file on a change and every refresh_interval. Globbing and
 * reading happen on the libuv thread pool; parsing and callbacks on the loop thread. A file that
 * fails to read or parse is logged once per distinct error, counted, and keeps its previous groups.
 *
 * Ownership: scrape_sd_parse() fills a caller-owned scrape_sd_groups (free with scrape_sd_groups_free).
 * scrape_file_sd_new() keeps pointers to cfg and log_id, which must outlive it; the files passed to the
 * update callback are owned by the scrape_file_sd and valid during the callback only.
 * scrape_file_sd_close() is asynchronous; scrape_file_sd_free() after its callback ran. */
#ifndef PF_RECEIVER_PPROF_FILE_SD_H
#define PF_RECEIVER_PPROF_FILE_SD_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "receivers/pprof/config.h"

typedef struct scrape_sd_group {
    pf_strlist targets;
    pf_strmap labels;
} scrape_sd_group;

typedef struct scrape_sd_groups {
    scrape_sd_group *items;
    size_t n;
} scrape_sd_groups;

/* Parses one target file; the format follows the extension of path (.json, else YAML). False with
 * err naming the file and the problem ("t.json: [1].labels.x: value must be a string"). */
bool scrape_sd_parse(const char *path, const char *text, size_t len, scrape_sd_groups *out, char *err, size_t err_len);
void scrape_sd_groups_free(scrape_sd_groups *g);

/* One target file as last read successfully. */
typedef struct scrape_sd_file {
    char *path;
    scrape_sd_groups groups;
    char *last_error; /* the error logged last for this file, NULL when it last read fine */
} scrape_sd_file;

typedef void (*scrape_file_sd_update_cb)(const scrape_sd_file *files, size_t n_files, void *data);

typedef struct scrape_file_sd scrape_file_sd;

scrape_file_sd *scrape_file_sd_new(uv_loop_t *loop, const char *log_id, const char *job_name,
                                   const scrape_file_sd_cfg *cfg, scrape_file_sd_update_cb on_update, void *data);
/* Starts the first read (the update callback follows from the loop), the watchers and the timer. */
void scrape_file_sd_start(scrape_file_sd *sd);
void scrape_file_sd_close(scrape_file_sd *sd, void (*done)(void *data), void *data);
void scrape_file_sd_free(scrape_file_sd *sd);

#endif
