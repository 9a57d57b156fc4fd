/* pprof receiver — scrapes Go net/http/pprof-style endpoints on an interval (Prometheus
 * scrape_configs + Alloy/Parca profiling_config) and emits each scrape as OTLP profiles, one Profile
 * per sample type, with service.name, job, instance and the target labels as resource attributes and
 * the profile type (process_cpu, memory, …) as the scope attribute profile.name. This file is the
 * registration; the table is in config.c, the lifecycle in pprof_receiver.c, the scraper in scrape*.c. */
#include "receivers/pprof/pprof_receiver.h"

const pf_factory pf_receiver_pprof_factory = {
    .type = "pprof",
    .kind = PF_KIND_RECEIVER,
    .stability = "alpha",
    .description = "Scrapes pprof HTTP endpoints (Go net/http/pprof, godeltaprof, fgprof, custom) on an interval.",
    .config_map = pprof_receiver_cfg_map,
    .config_size = sizeof(pprof_receiver_cfg),
    .create = pprof_receiver_create,
};
