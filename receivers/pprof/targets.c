/* targets.c — target groups × profile types → relabeled scrape targets (see targets.h).
 * The label conventions follow Alloy's pyroscope.scrape: __address__, __scheme__, __name__ (profile
 * type), __profile_path__, __profile_path_prefix__; `instance` defaults to the address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/base/xalloc.h"
#include "pipeline/component/freq_boost.h"
#include "receivers/pprof/targets.h"

static void build_url(const scrape_job_cfg *cfg, const scrape_profile_def *def, const pf_labels *ls, double hz,
                      pf_buf *url)
{
    const char *scheme = pf_labels_get(ls, "__scheme__");
    const char *prefix = pf_labels_get(ls, "__profile_path_prefix__");
    const char *path = pf_labels_get(ls, "__profile_path__");
    pf_buf_printf(url, "%s://%s%s%s", scheme ? scheme : "http", pf_labels_get(ls, "__address__"), prefix ? prefix : "",
                  path ? path : "");
    char sep = strchr(url->data, '?') ? '&' : '?';
    for (size_t i = 0; i < cfg->params.n; i++, sep = '&')
        pf_buf_printf(url, "%c%s=%s", sep, cfg->params.keys[i], cfg->params.values[i]);
    if (def->delta && def->server_side_delta) {
        double interval_s = (double)cfg->scrape_interval / 1e9;
        long long seconds = hz > 0 ? (long long)pf_freq_seconds_for(hz, def->native_hz, interval_s)
                                   : (long long)(cfg->scrape_interval / 1000000000LL - 1);
        pf_buf_printf(url, "%cseconds=%lld", sep, seconds); /* always last: the scraper rewrites it when boosted */
    }
}

static bool discover_one(const scrape_job_cfg *cfg, const pf_strmap *labels, const char *meta_filepath,
                         const char *address, const scrape_profile_def *def, scrape_target_found_cb found, void *data)
{
    pf_labels ls = {0};
    for (size_t i = 0; i < labels->n; i++) pf_labels_set(&ls, labels->keys[i], labels->values[i]);
    if (meta_filepath) pf_labels_set(&ls, "__meta_filepath", meta_filepath);
    pf_labels_set(&ls, "__address__", address);
    pf_labels_set(&ls, "__scheme__", cfg->scheme);
    pf_labels_set(&ls, "__name__", def->name);
    pf_labels_set(&ls, "__profile_path__", def->path);
    if (cfg->profiling_config.path_prefix && *cfg->profiling_config.path_prefix)
        pf_labels_set(&ls, "__profile_path_prefix__", cfg->profiling_config.path_prefix);
    pf_labels_set(&ls, "job", cfg->job_name);
    bool cpu_like = def->delta && def->server_side_delta;
    if (cpu_like && def->frequency > 0) {
        char hz[32];
        snprintf(hz, sizeof(hz), "%g", def->frequency);
        pf_labels_set(&ls, "__profile_hz__", hz);
    }

    bool kept = pf_relabel_process(&cfg->relabel_configs, &ls) && pf_labels_get(&ls, "__address__");
    if (kept) {
        double hz = cpu_like ? def->frequency : 0;
        const char *hz_error = NULL, *hz_text = pf_labels_get(&ls, "__profile_hz__");
        if (cpu_like && hz_text) {
            char *end = NULL;
            double v = strtod(hz_text, &end);
            if (end != hz_text && !*end && v > 0 && v <= PF_FREQ_MAX_HZ)
                hz = v;
            else
                hz_error = "__profile_hz__ is not a frequency in Hz (above 0, at most 10000)";
        }
        pf_buf url = {0};
        build_url(cfg, def, &ls, hz, &url);
        char *instance = pf_xstrdup(pf_labels_get(&ls, "instance") ? pf_labels_get(&ls, "instance")
                                                                   : pf_labels_get(&ls, "__address__"));
        pf_labels_drop_reserved(&ls);
        pf_labels_set(&ls, "instance", instance);
        scrape_target_spec spec = {url.data, instance, def, &ls, hz, hz_error};
        found(&spec, data);
        free(instance);
        pf_buf_free(&url);
    }
    pf_labels_free(&ls);
    return kept;
}

size_t scrape_targets_discover_group(const scrape_job_cfg *cfg, const pf_strlist *targets, const pf_strmap *labels,
                                     const char *meta_filepath, scrape_target_found_cb found, void *data)
{
    scrape_profile_def *defs = pf_xcalloc(scrape_profile_defs_max(cfg), sizeof(*defs));
    size_t n_defs = scrape_profile_defs(cfg, defs), kept = 0;
    for (size_t t = 0; t < targets->n; t++)
        for (size_t d = 0; d < n_defs; d++)
            kept += discover_one(cfg, labels, meta_filepath, targets->items[t], &defs[d], found, data);
    free(defs);
    return kept;
}

size_t scrape_targets_discover(const scrape_job_cfg *cfg, scrape_target_found_cb found, void *data)
{
    const scrape_static_cfg *groups = cfg->static_configs.items;
    size_t kept = 0;
    for (size_t g = 0; g < cfg->static_configs.n; g++)
        kept += scrape_targets_discover_group(cfg, &groups[g].targets, &groups[g].labels, NULL, found, data);
    return kept;
}
