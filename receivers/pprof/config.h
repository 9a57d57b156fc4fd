/* config.h — configuration of the pprof scraper receiver, modelled on Prometheus scrape_configs and
 * Alloy's pyroscope.scrape / Parca's profiling_config.
 *
 * Ownership: the structs are filled and freed by the config core through pprof_receiver_cfg_map
 * (pf_cfg_defaults / pf_cfg_apply / pf_cfg_release); component code only reads them. */
#ifndef PF_RECEIVER_PPROF_CONFIG_H
#define PF_RECEIVER_PPROF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config_map.h"
#include "net/http_client.h"
#include "pipeline/relabel/relabel.h"

/* One `profile.<name>` block as written; unset keys fall back to the built-in profile's defaults. */
typedef struct pprof_profile_override {
    char *name; /* "process_cpu", "memory", …, or "custom.<name>" */
    bool enabled, enabled_set;
    char *path;
    bool delta, delta_set;
    double frequency, native_hz; /* CPU-like profiles: wanted Hz (0 = unset) and the runtime's rate */
    bool frequency_set, native_hz_set;
} pprof_profile_override;

typedef struct pprof_profiling_cfg {
    char *path_prefix;
    pprof_profile_override *overrides;
    size_t n_overrides;
} pprof_profiling_cfg;

typedef struct pprof_static_cfg {
    pf_strlist targets;
    pf_strmap labels;
} pprof_static_cfg;

/* Prometheus file_sd_configs: JSON/YAML files of [{targets: [...], labels: {...}}] groups. */
typedef struct pprof_file_sd_cfg {
    pf_strlist files;         /* paths; a glob (*, ?, [...]) is allowed in the last path element only */
    int64_t refresh_interval; /* ns between full re-reads, on top of file-change events */
} pprof_file_sd_cfg;

typedef struct pprof_basic_auth {
    char *username;
    char *password;
} pprof_basic_auth;

/* One `on_alert` entry: while an alert whose labels contain every trigger label fires, the job's
 * CPU-like profiles are scraped at `frequency` for at most `duration` (pipeline/component/freq_boost.h). */
typedef struct pprof_on_alert_cfg {
    pf_strmap trigger;      /* `trigger: high_cpu` means {alertname: high_cpu} */
    double frequency;
    int64_t duration;
    pf_strmap match_labels; /* alert label → target label */
} pprof_on_alert_cfg;

typedef struct pprof_scrape_cfg {
    char *job_name;
    int64_t scrape_interval;
    int64_t scrape_timeout;
    char *scheme;
    pf_strmap params;
    pf_list static_configs; /* pprof_static_cfg */
    pf_list file_sd_configs; /* pprof_file_sd_cfg */
    pf_relabel_rules relabel_configs;
    pf_tls_client_config tls_config;
    char *bearer_token;
    pprof_basic_auth basic_auth;
    pf_strmap http_headers;
    int64_t body_size_limit;
    pprof_profiling_cfg profiling_config;
    pf_list on_alert; /* pprof_on_alert_cfg */
} pprof_scrape_cfg;

typedef struct pprof_receiver_cfg {
    pf_list scrape_configs; /* pprof_scrape_cfg */
    int64_t max_concurrent_scrapes;
} pprof_receiver_cfg;

extern const pf_cfg_entry pprof_receiver_cfg_map[];

/* An effective profile of a job: built-in defaults merged with the job's overrides. */
typedef struct pprof_profile_def {
    const char *name;
    const char *path;
    bool enabled;
    bool delta;
    bool server_side_delta; /* delta means `?seconds=` (CPU-like endpoints), else client-side delta */
    double frequency;       /* CPU-like: wanted effective Hz, 0 = profile interval - 1s of every interval */
    double native_hz;       /* the rate the runtime samples at while profiling (Go: 100) */
} pprof_profile_def;

/* Fills out[] (room for pprof_profile_defs_max(cfg)) and returns how many profiles are enabled. The
 * strings point into the config or static tables. */
size_t pprof_profile_defs(const pprof_scrape_cfg *cfg, pprof_profile_def *out);
size_t pprof_profile_defs_max(const pprof_scrape_cfg *cfg);

#endif
