/* debug exporter — logs what reaches it, like the Collector's debugexporter:
 *   basic:    one line per batch (resources, profiles, samples, bytes);
 *   normal:   plus one line per profile (service.name, sample type/unit, period type, time range,
 *             sample count);
 *   detailed: plus the top 10 functions by flat and by cumulative value, as `go tool pprof -top`.
 * Everything goes through pipeline/base/log.h at info level; consume() always accepts.
 * This file is the registration; the table is in config.c, the behaviour in debug_exporter.c. */
#include "exporters/debug/debug_exporter.h"

const pf_factory pf_exporter_debug_factory = {
    .type = "debug",
    .kind = PF_KIND_EXPORTER,
    .stability = "development",
    .description = "Logs a summary of every batch (basic), of every profile (normal) and its top functions (detailed).",
    .config_map = debug_exporter_cfg_map,
    .config_size = sizeof(debug_config),
    .create = debug_exporter_create,
};
