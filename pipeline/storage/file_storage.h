/* file_storage.h — what a file_storage extension offers the exporters whose sending_queue.storage
 * names it: a directory, fsync, a size bound and compaction settings. Each exporter keeps its queue
 * in <directory>/exporter_<id with '/' replaced by '_'> (persistent_queue.h describes the files).
 * An exporter gets it from the extension through the host: pf_host_capability(host, id,
 * PF_FILE_STORAGE_CAPABILITY). The extension owns the struct (its config). */
#ifndef PF_FILE_STORAGE_H
#define PF_FILE_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#define PF_FILE_STORAGE_CAPABILITY "file_storage"

typedef struct pf_file_storage_compaction {
    bool on_start;
    bool on_rebound;
} pf_file_storage_compaction;

typedef struct pf_file_storage_config {
    char *directory;
    bool create_directory;
    bool fsync;
    int64_t max_size;
    pf_file_storage_compaction compaction;
} pf_file_storage_config;

#endif
