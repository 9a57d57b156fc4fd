/* config.h — configuration of the pprof scraper receiver, modelled on Prometheus scrape_configs and
 * Alloy's pyroscope.scrape / Parca's profiling_config.
 *
 * Ownership: the structs are filled and freed by the config core through scrape_receiver_cfg_map
 * (pf_cfg_defaults / pf_cfg_apply / pf_cfg_release); component code only reads them. */
#ifndef PF_RECEIVER_PPROF_CONFIG_H
#define PF_RECEIVER_PPROF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config_map.h"
#include "net/http_client.h"
#include "pipeline/relabel/relabel.h"

/* One `profile.<name>` block as written; unset keys fall back to the built-in profile's defaults. */
typedef struct scrape_profile_override {
    char *name; /* "process_cpu", "memory", …, or "custom.<name>" */
    bool enabled, enabled_set;
    char *path;
    bool delta, delta_set;
    double frequency, native_hz; /* CPU-like profiles: wanted Hz (0 = unset) and the runtime's rate */
    bool frequency_set, native_hz_set;
} scrape_profile_override;

typedef struct scrape_profiling_cfg {
    char *path_prefix;
    scrape_profile_override *overrides;
    size_t n_overrides;
} scrape_profiling_cfg;

typedef struct scrape_static_cfg {
    pf_strlist targets;
    pf_strmap labels;
} scrape_static_cfg;

/* Prometheus file_sd_configs: JSON/YAML files of [{targets: [...], labels: {...}}] groups. */
typedef struct scrape_file_sd_cfg {
    pf_strlist files;         /* paths; a glob (*, ?, [...]) is allowed in the last path element only */
    int64_t refresh_interval; /* ns between full re-reads, on top of file-change events */
} scrape_file_sd_cfg;

typedef struct scrape_basic_auth {
    char *username;
    char *password;
} scrape_basic_auth;

/* One `on_alert` entry: while an alert whose labels contain every trigger label fires, the job's
 * CPU-like profiles are scraped at `frequency` for at most `duration` (pipeline/component/freq_boost.h). */
typedef struct scrape_on_alert_cfg {
    pf_strmap trigger; /* `trigger: high_cpu` means {alertname: high_cpu} */
    double frequency;
    int64_t duration;
    pf_strmap match_labels; /* alert label → target label */
} scrape_on_alert_cfg;

typedef struct scrape_job_cfg {
    char *job_name;
    int64_t scrape_interval;
    int64_t scrape_timeout;
    char *scheme;
    pf_strmap params;
    pf_list static_configs;  /* scrape_static_cfg */
    pf_list file_sd_configs; /* scrape_file_sd_cfg */
    pf_relabel_rules relabel_configs;
    pf_tls_client_config tls_config;
    char *bearer_token;
    scrape_basic_auth basic_auth;
    pf_strmap http_headers;
    int64_t body_size_limit;
    scrape_profiling_cfg profiling_config;
    pf_list on_alert; /* scrape_on_alert_cfg */
} scrape_job_cfg;

typedef struct scrape_receiver_cfg {
    pf_list scrape_configs; /* scrape_job_cfg */
    int64_t max_concurrent_scrapes;
} scrape_receiver_cfg;

extern const pf_cfg_entry scrape_receiver_cfg_map[];

/* An effective profile of a job: built-in defaults merged with the job's overrides. */
typedef struct scrape_profile_def {
    const char *name;
    const char *path;
    bool enabled;
    bool delta;
    bool server_side_delta; /* delta means `?seconds=` (CPU-like endpoints), else client-side delta */
    double frequency;       /* CPU-like: wanted effective Hz, 0 = profile interval - 1s of every interval */
    double native_hz;       /* the rate the runtime samples at while profiling (Go: 100) */
} scrape_profile_def;

/* Fills out[] (room for scrape_profile_defs_max(cfg)) and returns how many profiles are enabled. The
 * strings point into the config or static tables. */
size_t scrape_profile_defs(const scrape_job_cfg *cfg, scrape_profile_def *out);
size_t scrape_profile_defs_max(const scrape_job_cfg *cfg);

#endif
