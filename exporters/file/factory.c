/* file exporter — writes every batch it receives to files under `path`, as serialized OTLP protobuf
 * (one .binpb file per batch), OTLP/JSON (one line per batch in a size-rotated .jsonl file), like
 * the Collector's fileexporter, or as gzipped pprof (one .pb.gz per profile group). Meant for
 * debugging, archiving and replaying what a pipeline sees.
 * This file is the registration; the table is in config.c, the behaviour in file_exporter.c (the
 * component), formats.c and writer.c. */
#include "exporters/file/file_exporter.h"

const pf_factory pf_exporter_file_factory = {
    .type = "file",
    .kind = PF_KIND_EXPORTER,
    .stability = "development",
    .description = "Writes profiles to local files as OTLP protobuf, OTLP/JSON or pprof.",
    .config_map = file_exporter_cfg_map,
    .config_size = sizeof(file_exporter_config),
    .create = file_exporter_create,
};
