/* config.c — the file_storage extension's keys (the Collector's filestorage names). */
#include <stddef.h>

#include "pipeline/extensions/file_storage/file_storage_extension.h"

static const pf_cfg_entry compaction_map[] = {
    {.type = PF_CFG_BOOL,
     .name = "on_start",
     .def = "false",
     .offset = offsetof(pf_file_storage_compaction, on_start),
     .desc = "Accepted for compatibility: segments whose records were all delivered are always removed at start."},
    {.type = PF_CFG_BOOL,
     .name = "on_rebound",
     .def = "false",
     .offset = offsetof(pf_file_storage_compaction, on_rebound),
     .desc = "Accepted for compatibility: a segment is removed as soon as all its records were delivered, and the "
             "queue starts a new one when it drains."},
    PF_CFG_END,
};

const pf_cfg_entry file_storage_cfg_map[] = {
    {.type = PF_CFG_STRING,
     .name = "directory",
     .def = "/var/lib/proflow/file_storage",
     .offset = offsetof(pf_file_storage_config, directory),
     .desc = "Directory holding one queue directory per exporter (exporter_<id>)."},
    {.type = PF_CFG_BOOL,
     .name = "create_directory",
     .def = "false",
     .offset = offsetof(pf_file_storage_config, create_directory),
     .desc = "Create `directory` (mode 0750) when it does not exist; otherwise it must exist."},
    {.type = PF_CFG_BOOL,
     .name = "fsync",
     .def = "false",
     .offset = offsetof(pf_file_storage_config, fsync),
     .desc = "fdatasync every record before the request that carried it is acknowledged (survives power loss, "
             "not only a crash of proflow)."},
    {.type = PF_CFG_SIZE,
     .name = "max_size",
     .def = "1GiB",
     .offset = offsetof(pf_file_storage_config, max_size),
     .min = 65536,
     .max = 1e15,
     .desc = "Bytes the queue files of one exporter may take; beyond, new data is refused (503 / UNAVAILABLE) as on a "
             "full disk."},
    {.type = PF_CFG_SECTION,
     .name = "compaction",
     .offset = offsetof(pf_file_storage_config, compaction),
     .sub = compaction_map,
     .desc = "Reclaiming space of delivered records."},
    PF_CFG_END,
};
