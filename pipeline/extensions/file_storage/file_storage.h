/* file_storage.h — what the file_storage extension offers exporters whose
 * sending_queue.storage names it: a directory, fsync, a size bound and compaction settings. Each
 * exporter keeps its queue in <directory>/exporter_<id with '/' replaced by '_'>
 * (pipeline/persistent_queue.h describes the files). */
#ifndef PF_FILE_STORAGE_H
#define PF_FILE_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/component.h"

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

/* The config of a started file_storage extension, or NULL when `c` is not one. */
const pf_file_storage_config *pf_file_storage_of(const pf_component *c);

#endif
