/* config.c — the file exporter's config table: path, format, rotation and max_pending_megabytes. */
#include <stddef.h>

#include "exporters/file/file_exporter.h"

static const pf_cfg_entry rotation_map[] = {
    {.type = PF_CFG_INT,
     .name = "max_megabytes",
     .def = "100",
     .offset = offsetof(file_rotation_config, max_megabytes),
     .desc = "json: start a new file when the current one would grow beyond this many MiB (0 = never).",
     .min = 0,
     .max = 1 << 20},
    {.type = PF_CFG_INT,
     .name = "max_backups",
     .def = "100",
     .offset = offsetof(file_rotation_config, max_backups),
     .desc = "Completed files kept in `path`, oldest deleted first, files of earlier runs included (0 = keep all).",
     .min = 0,
     .max = 1e9},
    PF_CFG_END,
};

const pf_cfg_entry file_exporter_cfg_map[] = {
    {.type = PF_CFG_STRING,
     .name = "path",
     .def = "./proflow-data",
     .offset = offsetof(file_exporter_config, path),
     .desc = "Directory the files are written to (created if missing)."},
    {.type = PF_CFG_STRING,
     .name = "format",
     .def = "json",
     .offset = offsetof(file_exporter_config, format),
     .desc = "proto: one profiles-<unix_nano>-<seq>.binpb file per batch (serialized ExportProfilesServiceRequest); "
             "json: one OTLP/JSON line per batch appended to profiles-<unix_nano>-<seq>.jsonl; "
             "pprof: one gzipped pprof per profile group, profiles-<unix_nano>-<seq>-<profile type>.pb.gz "
             "(resource attributes are not carried, see docs/pprof-mapping.md).",
     .choices = file_format_names},
    {.type = PF_CFG_SECTION,
     .name = "rotation",
     .offset = offsetof(file_exporter_config, rotation),
     .desc = "File rotation and retention.",
     .sub = rotation_map},
    {.type = PF_CFG_INT,
     .name = "max_pending_megabytes",
     .def = "64",
     .offset = offsetof(file_exporter_config, max_pending_megabytes),
     .desc = "Serialized data waiting for the disk beyond which batches are refused (retryable).",
     .min = 1,
     .max = 1 << 20},
    PF_CFG_END,
};
