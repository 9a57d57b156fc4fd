/* test_config_map.c — config_map tables: defaults (nested sections, section lists), applying YAML,
 * every error class with its exact message, presence flags, CUSTOM entries, the scalar parsers, the
 * Markdown reference, and release (leaks are caught by ASan in the sanitizer build). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config_map.h"
#include "config/loader.h"
#include "pipeline/base/xalloc.h"

typedef struct tls_cfg {
    char *ca_file;
    bool insecure;
} tls_cfg;

typedef struct grpc_cfg {
    char *endpoint;
    int64_t max_recv;
    tls_cfg tls;
} grpc_cfg;

typedef struct label_pair { /* CUSTOM: "name=value" */
    char *name;
    char *value;
} label_pair;

typedef struct scrape_cfg {
    char *job_name;
    int64_t interval;
    pf_strlist targets;
} scrape_cfg;

typedef struct test_cfg {
    char *endpoint;
    char *encoding;
    int64_t workers;
    bool enabled;
    double ratio;
    int64_t timeout;
    int64_t max_size;
    pf_strlist tags;
    pf_strmap headers;
    grpc_cfg grpc;
    bool grpc_present;
    pf_list scrapes;
    label_pair label;
} test_cfg;

static bool parse_label(const pf_cfg_entry *e, const pf_node *node, void *field, const char *path, pf_cfg_error *err)
{
    (void)e;
    label_pair *l = field;
    const char *eq = node->type == PF_NODE_SCALAR ? strchr(node->value, '=') : NULL;
    if (!eq) {
        pf_cfg_errorf(err, node, path, "expected name=value");
        return false;
    }
    l->name = pf_xstrndup(node->value, (size_t)(eq - node->value));
    l->value = pf_xstrdup(eq + 1);
    return true;
}

static void release_label(const pf_cfg_entry *e, void *field)
{
    (void)e;
    label_pair *l = field;
    free(l->name);
    free(l->value);
    l->name = l->value = NULL;
}

static bool check_tls(void *section, const pf_node *node, const char *path, pf_cfg_error *err)
{
    const tls_cfg *tls = section;
    if (tls->insecure && tls->ca_file) {
        pf_cfg_errorf(err, node, path, "ca_file cannot be used with insecure");
        return false;
    }
    return true;
}

static const char *const encodings[] = {"proto", "json", NULL};

static const pf_cfg_entry tls_map[] = {
    {PF_CFG_STRING, "ca_file", NULL, offsetof(tls_cfg, ca_file), "CA certificate file", .flags = 0},
    {PF_CFG_BOOL, "insecure", "false", offsetof(tls_cfg, insecure), "Plain text", .flags = 0},
    PF_CFG_END,
};

static const pf_cfg_entry grpc_map[] = {
    {PF_CFG_STRING, "endpoint", "0.0.0.0:4317", offsetof(grpc_cfg, endpoint), "Listen address", .flags = 0},
    {PF_CFG_SIZE, "max_recv_msg_size", "4MiB", offsetof(grpc_cfg, max_recv), "Largest message", .min = 1024,
     .max = 1 << 30},
    {PF_CFG_SECTION, "tls", NULL, offsetof(grpc_cfg, tls), "TLS settings", .sub = tls_map, .check = check_tls},
    PF_CFG_END,
};

static const pf_cfg_entry scrape_map[] = {
    {PF_CFG_STRING, "job_name", NULL, offsetof(scrape_cfg, job_name), "Job label", .flags = PF_CFG_REQUIRED},
    {PF_CFG_DURATION, "scrape_interval", "10s", offsetof(scrape_cfg, interval), "How often", .min = 1e9, .max = 3600e9},
    {PF_CFG_STRING_LIST, "targets", "[localhost:6060]", offsetof(scrape_cfg, targets), "host:port list", .flags = 0},
    PF_CFG_END,
};

static const pf_cfg_entry test_map[] = {
    {PF_CFG_STRING, "endpoint", NULL, offsetof(test_cfg, endpoint), "Server URL", .flags = PF_CFG_REQUIRED},
    {PF_CFG_STRING, "encoding", "proto", offsetof(test_cfg, encoding), "Body | encoding", .choices = encodings},
    {PF_CFG_INT, "workers", "4", offsetof(test_cfg, workers), "Parallel senders", .min = 1, .max = 1000},
    {PF_CFG_BOOL, "enabled", "true", offsetof(test_cfg, enabled), "Turns it on", .flags = 0},
    {PF_CFG_DOUBLE, "ratio", "0.5", offsetof(test_cfg, ratio), "Sampling ratio", .min = 0, .max = 1},
    {PF_CFG_DURATION, "timeout", "5s", offsetof(test_cfg, timeout), "Per request", .flags = 0},
    {PF_CFG_SIZE, "max_size", "20MiB", offsetof(test_cfg, max_size), "Body limit", .flags = 0},
    {PF_CFG_STRING_LIST, "tags", NULL, offsetof(test_cfg, tags), "Tags", .flags = 0},
    {PF_CFG_STRING_MAP, "headers", NULL, offsetof(test_cfg, headers), "Extra headers", .flags = PF_CFG_SECRET},
    {PF_CFG_SECTION, "grpc", NULL, offsetof(test_cfg, grpc), "gRPC server", .sub = grpc_map, .flags = PF_CFG_PRESENCE,
     .presence_offset = offsetof(test_cfg, grpc_present)},
    {PF_CFG_SECTION_LIST, "scrape_configs", NULL, offsetof(test_cfg, scrapes), "Scrape jobs", .sub = scrape_map,
     .elem_size = sizeof(scrape_cfg)},
    {PF_CFG_CUSTOM, "label", "env=prod", offsetof(test_cfg, label), "Extra label", .parse = parse_label,
     .release = release_label, .type_name = "name=value"},
    PF_CFG_END,
};

static pf_node *parse(const char *text)
{
    pf_cfg_error err;
    pf_node *n = pf_yaml_parse(text, strlen(text), "t.yaml", &err);
    if (!n) fail_msg("%s", err.msg);
    return n;
}

/* Applies `text` over defaults; returns whether it succeeded, releasing everything either way. */
static bool apply_text(const char *text, test_cfg *out_copy, pf_cfg_error *err)
{
    test_cfg cfg = {0};
    assert_true(pf_cfg_defaults(test_map, &cfg, err));
    pf_node *root = parse(text);
    bool ok = pf_cfg_apply(test_map, root, &cfg, "exporters.x", err);
    pf_node_free(root);
    if (out_copy)
        *out_copy = cfg;
    else
        pf_cfg_release(test_map, &cfg);
    return ok;
}

static void apply_fails(const char *text, const char *expected)
{
    pf_cfg_error err = {{0}};
    assert_false(apply_text(text, NULL, &err));
    assert_string_equal(err.msg, expected);
}

static void test_defaults(void **state)
{
    (void)state;
    test_cfg cfg;
    memset(&cfg, 0xab, sizeof(cfg)); /* defaults must not depend on prior contents */
    memset(&cfg.label, 0, sizeof(cfg.label));
    pf_cfg_error err;
    assert_true(pf_cfg_defaults(test_map, &cfg, &err));
    assert_null(cfg.endpoint);
    assert_string_equal(cfg.encoding, "proto");
    assert_int_equal(cfg.workers, 4);
    assert_true(cfg.enabled);
    assert_true(cfg.ratio == 0.5);
    assert_int_equal(cfg.timeout, 5000000000);
    assert_int_equal(cfg.max_size, 20 << 20);
    assert_int_equal(cfg.tags.n, 0);
    assert_int_equal(cfg.headers.n, 0);
    assert_string_equal(cfg.grpc.endpoint, "0.0.0.0:4317");
    assert_int_equal(cfg.grpc.max_recv, 4 << 20);
    assert_null(cfg.grpc.tls.ca_file);
    assert_false(cfg.grpc.tls.insecure);
    assert_false(cfg.grpc_present);
    assert_int_equal(cfg.scrapes.n, 0);
    assert_string_equal(cfg.label.name, "env");
    assert_string_equal(cfg.label.value, "prod");
    pf_cfg_release(test_map, &cfg);
    assert_null(cfg.encoding);
    assert_null(cfg.grpc.endpoint);
}

static void test_apply_everything(void **state)
{
    (void)state;
    test_cfg cfg;
    pf_cfg_error err;
    bool ok = apply_text("endpoint: https://pyroscope:4040\n"
                         "encoding: json\n"
                         "workers: 0x10\n"
                         "enabled: False\n"
                         "ratio: 0.25\n"
                         "timeout: 1h2m3.5s\n"
                         "max_size: 1048576\n"
                         "tags: single\n"
                         "headers:\n"
                         "  X-Scope-OrgID: tenant\n"
                         "  X-Empty:\n"
                         "grpc:\n"
                         "  max_recv_msg_size: 64KB\n"
                         "  tls:\n"
                         "    ca_file: /ca.pem\n"
                         "scrape_configs:\n"
                         "  - job_name: a\n"
                         "  - job_name: b\n"
                         "    scrape_interval: 1m\n"
                         "    targets: [x:1, y:2]\n"
                         "label: team=profiling\n",
                         &cfg, &err);
    if (!ok) fail_msg("%s", err.msg);
    assert_string_equal(cfg.endpoint, "https://pyroscope:4040");
    assert_string_equal(cfg.encoding, "json");
    assert_int_equal(cfg.workers, 16);
    assert_false(cfg.enabled);
    assert_true(cfg.ratio == 0.25);
    assert_int_equal(cfg.timeout, 3723500000000);
    assert_int_equal(cfg.max_size, 1048576);
    assert_int_equal(cfg.tags.n, 1);
    assert_string_equal(cfg.tags.items[0], "single");
    assert_int_equal(cfg.headers.n, 2);
    assert_string_equal(pf_strmap_get(&cfg.headers, "X-Scope-OrgID"), "tenant");
    assert_string_equal(pf_strmap_get(&cfg.headers, "X-Empty"), "");
    assert_null(pf_strmap_get(&cfg.headers, "missing"));
    assert_true(cfg.grpc_present);
    assert_string_equal(cfg.grpc.endpoint, "0.0.0.0:4317"); /* untouched keys keep defaults */
    assert_int_equal(cfg.grpc.max_recv, 65536);
    assert_string_equal(cfg.grpc.tls.ca_file, "/ca.pem");
    assert_int_equal(cfg.scrapes.n, 2);
    scrape_cfg *jobs = cfg.scrapes.items;
    assert_string_equal(jobs[0].job_name, "a");
    assert_int_equal(jobs[0].interval, 10000000000); /* each element starts from defaults */
    assert_int_equal(jobs[0].targets.n, 1);
    assert_string_equal(jobs[0].targets.items[0], "localhost:6060");
    assert_string_equal(jobs[1].job_name, "b");
    assert_int_equal(jobs[1].interval, 60000000000);
    assert_int_equal(jobs[1].targets.n, 2);
    assert_string_equal(jobs[1].targets.items[1], "y:2");
    assert_string_equal(cfg.label.name, "team");
    assert_string_equal(cfg.label.value, "profiling");
    pf_cfg_release(test_map, &cfg);
}

static void test_null_values_keep_defaults_and_mark_presence(void **state)
{
    (void)state;
    test_cfg cfg;
    pf_cfg_error err;
    assert_true(apply_text("endpoint: x\nencoding:\ngrpc:\nworkers: ~\n", &cfg, &err));
    assert_string_equal(cfg.encoding, "proto");
    assert_int_equal(cfg.workers, 4);
    assert_true(cfg.grpc_present);
    assert_string_equal(cfg.grpc.endpoint, "0.0.0.0:4317");
    pf_cfg_release(test_map, &cfg);

    assert_true(apply_text("endpoint: x\n", &cfg, &err));
    assert_false(cfg.grpc_present);
    pf_cfg_release(test_map, &cfg);
}

static void test_error_messages(void **state)
{
    (void)state;
    apply_fails("endpoint: x\ntimeout: 5x\n", "t.yaml:2:1: exporters.x.timeout: \"5x\" is not a duration");
    apply_fails("endpoint: x\ntimeout: 5\n", "t.yaml:2:1: exporters.x.timeout: \"5\" is not a duration");
    apply_fails("endpoint: x\ngrpc:\n  endpointt: y\n",
                "t.yaml:3:3: exporters.x.grpc.endpointt: unknown key (did you mean \"endpoint\"?)");
    apply_fails("endpoint: x\nzzz: 1\n", "t.yaml:2:1: exporters.x.zzz: unknown key");
    apply_fails("endpoint: x\ngrpc: [a]\n", "t.yaml:2:1: exporters.x.grpc: expected a mapping, got a sequence");
    apply_fails("endpoint: x\ngrpc: on\n", "t.yaml:2:1: exporters.x.grpc: expected a mapping, got a scalar");
    apply_fails("endpoint: [x]\n", "t.yaml:1:1: exporters.x.endpoint: expected a scalar, got a sequence");
    apply_fails("encoding: json\n", "t.yaml:1:1: exporters.x: missing required key \"endpoint\"");
    apply_fails("endpoint:\n", "t.yaml:1:1: exporters.x.endpoint: a value is required");
    apply_fails("endpoint: x\nencoding: 7\n", "t.yaml:2:1: exporters.x.encoding: \"7\" is not one of: proto, json");
    apply_fails("endpoint: x\nworkers: 2000000\n",
                "t.yaml:2:1: exporters.x.workers: 2000000 is above the maximum 1000");
    apply_fails("endpoint: x\nworkers: 0\n", "t.yaml:2:1: exporters.x.workers: 0 is below the minimum 1");
    apply_fails("endpoint: x\nworkers: 1.5\n", "t.yaml:2:1: exporters.x.workers: \"1.5\" is not an integer");
    apply_fails("endpoint: x\nenabled: yes\n",
                "t.yaml:2:1: exporters.x.enabled: \"yes\" is not a boolean (true or false)");
    apply_fails("endpoint: x\nratio: 1.5\n", "t.yaml:2:1: exporters.x.ratio: 1.5 is above the maximum 1");
    apply_fails("endpoint: x\nratio: half\n", "t.yaml:2:1: exporters.x.ratio: \"half\" is not a number");
    apply_fails("endpoint: x\nmax_size: 20XB\n", "t.yaml:2:1: exporters.x.max_size: \"20XB\" is not a size");
    apply_fails("endpoint: x\ngrpc:\n  max_recv_msg_size: 2GiB\n",
                "t.yaml:3:3: exporters.x.grpc.max_recv_msg_size: 2GiB is above the maximum 1073741824");
    apply_fails("endpoint: x\ntags: [a, {b: c}]\n",
                "t.yaml:2:11: exporters.x.tags[1]: expected a scalar, got a mapping");
    apply_fails("endpoint: x\nheaders: [a]\n", "t.yaml:2:1: exporters.x.headers: expected a mapping, got a sequence");
    apply_fails("endpoint: x\nheaders:\n  a: [b]\n",
                "t.yaml:3:3: exporters.x.headers.a: expected a scalar, got a sequence");
    apply_fails("endpoint: x\nscrape_configs:\n  - targets: [a]\n",
                "t.yaml:3:5: exporters.x.scrape_configs[0]: missing required key \"job_name\"");
    apply_fails("endpoint: x\nscrape_configs:\n  - job_name: a\n  - b\n",
                "t.yaml:4:5: exporters.x.scrape_configs[1]: expected a mapping, got a scalar");
    apply_fails("endpoint: x\nscrape_configs:\n  job_name: a\n",
                "t.yaml:2:1: exporters.x.scrape_configs: expected a sequence, got a mapping");
    apply_fails("endpoint: x\nscrape_configs:\n  - job_name: a\n    scrape_interval: 2h\n",
                "t.yaml:4:5: exporters.x.scrape_configs[0].scrape_interval: 2h is above the maximum 1h0m0s");
    apply_fails("endpoint: x\ngrpc:\n  tls:\n    insecure: true\n    ca_file: /ca\n",
                "t.yaml:3:3: exporters.x.grpc.tls: ca_file cannot be used with insecure");
    apply_fails("endpoint: x\nlabel: nope\n", "t.yaml:2:1: exporters.x.label: expected name=value");
}

static void test_top_level_path_and_null_node(void **state)
{
    (void)state;
    test_cfg cfg = {0};
    pf_cfg_error err;
    assert_true(pf_cfg_defaults(test_map, &cfg, &err));
    assert_false(pf_cfg_apply(test_map, NULL, &cfg, NULL, &err));
    assert_string_equal(err.msg, "missing required key \"endpoint\"");
    pf_cfg_release(test_map, &cfg);

    static const pf_cfg_entry optional_map[] = {
        {PF_CFG_SECTION, "grpc", NULL, 0, "gRPC", .sub = grpc_map},
        PF_CFG_END,
    };
    grpc_cfg g;
    assert_true(pf_cfg_defaults(optional_map, &g, &err));
    pf_node *root = parse("grpc:\n  endpoint: ${env:X}\n");
    assert_true(pf_cfg_apply(optional_map, root, &g, "", &err));
    assert_string_equal(g.endpoint, "${env:X}"); /* pf_yaml_parse alone does not expand */
    pf_node_free(root);
    pf_cfg_release(optional_map, &g);
}

static void test_bad_default_is_reported(void **state)
{
    (void)state;
    static const pf_cfg_entry bad_sub[] = {
        {PF_CFG_DURATION, "timeout", "10", 0, "oops", .flags = 0},
        PF_CFG_END,
    };
    static const pf_cfg_entry bad_map[] = {
        {PF_CFG_SECTION, "grpc", NULL, 0, "gRPC", .sub = bad_sub},
        PF_CFG_END,
    };
    int64_t timeout;
    pf_cfg_error err;
    assert_false(pf_cfg_defaults(bad_map, &timeout, &err));
    assert_string_equal(err.msg, "<default>:1:1: grpc.timeout: \"10\" is not a duration");
}

static void test_expanded_values_take_their_type(void **state)
{
    (void)state;
    setenv("PF_TEST_WORKERS", "8", 1);
    setenv("PF_TEST_TAGS", "[a, b]", 1);
    unsetenv("PF_TEST_UNSET");
    pf_config_sources src = {.fallback_yaml = "x:\n"
                                              "  endpoint: http://h:${env:PF_TEST_WORKERS}\n"
                                              "  workers: \"${env:PF_TEST_WORKERS}\"\n"
                                              "  tags: ${env:PF_TEST_TAGS}\n"
                                              "  timeout: ${env:PF_TEST_UNSET}\n"};
    pf_cfg_error err;
    pf_node *root = pf_config_load(&src, &err);
    assert_non_null(root);
    test_cfg cfg = {0};
    assert_true(pf_cfg_defaults(test_map, &cfg, &err));
    if (!pf_cfg_apply(test_map, pf_node_get(root, "x"), &cfg, "x", &err)) fail_msg("%s", err.msg);
    assert_string_equal(cfg.endpoint, "http://h:8");
    assert_int_equal(cfg.workers, 8);
    assert_int_equal(cfg.tags.n, 2);
    assert_string_equal(cfg.tags.items[1], "b");
    assert_int_equal(cfg.timeout, 5000000000); /* unset variable: null, so the default stays */
    pf_cfg_release(test_map, &cfg);
    pf_node_free(root);
}

static void test_durations(void **state)
{
    (void)state;
    int64_t ns;
    struct {
        const char *text;
        int64_t ns;
    } good[] = {{"0", 0},
                {"1h2m3.5s", 3723500000000},
                {"200ms", 200000000},
                {"1us", 1000},
                {"1\xc2\xb5s", 1000},
                {"1.5h", 5400000000000},
                {"-1s", -1000000000},
                {"+5m", 300000000000},
                {".5s", 500000000},
                {"1ns", 1},
                {"2562047h", 2562047 * 3600000000000}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(pf_parse_duration(good[i].text, &ns));
        assert_int_equal(ns, good[i].ns);
    }
    const char *bad[] = {"", "5", "1x", "s", "1.2.3s", "9999999999h", "-", "1s ", " 1s", "00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) assert_false(pf_parse_duration(bad[i], &ns));
}

static void test_sizes_bools_ints(void **state)
{
    (void)state;
    int64_t v;
    assert_true(pf_parse_size("512B", &v));
    assert_int_equal(v, 512);
    assert_true(pf_parse_size("64KB", &v));
    assert_int_equal(v, 65536);
    assert_true(pf_parse_size("20MiB", &v));
    assert_int_equal(v, 20971520);
    assert_true(pf_parse_size("1GiB", &v));
    assert_int_equal(v, 1073741824);
    assert_true(pf_parse_size("1.5 KiB", &v));
    assert_int_equal(v, 1536);
    assert_true(pf_parse_size("1048576", &v));
    assert_int_equal(v, 1048576);
    assert_false(pf_parse_size("-1", &v));
    assert_false(pf_parse_size("1.5", &v));
    assert_false(pf_parse_size("MiB", &v));
    assert_false(pf_parse_size("99999999999TiB", &v));
    bool b;
    assert_true(pf_parse_bool("TRUE", &b) && b);
    assert_true(pf_parse_bool("False", &b) && !b);
    assert_false(pf_parse_bool("yes", &b));
    assert_false(pf_parse_bool("1", &b));
    assert_true(pf_parse_int("-42", &v));
    assert_int_equal(v, -42);
    assert_true(pf_parse_int("0o17", &v));
    assert_int_equal(v, 15);
    assert_true(pf_parse_int("0xff", &v));
    assert_int_equal(v, 255);
    assert_false(pf_parse_int("", &v));
    assert_false(pf_parse_int("12a", &v));
    assert_false(pf_parse_int("99999999999999999999", &v));
    assert_false(pf_parse_int("0x", &v));
}

static void test_reference(void **state)
{
    (void)state;
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    pf_cfg_print_reference(test_map, f, "exporters.x");
    fclose(f);
    const char *expected =
        "| `exporters.x.endpoint` | string | required | Server URL |\n"
        "| `exporters.x.encoding` | string (one of: proto, json) | `proto` | Body \\| encoding |\n"
        "| `exporters.x.workers` | int | `4` | Parallel senders (1 to 1000) |\n"
        "| `exporters.x.enabled` | bool | `true` | Turns it on |\n"
        "| `exporters.x.ratio` | double | `0.5` | Sampling ratio (0 to 1) |\n"
        "| `exporters.x.timeout` | duration | `5s` | Per request |\n"
        "| `exporters.x.max_size` | size | `20MiB` | Body limit |\n"
        "| `exporters.x.tags` | string list |  | Tags |\n"
        "| `exporters.x.headers` | string map |  | Extra headers |\n"
        "| `exporters.x.grpc` | section |  | gRPC server |\n"
        "| `exporters.x.grpc.endpoint` | string | `0.0.0.0:4317` | Listen address |\n"
        "| `exporters.x.grpc.max_recv_msg_size` | size | `4MiB` | Largest message (1024 to 1073741824) |\n"
        "| `exporters.x.grpc.tls` | section |  | TLS settings |\n"
        "| `exporters.x.grpc.tls.ca_file` | string |  | CA certificate file |\n"
        "| `exporters.x.grpc.tls.insecure` | bool | `false` | Plain text |\n"
        "| `exporters.x.scrape_configs[]` | section list |  | Scrape jobs |\n"
        "| `exporters.x.scrape_configs[].job_name` | string | required | Job label |\n"
        "| `exporters.x.scrape_configs[].scrape_interval` | duration | `10s` | How often (1s to 1h0m0s) |\n"
        "| `exporters.x.scrape_configs[].targets` | string list | `[localhost:6060]` | host:port list |\n"
        "| `exporters.x.label` | name=value | `env=prod` | Extra label |\n";
    assert_string_equal(data, expected);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_apply_everything),
        cmocka_unit_test(test_null_values_keep_defaults_and_mark_presence),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_top_level_path_and_null_node),
        cmocka_unit_test(test_bad_default_is_reported),
        cmocka_unit_test(test_expanded_values_take_their_type),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_sizes_bools_ints),
        cmocka_unit_test(test_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
