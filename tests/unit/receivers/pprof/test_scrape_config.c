/* test_scrape_config.c — receivers/pprof config and target discovery: defaults, overrides,
 * custom profiles, path_prefix, params and ?seconds= in URLs, relabel keep/drop and label output,
 * and config errors (unknown profile, custom without path, timeout shorter than a CPU profile). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "receivers/pprof/targets.h"

static bool load(const char *yaml, scrape_receiver_cfg *cfg, pf_cfg_error *err)
{
    pf_node *n = pf_yaml_parse(yaml, strlen(yaml), "test.yaml", err);
    assert_non_null(n);
    assert_true(pf_cfg_defaults(scrape_receiver_cfg_map, cfg, err));
    bool ok = pf_cfg_apply(scrape_receiver_cfg_map, n, cfg, "receivers.pprof", err);
    pf_node_free(n);
    return ok;
}

typedef struct seen {
    char urls[16][256];
    char services[16][64];
    size_t n;
} seen;

static void collect(const scrape_target_spec *spec, void *data)
{
    seen *s = data;
    assert_true(s->n < 16);
    snprintf(s->urls[s->n], sizeof(s->urls[0]), "%s %s", spec->profile->name, spec->url);
    const char *team = pf_labels_get(spec->labels, "team");
    snprintf(s->services[s->n], sizeof(s->services[0]), "%s/%s/%s", spec->instance, team ? team : "-",
             pf_labels_get(spec->labels, "job"));
    assert_null(pf_labels_get(spec->labels, "__address__")); /* reserved labels are dropped */
    s->n++;
}

static bool has(const seen *s, const char *url)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->urls[i], url) == 0) return true;
    return false;
}

static void targets_from_static_configs(void **state)
{
    (void)state;
    scrape_receiver_cfg cfg;
    pf_cfg_error err = {{0}};
    bool ok = load("scrape_configs:\n"
                   "  - job_name: app\n"
                   "    scrape_interval: 10s\n"
                   "    params: {debug: '0'}\n"
                   "    static_configs:\n"
                   "      - targets: ['a:6060', 'b:6060']\n"
                   "        labels: {team: red}\n"
                   "    relabel_configs:\n"
                   "      - {source_labels: [__address__, __name__], regex: 'b:6060;(mutex|block)', action: drop}\n"
                   "    profiling_config:\n"
                   "      path_prefix: /svc\n"
                   "      profile.goroutine: {enabled: false}\n"
                   "      profile.godeltaprof_memory: {enabled: true}\n"
                   "      profile.custom.heapz: {path: /heapz}\n",
                   &cfg, &err);
    assert_true(ok);
    const scrape_job_cfg *job = cfg.scrape_configs.items;
    assert_int_equal(job->scrape_timeout, 18000000000LL);
    assert_int_equal(cfg.max_concurrent_scrapes, 64);
    seen s = {0};
    /* a: cpu, memory, mutex, block, godeltaprof_memory, heapz = 6; b: the same minus mutex, block = 4 */
    assert_int_equal(scrape_targets_discover(job, collect, &s), 10);
    assert_true(has(&s, "process_cpu http://a:6060/svc/debug/pprof/profile?debug=0&seconds=9"));
    assert_true(has(&s, "memory http://a:6060/svc/debug/pprof/allocs?debug=0"));
    assert_true(has(&s, "godeltaprof_memory http://b:6060/svc/debug/pprof/delta_heap?debug=0"));
    assert_true(has(&s, "custom.heapz http://b:6060/svc/heapz?debug=0"));
    assert_false(has(&s, "mutex http://b:6060/svc/debug/pprof/mutex?debug=0"));
    assert_true(has(&s, "mutex http://a:6060/svc/debug/pprof/mutex?debug=0"));
    assert_string_equal(s.services[0], "a:6060/red/app");
    pf_cfg_release(scrape_receiver_cfg_map, &cfg);
}

static void config_errors_are_reported(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *want;
    } cases[] = {
        {"scrape_configs:\n  - job_name: x\n    profiling_config:\n      profile.heapz: {}\n",
         "unknown key profile.heapz"},
        {"scrape_configs:\n  - job_name: x\n    profiling_config:\n      profile.custom.z: {enabled: true}\n",
         "a custom profile needs a path"},
        {"scrape_configs:\n  - job_name: x\n    scrape_interval: 20s\n    scrape_timeout: 10s\n",
         "scrape_timeout must be longer"},
        {"scrape_configs:\n  - job_name: x\n    scrape_interval: 1s\n", "at least 2s"},
        {"scrape_configs:\n  - scrape_interval: 5s\n", "job_name"},
        {"scrape_configs:\n  - job_name: x\n    profiling_config:\n      profile.memory: {frequency: 10}\n",
         "CPU-like profiles (process_cpu, fgprof) only"},
        {"scrape_configs:\n  - job_name: x\n    profiling_config:\n      profile.process_cpu: {frequency: 0}\n",
         "frequency"},
        {"scrape_configs:\n  - job_name: x\n    on_alert:\n      - {frequency: 100}\n", "trigger"},
        {"scrape_configs:\n  - job_name: x\n    on_alert:\n      - {trigger: [a, b], frequency: 100}\n",
         "trigger must be an alert name or a mapping"},
        {"scrape_configs:\n  - job_name: x\n    on_alert:\n      - {trigger: high_cpu}\n", "frequency"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scrape_receiver_cfg cfg;
        pf_cfg_error err = {{0}};
        assert_false(load(cases[i].yaml, &cfg, &err));
        if (!strstr(err.msg, cases[i].want)) fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].want);
        pf_cfg_release(scrape_receiver_cfg_map, &cfg);
    }
}

typedef struct hz_seen {
    char text[4][160];
    size_t n;
} hz_seen;

static void collect_hz(const scrape_target_spec *spec, void *data)
{
    hz_seen *s = data;
    if (strcmp(spec->profile->name, "process_cpu") != 0) return;
    assert_true(s->n < 4);
    snprintf(s->text[s->n++], sizeof(s->text[0]), "%s hz=%g%s", spec->url, spec->hz, spec->hz_error ? " bad" : "");
}

/* frequency → ?seconds= (interval x hz / native_hz, whole seconds, clamped); __profile_hz__ per target. */
static void frequency_sets_the_cpu_window(void **state)
{
    (void)state;
    scrape_receiver_cfg cfg;
    pf_cfg_error err = {{0}};
    bool ok = load(
        "scrape_configs:\n"
        "  - job_name: app\n"
        "    scrape_interval: 60s\n"
        "    scrape_timeout: 70s\n"
        "    static_configs:\n"
        "      - targets: ['prod:1', 'dev:1', 'odd:1']\n"
        "    relabel_configs:\n"
        "      - {source_labels: [__address__], regex: 'dev:1', target_label: __profile_hz__, replacement: '100'}\n"
        "      - {source_labels: [__address__], regex: 'odd:1', target_label: __profile_hz__, replacement: 'fast'}\n"
        "    profiling_config:\n"
        "      profile.process_cpu: {frequency: 16.7}\n"
        "    on_alert:\n"
        "      - {trigger: high_cpu, frequency: 100, duration: 10m}\n"
        "      - {trigger: {severity: page, team: db}, frequency: 49, match_labels: {instance: instance}}\n",
        &cfg, &err);
    if (!ok) fail_msg("%s", err.msg);
    const scrape_job_cfg *job = cfg.scrape_configs.items;
    hz_seen s = {0};
    scrape_targets_discover(job, collect_hz, &s);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.text[0], "http://prod:1/debug/pprof/profile?seconds=10 hz=16.7");
    assert_string_equal(s.text[1], "http://dev:1/debug/pprof/profile?seconds=59 hz=100"); /* clamped */
    assert_string_equal(s.text[2], "http://odd:1/debug/pprof/profile?seconds=10 hz=16.7 bad");
    assert_int_equal(job->on_alert.n, 2);
    const scrape_on_alert_cfg *rules = job->on_alert.items;
    assert_string_equal(pf_strmap_get(&rules[0].trigger, "alertname"), "high_cpu");
    assert_int_equal(rules[0].duration, 600000000000LL);
    assert_string_equal(pf_strmap_get(&rules[1].trigger, "team"), "db");
    assert_int_equal(rules[1].duration, 600000000000LL); /* the default */
    pf_cfg_release(scrape_receiver_cfg_map, &cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targets_from_static_configs),
        cmocka_unit_test(config_errors_are_reported),
        cmocka_unit_test(frequency_sets_the_cpu_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
