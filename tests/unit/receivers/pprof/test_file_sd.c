/* test_file_sd.c — file_sd for the pprof scraper: JSON and YAML target files parse to the same
 * groups; malformed files are refused with a message naming the file and the place; the config
 * checks (files required, globs only in the last element, extensions, refresh_interval default 5m);
 * and __meta_filepath reaching relabeling, so a file's path can become a label. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "receivers/pprof/file_sd.h"
#include "receivers/pprof/targets.h"

static bool parse(const char *path, const char *text, scrape_sd_groups *out, char *err)
{
    return scrape_sd_parse(path, text, strlen(text), out, err, 256);
}

static void expect_two_groups(const scrape_sd_groups *g)
{
    assert_int_equal(g->n, 2);
    assert_int_equal(g->items[0].targets.n, 2);
    assert_string_equal(g->items[0].targets.items[1], "b:6060");
    assert_string_equal(pf_strmap_get(&g->items[0].labels, "env"), "prod");
    assert_int_equal(g->items[1].targets.n, 1);
    assert_int_equal(g->items[1].labels.n, 0);
}

static void json_and_yaml_give_the_same_groups(void **state)
{
    (void)state;
    char err[256] = "";
    scrape_sd_groups j = {0}, y = {0}, empty = {0};
    assert_true(parse("t.json",
                      "[{\"targets\": [\"a:6060\", \"b:6060\"], \"labels\": {\"env\": \"prod\"}},"
                      " {\"targets\": [\"c:1\"]}]",
                      &j, err));
    expect_two_groups(&j);
    assert_true(parse("t.yml", "- targets: [a:6060, b:6060]\n  labels:\n    env: prod\n- targets: ['c:1']\n", &y, err));
    expect_two_groups(&y);
    assert_true(parse("t.yaml", "# nothing yet\n", &empty, err));
    assert_int_equal(empty.n, 0);
    scrape_sd_groups_free(&j);
    scrape_sd_groups_free(&y);
}

static void bad_files_are_refused_with_a_clear_error(void **state)
{
    (void)state;
    static const struct {
        const char *path, *text, *want;
    } cases[] = {
        {"t.json", "[{\"targets\": [\"a:1\"", "t.json:1:"},
        {"t.json", "{\"targets\": []}", "t.json: expected a list of target groups"},
        {"t.json", "[{\"labels\": {}}]", "t.json: [0].targets: expected a list"},
        {"t.json", "[{\"targets\": [1]}]", "[0].targets[0]: expected a non-empty string"},
        {"t.json", "[{\"targets\": [\"a:1\"], \"labels\": {\"1x\": \"v\"}}]", "\"1x\" is not a valid label name"},
        {"t.json", "[{\"targets\": [\"a:1\"], \"labels\": {\"x\": 3}}]", "[0].labels.x: value must be a string"},
        {"t.yml", "- targets: a:1\n", "t.yml:1: [0].targets: expected a list"},
        {"t.yml", "- targets: [a]\n  labels: [x]\n", "[0].labels: expected a mapping"},
        {"t.yml", "targets: [a]\n", "t.yml: expected a list of target groups"},
        {"t.yml", "- targets: [a\n", "t.yml"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        scrape_sd_groups g = {0};
        assert_false(parse(cases[i].path, cases[i].text, &g, err));
        assert_int_equal(g.n, 0);
        if (!strstr(err, cases[i].want)) fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].want);
    }
}

static bool load(const char *yaml, scrape_receiver_cfg *cfg, pf_cfg_error *err)
{
    pf_node *n = pf_yaml_parse(yaml, strlen(yaml), "test.yaml", err);
    assert_non_null(n);
    assert_true(pf_cfg_defaults(scrape_receiver_cfg_map, cfg, err));
    bool ok = pf_cfg_apply(scrape_receiver_cfg_map, n, cfg, "receivers.pprof", err);
    pf_node_free(n);
    return ok;
}

static void config_checks(void **state)
{
    (void)state;
    static const struct {
        const char *files, *want;
    } cases[] = {
        {"[]", "files must list at least one path"},
        {"['/etc/*/t.json']", "a pattern is only allowed in the last path element"},
        {"['/etc/t.txt']", "must end in .json, .yml or .yaml"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *yaml =
            pf_xasprintf("scrape_configs:\n  - job_name: x\n    file_sd_configs:\n      - files: %s\n", cases[i].files);
        scrape_receiver_cfg cfg;
        pf_cfg_error err = {{0}};
        assert_false(load(yaml, &cfg, &err));
        if (!strstr(err.msg, cases[i].want)) fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].want);
        pf_cfg_release(scrape_receiver_cfg_map, &cfg);
        free(yaml);
    }
    scrape_receiver_cfg cfg;
    pf_cfg_error err = {{0}};
    assert_true(load("scrape_configs:\n  - job_name: x\n    file_sd_configs:\n      - files: [sd/*.json, t.yml]\n",
                     &cfg, &err));
    const scrape_job_cfg *job = cfg.scrape_configs.items;
    const scrape_file_sd_cfg *sd = job->file_sd_configs.items;
    assert_int_equal(job->file_sd_configs.n, 1);
    assert_int_equal(sd->files.n, 2);
    assert_true(sd->refresh_interval == 300000000000LL);
    pf_cfg_release(scrape_receiver_cfg_map, &cfg);
}

static void collect_label(const scrape_target_spec *spec, void *data)
{
    snprintf(data, 256, "%s %s", spec->instance,
             pf_labels_get(spec->labels, "from") ? pf_labels_get(spec->labels, "from") : "-");
}

static void meta_filepath_reaches_relabeling(void **state)
{
    (void)state;
    scrape_receiver_cfg cfg;
    pf_cfg_error err = {{0}};
    assert_true(load("scrape_configs:\n  - job_name: x\n    file_sd_configs:\n      - files: [sd/*.json]\n"
                     "    relabel_configs:\n      - {source_labels: [__meta_filepath], target_label: from}\n"
                     "    profiling_config:\n      profile.process_cpu: {enabled: false}\n"
                     "      profile.memory: {enabled: false}\n      profile.mutex: {enabled: false}\n"
                     "      profile.block: {enabled: false}\n",
                     &cfg, &err));
    pf_strlist targets = {0};
    targets.items = (char *[]){"a:1"};
    targets.n = 1;
    pf_strmap labels = {0};
    char got[256] = "";
    assert_int_equal(
        scrape_targets_discover_group(cfg.scrape_configs.items, &targets, &labels, "sd/x.json", collect_label, got), 1);
    assert_string_equal(got, "a:1 sd/x.json");
    pf_cfg_release(scrape_receiver_cfg_map, &cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_and_yaml_give_the_same_groups),
        cmocka_unit_test(bad_files_are_refused_with_a_clear_error),
        cmocka_unit_test(config_checks),
        cmocka_unit_test(meta_filepath_reaches_relabeling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
