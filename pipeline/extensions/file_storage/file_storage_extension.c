/* file_storage_extension.c — the file_storage extension: the Collector's filestorage extension for proflow's persistent sending
 * queues (sending_queue.storage: file_storage[/name]). The extension owns the directory; each
 * exporter opens its own queue inside it when it starts (exporters/helper/exporter_helper.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/base/xalloc.h"
#include "pipeline/extensions/file_storage/file_storage_extension.h"
#include "pipeline/base/log.h"

typedef struct file_storage {
    pf_component base;
    const pf_file_storage_config *cfg;
} file_storage;

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

static const void *fs_capability(pf_component *c, const char *name)
{
    return strcmp(name, PF_FILE_STORAGE_CAPABILITY) == 0 ? ((file_storage *)c)->cfg : NULL;
}

static const pf_component_ops fs_ops = {.start = fs_start, .capability = fs_capability};

pf_component *file_storage_create(const pf_create_args *args, pf_error *err)
{
    (void)err;
    file_storage *f = pf_xcalloc(1, sizeof(*f));
    pf_component_init(&f->base, &fs_ops, args);
    f->cfg = args->config;
    return &f->base;
}
