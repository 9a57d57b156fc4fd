/* file_storage extension — the Collector's filestorage extension for proflow's persistent sending
 * queues (sending_queue.storage: file_storage[/name]). The extension owns the directory; each
 * exporter opens its own queue inside it when it starts (pipeline/exporter_helper.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/extensions/file_storage/file_storage.h"
#include "pipeline/log.h"

typedef struct file_storage {
    pf_component base;
    const pf_file_storage_config *cfg;
} file_storage;

static const pf_cfg_entry compaction_map[] = {
    {.type = PF_CFG_BOOL, .name = "on_start", .def = "false", .offset = offsetof(pf_file_storage_compaction, on_start),
     .desc = "Accepted for compatibility: segments whose records were all delivered are always removed at start."},
    {.type = PF_CFG_BOOL, .name = "on_rebound", .def = "false",
     .offset = offsetof(pf_file_storage_compaction, on_rebound),
     .desc = "Accepted for compatibility: a segment is removed as soon as all its records were delivered, and the "
             "queue starts a new one when it drains."},
    PF_CFG_END,
};

static const pf_cfg_entry file_storage_map[] = {
    {.type = PF_CFG_STRING, .name = "directory", .def = "/var/lib/proflow/file_storage",
     .offset = offsetof(pf_file_storage_config, directory),
     .desc = "Directory holding one queue directory per exporter (exporter_<id>)."},
    {.type = PF_CFG_BOOL, .name = "create_directory", .def = "false",
     .offset = offsetof(pf_file_storage_config, create_directory),
     .desc = "Create `directory` (mode 0750) when it does not exist; otherwise it must exist."},
    {.type = PF_CFG_BOOL, .name = "fsync", .def = "false", .offset = offsetof(pf_file_storage_config, fsync),
     .desc = "fdatasync every record before the request that carried it is acknowledged (survives power loss, "
             "not only a crash of proflow)."},
    {.type = PF_CFG_SIZE, .name = "max_size", .def = "1GiB", .offset = offsetof(pf_file_storage_config, max_size),
     .min = 65536, .max = 1e15,
     .desc = "Bytes the queue files of one exporter may take; beyond, new data is refused (503 / UNAVAILABLE) as on a "
             "full disk."},
    {.type = PF_CFG_SECTION, .name = "compaction", .offset = offsetof(pf_file_storage_config, compaction),
     .sub = compaction_map, .desc = "Reclaiming space of delivered records."},
    PF_CFG_END,
};

static bool fs_start(pf_component *c, pf_host *host, pf_error *err)
{
    (void)host;
    file_storage *f = (file_storage *)c;
    const char *dir = f->cfg->directory;
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT && f->cfg->create_directory) {
            /* mkdir -p */
            char *path = pf_xstrdup(dir);
            for (char *p = path + 1;; p++) {
                bool end = *p == '\0';
                if (*p != '/' && !end) continue;
                *p = '\0';
                if (mkdir(path, 0750) != 0 && errno != EEXIST) {
                    pf_error_set(err, "cannot create directory %s: %s", path, strerror(errno));
                    free(path);
                    return false;
                }
                if (end) break;
                *p = '/';
            }
            free(path);
            return true;
        }
        /* Not fatal: the exporters refuse data (503) until the directory can be used. */
        pf_log(PF_LOG_ERROR, c->id, "directory %s: %s; exporters using it refuse data until it can be used", dir,
               strerror(errno));
        return true;
    }
    if (!S_ISDIR(st.st_mode))
        pf_log(PF_LOG_ERROR, c->id, "%s is not a directory; exporters using it refuse data until it is", dir);
    return true;
}

static void fs_shutdown(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data)
{
    (void)deadline_ms;
    done(c, data);
}

static void fs_destroy(pf_component *c) { free(c); }

static const pf_component_ops fs_ops = {fs_start, fs_shutdown, fs_destroy};

static pf_component *fs_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    file_storage *f = pf_xcalloc(1, sizeof(*f));
    f->base.ops = &fs_ops;
    f->base.id = args->id;
    f->cfg = args->config;
    return &f->base;
}

const pf_factory pf_extension_file_storage_factory = {
    .type = "file_storage",
    .kind = PF_KIND_EXTENSION,
    .stability = "alpha",
    .description = "Storage for persistent sending queues (sending_queue.storage): append-only segment files with "
                   "CRC-checked records, optional fsync, a size bound.",
    .config_map = file_storage_map,
    .config_size = sizeof(pf_file_storage_config),
    .create = fs_create,
};

const pf_file_storage_config *pf_file_storage_of(const pf_component *c)
{
    if (!c || c->factory != &pf_extension_file_storage_factory) return NULL;
    return ((const file_storage *)c)->cfg;
}
