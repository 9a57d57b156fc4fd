/* config.c — config table of the pprof scraper and the built-in profile types (see config.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "receivers/pprof/config.h"

/* Alloy's pyroscope.scrape defaults, except that `delta` on cumulative profiles (memory, mutex,
 * block) means a client-side delta between scrapes here, and is on by default. */
static const scrape_profile_def builtin[] = {
    {"process_cpu", "/debug/pprof/profile", true, true, true},
    {"memory", "/debug/pprof/allocs", true, true, false},
    {"goroutine", "/debug/pprof/goroutine", true, false, false},
    {"mutex", "/debug/pprof/mutex", true, true, false},
    {"block", "/debug/pprof/block", true, true, false},
    {"fgprof", "/debug/fgprof", false, true, true},
    {"godeltaprof_memory", "/debug/pprof/delta_heap", false, false, false},
    {"godeltaprof_mutex", "/debug/pprof/delta_mutex", false, false, false},
    {"godeltaprof_block", "/debug/pprof/delta_block", false, false, false},
};
#define N_BUILTIN (sizeof(builtin) / sizeof(builtin[0]))

static const pf_cfg_entry override_map[] = {
    {.type = PF_CFG_BOOL,
     .name = "enabled",
     .offset = offsetof(scrape_profile_override, enabled),
     .flags = PF_CFG_PRESENCE,
     .presence_offset = offsetof(scrape_profile_override, enabled_set),
     .desc = "Scrape this profile type."},
    {.type = PF_CFG_STRING,
     .name = "path",
     .offset = offsetof(scrape_profile_override, path),
     .desc = "HTTP path of the profile on the target."},
    {.type = PF_CFG_BOOL,
     .name = "delta",
     .offset = offsetof(scrape_profile_override, delta),
     .flags = PF_CFG_PRESENCE,
     .presence_offset = offsetof(scrape_profile_override, delta_set),
     .desc = "CPU-like: ask for ?seconds=<interval-1s>; cumulative: send the growth since the previous scrape."},
    {.type = PF_CFG_DOUBLE,
     .name = "frequency",
     .offset = offsetof(scrape_profile_override, frequency),
     .min = 0.001,
     .max = 10000,
     .flags = PF_CFG_PRESENCE,
     .presence_offset = offsetof(scrape_profile_override, frequency_set),
     .desc = "CPU-like profiles: effective sampling frequency in Hz; each interval is profiled for "
             "interval x frequency / native_hz seconds (whole seconds, 1 to interval - 1s). Unset: interval - 1s. "
             "A target's __profile_hz__ label (relabeling) overrides it."},
    {.type = PF_CFG_DOUBLE,
     .name = "native_hz",
     .offset = offsetof(scrape_profile_override, native_hz),
     .min = 0.001,
     .max = 100000,
     .flags = PF_CFG_PRESENCE,
     .presence_offset = offsetof(scrape_profile_override, native_hz_set),
     .desc = "The rate the target samples at while profiling (default 100, Go's)."},
    PF_CFG_END,
};

static const scrape_profile_def *find_builtin(const char *name)
{
    for (size_t i = 0; i < N_BUILTIN; i++)
        if (strcmp(builtin[i].name, name) == 0) return &builtin[i];
    return NULL;
}

static void release_profiling(const pf_cfg_entry *e, void *field)
{
    (void)e;
    scrape_profiling_cfg *pc = field;
    for (size_t i = 0; i < pc->n_overrides; i++) {
        pf_cfg_release(override_map, &pc->overrides[i]);
        free(pc->overrides[i].name);
    }
    free(pc->overrides);
    free(pc->path_prefix);
    memset(pc, 0, sizeof(*pc));
}

static bool parse_profiling(const pf_cfg_entry *e, const pf_node *node, void *field, const char *path,
                            pf_cfg_error *err)
{
    (void)e;
    scrape_profiling_cfg *pc = field;
    if (node->type == PF_NODE_SCALAR && node->is_null) return true;
    if (node->type != PF_NODE_MAP) {
        pf_cfg_errorf(err, node, path, "profiling_config must be a mapping");
        return false;
    }
    for (size_t i = 0; i < node->n_children; i++) {
        const pf_node *c = node->children[i];
        if (strcmp(c->key, "path_prefix") == 0 && c->type == PF_NODE_SCALAR) {
            free(pc->path_prefix);
            pc->path_prefix = pf_xstrdup(c->value ? c->value : "");
            continue;
        }
        const char *name = strncmp(c->key, "profile.", 8) == 0 ? c->key + 8 : NULL;
        bool custom = name && strncmp(name, "custom.", 7) == 0 && name[7];
        if (!name || (!custom && !find_builtin(name))) {
            pf_cfg_errorf(err, c, path,
                          "unknown key %s (expected path_prefix, profile.<process_cpu|memory|goroutine|mutex|block|"
                          "fgprof|godeltaprof_memory|godeltaprof_mutex|godeltaprof_block> or profile.custom.<name>)",
                          c->key);
            return false;
        }
        scrape_profile_override ov;
        char *sub = pf_xasprintf("%s.%s", path, c->key);
        bool ok = pf_cfg_defaults(override_map, &ov, err) && pf_cfg_apply(override_map, c, &ov, sub, err);
        const scrape_profile_def *bi = custom ? NULL : find_builtin(name);
        if (ok && (ov.frequency_set || ov.native_hz_set) && !(bi && bi->server_side_delta)) {
            pf_cfg_errorf(err, c, sub, "frequency and native_hz apply to CPU-like profiles (process_cpu, fgprof) only");
            ok = false;
        }
        if (ok && custom && (!ov.path || !*ov.path)) {
            pf_cfg_errorf(err, c, sub, "a custom profile needs a path");
            ok = false;
        }
        free(sub);
        if (!ok) {
            pf_cfg_release(override_map, &ov);
            return false;
        }
        ov.name = pf_xstrdup(name);
        pc->overrides = pf_xrealloc(pc->overrides, (pc->n_overrides + 1) * sizeof(*pc->overrides));
        pc->overrides[pc->n_overrides++] = ov;
    }
    return true;
}

size_t scrape_profile_defs_max(const scrape_job_cfg *cfg) { return N_BUILTIN + cfg->profiling_config.n_overrides; }

size_t scrape_profile_defs(const scrape_job_cfg *cfg, scrape_profile_def *out)
{
    const scrape_profiling_cfg *pc = &cfg->profiling_config;
    size_t n = 0;
    for (size_t i = 0; i < N_BUILTIN; i++) out[n++] = builtin[i];
    for (size_t k = 0; k < pc->n_overrides; k++) {
        const scrape_profile_override *ov = &pc->overrides[k];
        size_t i = 0;
        while (i < n && strcmp(out[i].name, ov->name) != 0) i++;
        if (i == n) out[n++] = (scrape_profile_def){ov->name, ov->path, true, false, false};
        if (ov->enabled_set) out[i].enabled = ov->enabled;
        if (ov->delta_set) out[i].delta = ov->delta;
        if (ov->path && *ov->path) out[i].path = ov->path;
        if (ov->frequency_set) out[i].frequency = ov->frequency;
        if (ov->native_hz_set) out[i].native_hz = ov->native_hz;
    }
    for (size_t i = 0; i < n; i++)
        if (out[i].native_hz <= 0) out[i].native_hz = 100;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i].enabled) out[kept++] = out[i];
    return kept;
}

static bool check_scrape(void *section, const pf_node *node, const char *path, pf_cfg_error *err)
{
    scrape_job_cfg *sc = section;
    if (sc->scrape_interval < 2000000000LL) {
        pf_cfg_errorf(err, node, path, "scrape_interval must be at least 2s (CPU profiles last interval - 1s)");
        return false;
    }
    if (sc->scrape_timeout <= sc->scrape_interval - 1000000000LL) {
        pf_cfg_errorf(err, node, path,
                      "scrape_timeout must be longer than scrape_interval - 1s, the duration of a CPU profile");
        return false;
    }
    if (sc->bearer_token && *sc->bearer_token && sc->basic_auth.username && *sc->basic_auth.username) {
        pf_cfg_errorf(err, node, path, "bearer_token and basic_auth are mutually exclusive");
        return false;
    }
    return true;
}

static const char *const schemes[] = {"http", "https", NULL};

static void release_trigger(const pf_cfg_entry *e, void *field)
{
    (void)e;
    pf_strmap_free(field);
}

static void strmap_push(pf_strmap *m, const char *k, const char *v)
{
    m->keys = pf_xrealloc(m->keys, (m->n + 1) * sizeof(char *));
    m->values = pf_xrealloc(m->values, (m->n + 1) * sizeof(char *));
    m->keys[m->n] = pf_xstrdup(k);
    m->values[m->n++] = pf_xstrdup(v);
}

/* `trigger: high_cpu` (an alert name) or `trigger: {severity: page, team: db}` (alert labels). */
static bool parse_trigger(const pf_cfg_entry *e, const pf_node *node, void *field, const char *path, pf_cfg_error *err)
{
    (void)e;
    pf_strmap *m = field;
    if (node->type == PF_NODE_SCALAR && !node->is_null && node->value && *node->value) {
        strmap_push(m, "alertname", node->value);
        return true;
    }
    if (node->type == PF_NODE_MAP && node->n_children) {
        for (size_t i = 0; i < node->n_children; i++) {
            const pf_node *c = node->children[i];
            if (c->type != PF_NODE_SCALAR || c->is_null) {
                pf_cfg_errorf(err, c, path, "trigger.%s must be a string", c->key);
                return false;
            }
            strmap_push(m, c->key, c->value);
        }
        return true;
    }
    pf_cfg_errorf(err, node, path, "trigger must be an alert name or a mapping of alert labels");
    return false;
}

static bool check_on_alert(void *section, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const scrape_on_alert_cfg *oa = section;
    if (oa->trigger.n == 0) {
        pf_cfg_errorf(err, node, path, "trigger is required (an alert name or alert labels)");
        return false;
    }
    return true;
}

static const pf_cfg_entry on_alert_map[] = {
    {.type = PF_CFG_CUSTOM,
     .name = "trigger",
     .offset = offsetof(scrape_on_alert_cfg, trigger),
     .parse = parse_trigger,
     .release = release_trigger,
     .type_name = "string or string map",
     .flags = PF_CFG_REQUIRED,
     .desc = "Alert name (matched against the alertname label) or alert labels that must all be equal."},
    {.type = PF_CFG_DOUBLE,
     .name = "frequency",
     .offset = offsetof(scrape_on_alert_cfg, frequency),
     .min = 0.001,
     .max = 10000,
     .flags = PF_CFG_REQUIRED,
     .desc = "CPU profiling frequency (Hz) while the alert fires."},
    {.type = PF_CFG_DURATION,
     .name = "duration",
     .def = "10m",
     .offset = offsetof(scrape_on_alert_cfg, duration),
     .min = 1e9,
     .max = 8.64e13,
     .desc = "Longest time the boost lasts; a resolved alert ends it earlier."},
    {.type = PF_CFG_STRING_MAP,
     .name = "match_labels",
     .offset = offsetof(scrape_on_alert_cfg, match_labels),
     .desc = "Alert label -> target label: only targets whose labels equal the alert's values are boosted "
             "(default: every target of the job)."},
    PF_CFG_END,
};

static const pf_cfg_entry static_map[] = {
    {.type = PF_CFG_STRING_LIST,
     .name = "targets",
     .offset = offsetof(scrape_static_cfg, targets),
     .desc = "host:port of each target."},
    {.type = PF_CFG_STRING_MAP,
     .name = "labels",
     .offset = offsetof(scrape_static_cfg, labels),
     .desc = "Labels added to every target of the group."},
    PF_CFG_END,
};

static bool check_file_sd(void *section, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const scrape_file_sd_cfg *sd = section;
    if (sd->files.n == 0) {
        pf_cfg_errorf(err, node, path, "files must list at least one path");
        return false;
    }
    for (size_t i = 0; i < sd->files.n; i++) {
        const char *f = sd->files.items[i];
        const char *slash = strrchr(f, '/');
        size_t dir_len = slash ? (size_t)(slash - f) : 0;
        const char *ext = strrchr(f, '.');
        if (strcspn(f, "*?[") < dir_len) {
            pf_cfg_errorf(err, node, path, "files[%zu] \"%s\": a pattern is only allowed in the last path element", i,
                          f);
            return false;
        }
        if (!ext || (slash && ext < slash) ||
            (strcmp(ext, ".json") != 0 && strcmp(ext, ".yml") != 0 && strcmp(ext, ".yaml") != 0)) {
            pf_cfg_errorf(err, node, path, "files[%zu] \"%s\" must end in .json, .yml or .yaml", i, f);
            return false;
        }
    }
    if (sd->refresh_interval < 1000000000LL) {
        pf_cfg_errorf(err, node, path, "refresh_interval must be at least 1s");
        return false;
    }
    return true;
}

static const pf_cfg_entry file_sd_map[] = {
    {.type = PF_CFG_STRING_LIST,
     .name = "files",
     .offset = offsetof(scrape_file_sd_cfg, files),
     .desc = "Target files (.json, .yml, .yaml); the last path element may be a glob such as targets/*.json."},
    {.type = PF_CFG_DURATION,
     .name = "refresh_interval",
     .def = "5m",
     .offset = offsetof(scrape_file_sd_cfg, refresh_interval),
     .desc = "Re-read every file this often, besides re-reading on change notifications."},
    PF_CFG_END,
};

static const pf_cfg_entry basic_auth_map[] = {
    {.type = PF_CFG_STRING, .name = "username", .offset = offsetof(scrape_basic_auth, username), .desc = "User name."},
    {.type = PF_CFG_STRING,
     .name = "password",
     .offset = offsetof(scrape_basic_auth, password),
     .flags = PF_CFG_SECRET,
     .desc = "Password (use ${env:VAR} or ${file:path})."},
    PF_CFG_END,
};

static const pf_cfg_entry scrape_map[] = {
    {.type = PF_CFG_STRING,
     .name = "job_name",
     .offset = offsetof(scrape_job_cfg, job_name),
     .flags = PF_CFG_REQUIRED,
     .desc = "The job label of every target; service.name when service_name is unset."},
    {.type = PF_CFG_DURATION,
     .name = "scrape_interval",
     .def = "15s",
     .offset = offsetof(scrape_job_cfg, scrape_interval),
     .desc = "How often each target is scraped."},
    {.type = PF_CFG_DURATION,
     .name = "scrape_timeout",
     .def = "18s",
     .offset = offsetof(scrape_job_cfg, scrape_timeout),
     .desc = "Time limit of one scrape; must exceed scrape_interval - 1s (CPU profiles block that long)."},
    {.type = PF_CFG_STRING,
     .name = "scheme",
     .def = "http",
     .offset = offsetof(scrape_job_cfg, scheme),
     .choices = schemes,
     .desc = "http or https."},
    {.type = PF_CFG_STRING_MAP,
     .name = "params",
     .offset = offsetof(scrape_job_cfg, params),
     .desc = "Query parameters added to every scrape URL."},
    {.type = PF_CFG_SECTION_LIST,
     .name = "static_configs",
     .offset = offsetof(scrape_job_cfg, static_configs),
     .sub = static_map,
     .elem_size = sizeof(scrape_static_cfg),
     .desc = "Target groups: targets and labels."},
    {.type = PF_CFG_SECTION_LIST,
     .name = "file_sd_configs",
     .offset = offsetof(scrape_job_cfg, file_sd_configs),
     .sub = file_sd_map,
     .elem_size = sizeof(scrape_file_sd_cfg),
     .check = check_file_sd,
     .desc = "Prometheus file-based discovery: target groups read from files, re-read on change and every "
             "refresh_interval; each target gets __meta_filepath."},
    PF_CFG_RELABEL_CONFIGS("relabel_configs", scrape_job_cfg, relabel_configs,
                           "Prometheus relabel rules applied to each target and profile type (__address__, "
                           "__scheme__, __name__, __profile_path__, __profile_path_prefix__, job, labels)."),
    {.type = PF_CFG_SECTION,
     .name = "tls_config",
     .offset = offsetof(scrape_job_cfg, tls_config),
     .sub = pf_tls_client_cfg_map,
     .desc = "TLS settings for https targets."},
    {.type = PF_CFG_STRING,
     .name = "bearer_token",
     .offset = offsetof(scrape_job_cfg, bearer_token),
     .flags = PF_CFG_SECRET,
     .desc = "Sent as Authorization: Bearer <token>."},
    {.type = PF_CFG_SECTION,
     .name = "basic_auth",
     .offset = offsetof(scrape_job_cfg, basic_auth),
     .sub = basic_auth_map,
     .desc = "HTTP basic authentication."},
    {.type = PF_CFG_STRING_MAP,
     .name = "http_headers",
     .offset = offsetof(scrape_job_cfg, http_headers),
     .flags = PF_CFG_SECRET,
     .desc = "Headers sent with every scrape."},
    {.type = PF_CFG_SIZE,
     .name = "body_size_limit",
     .def = "32MiB",
     .offset = offsetof(scrape_job_cfg, body_size_limit),
     .min = 1024,
     .max = 1073741824.0,
     .desc = "Largest accepted response body (and decompressed pprof)."},
    {.type = PF_CFG_CUSTOM,
     .name = "profiling_config",
     .offset = offsetof(scrape_job_cfg, profiling_config),
     .parse = parse_profiling,
     .release = release_profiling,
     .type_name = "profiling_config",
     .desc = "path_prefix and profile.<type> {enabled, path, delta, frequency, native_hz} blocks (Alloy/Parca style)."},
    {.type = PF_CFG_SECTION_LIST,
     .name = "on_alert",
     .offset = offsetof(scrape_job_cfg, on_alert),
     .sub = on_alert_map,
     .elem_size = sizeof(scrape_on_alert_cfg),
     .check = check_on_alert,
     .desc = "Frequency boosts while Alertmanager alerts fire (POST /api/v1/sampling/alertmanager on the telemetry "
             "listener); the highest active frequency wins."},
    PF_CFG_END,
};

const pf_cfg_entry scrape_receiver_cfg_map[] = {
    {.type = PF_CFG_SECTION_LIST,
     .name = "scrape_configs",
     .offset = offsetof(scrape_receiver_cfg, scrape_configs),
     .sub = scrape_map,
     .elem_size = sizeof(scrape_job_cfg),
     .check = check_scrape,
     .desc = "Scrape jobs (Prometheus scrape_configs)."},
    {.type = PF_CFG_INT,
     .name = "max_concurrent_scrapes",
     .def = "64",
     .offset = offsetof(scrape_receiver_cfg, max_concurrent_scrapes),
     .min = 1,
     .max = 100000,
     .desc = "Scrapes in flight at once across all targets; the rest wait their turn."},
    PF_CFG_END,
};
