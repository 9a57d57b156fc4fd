/* test_loader.c — pf_config_load: ${...} expansion, merging --config files, --set overrides,
 * the embedded fallback and the errors for unreadable/invalid sources. Files go to a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/loader.h"
#include "pipeline/base/xalloc.h"

static char tmpdir[64];

static char *write_file(const char *name, const char *text)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static pf_node *load(const char *const *files, size_t n_files, const char *const *sets, size_t n_sets,
                     pf_cfg_error *err)
{
    pf_config_sources src = {.files = files, .n_files = n_files, .sets = sets, .n_sets = n_sets};
    return pf_config_load(&src, err);
}

static pf_node *load_text(const char *text, pf_cfg_error *err)
{
    char *path = write_file("t.yaml", text);
    const char *files[] = {path};
    pf_node *root = load(files, 1, NULL, 0, err);
    free(path);
    return root;
}

static void load_text_fails(const char *text, const char *expected_suffix)
{
    pf_cfg_error err = {{0}};
    assert_null(load_text(text, &err));
    char *expected = NULL;
    assert_true(asprintf(&expected, "%s/t.yaml:%s", tmpdir, expected_suffix) > 0);
    assert_string_equal(err.msg, expected);
    free(expected);
}

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/pf-config-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    setenv("PF_TEST_PORT", "4317", 1);
    setenv("PF_TEST_HOST", "collector", 1);
    setenv("PF_TEST_LIST", "[debug, otlp]", 1);
    setenv("PF_TEST_EMPTY", "", 1);
    setenv("PF_TEST_MAPPISH", "Bearer: token", 1);
    unsetenv("PF_TEST_UNSET");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

static void test_env_expansion(void **state)
{
    (void)state;
    pf_cfg_error err;
    pf_node *root = load_text("a:\n"
                              "  port: ${env:PF_TEST_PORT}\n"
                              "  quoted_port: \"${env:PF_TEST_PORT}\"\n"
                              "  bare: ${PF_TEST_HOST}\n"
                              "  url: http://${env:PF_TEST_HOST}:${PF_TEST_PORT}/v1\n"
                              "  dflt: ${env:PF_TEST_UNSET:-fallback}\n"
                              "  bare_dflt: ${PF_TEST_UNSET:-7}\n"
                              "  set_but_empty: ${env:PF_TEST_EMPTY:-unused}\n"
                              "  unset: ${env:PF_TEST_UNSET}\n"
                              "  nested: ${env:PF_TEST_UNSET:-${env:PF_TEST_HOST}}\n"
                              "  dollars: pa$$word$${env:PF_TEST_HOST}\n"
                              "  lone: cost $5\n"
                              "  list: ${env:PF_TEST_LIST}\n"
                              "  mappish: ${env:PF_TEST_MAPPISH}\n",
                              &err);
    assert_non_null(root);
    const pf_node *port = pf_node_path(root, "a.port");
    assert_string_equal(port->value, "4317");
    assert_false(port->quoted);
    assert_false(pf_node_path(root, "a.quoted_port")->quoted); /* whole reference: typed by its text */
    assert_string_equal(pf_node_path(root, "a.bare")->value, "collector");
    assert_string_equal(pf_node_path(root, "a.url")->value, "http://collector:4317/v1");
    assert_string_equal(pf_node_path(root, "a.dflt")->value, "fallback");
    assert_string_equal(pf_node_path(root, "a.bare_dflt")->value, "7");
    assert_string_equal(pf_node_path(root, "a.set_but_empty")->value, "");
    const pf_node *unset = pf_node_path(root, "a.unset");
    assert_string_equal(unset->value, "");
    assert_true(unset->is_null);
    assert_string_equal(pf_node_path(root, "a.nested")->value, "collector");
    assert_string_equal(pf_node_path(root, "a.dollars")->value, "pa$word${env:PF_TEST_HOST}");
    assert_string_equal(pf_node_path(root, "a.lone")->value, "cost $5");
    const pf_node *list = pf_node_path(root, "a.list");
    assert_int_equal(list->type, PF_NODE_SEQ);
    assert_int_equal(list->n_children, 2);
    assert_string_equal(list->children[1]->value, "otlp");
    assert_int_equal(list->children[1]->line, 13);
    assert_string_equal(pf_node_path(root, "a.mappish")->value, "Bearer: token");
    pf_node_free(root);
}

static void test_expansion_errors(void **state)
{
    (void)state;
    load_text_fails("a:\n  b: ${foo:bar}\n",
                    "2:3: a.b: unknown expansion scheme \"foo\" in \"${foo:bar}\" (supported: env, file)");
    load_text_fails("a:\n  - x\n  - ${env:1BAD}\n", "3:5: a[1]: invalid environment variable name \"1BAD\"");
    load_text_fails("a: x${env:OPEN\n", "1:1: a: unterminated \"${\" in \"x${env:OPEN\"");
    load_text_fails("a: ${file:/nonexistent/pf-secret}\n",
                    "1:1: a: cannot read \"/nonexistent/pf-secret\" for ${file:...}: No such file or directory");
}

static void test_file_expansion(void **state)
{
    (void)state;
    char *secret = write_file("secret.txt", "s3cr3t\n");
    char *text = NULL;
    assert_true(asprintf(&text, "token: ${file:%s}\nheader: \"Bearer ${file:%s}\"\n", secret, secret) > 0);
    pf_cfg_error err;
    pf_node *root = load_text(text, &err);
    assert_non_null(root);
    assert_string_equal(pf_node_get(root, "token")->value, "s3cr3t");
    assert_string_equal(pf_node_get(root, "header")->value, "Bearer s3cr3t");
    pf_node_free(root);
    free(text);
    free(secret);
}

static void test_merge_files_and_set(void **state)
{
    (void)state;
    char *base = write_file("base.yaml", "processors:\n"
                                         "  batch:\n"
                                         "    timeout: 5s\n"
                                         "    send_batch_size: 100\n"
                                         "service:\n"
                                         "  pipelines:\n"
                                         "    profiles:\n"
                                         "      receivers: [otlp]\n"
                                         "      exporters: [otlp, pyroscope]\n");
    char *over = write_file("over.yaml", "processors:\n"
                                         "  batch:\n"
                                         "    send_batch_size: 200\n"
                                         "  memory_limiter: {}\n"
                                         "service:\n"
                                         "  pipelines:\n"
                                         "    profiles:\n"
                                         "      exporters: [parca]\n");
    const char *files[] = {base, over};
    const char *sets[] = {"processors.batch.timeout=1s", "service.pipelines.profiles.exporters=[debug]",
                          "service.telemetry.logs.level=debug"};
    pf_cfg_error err;
    pf_node *root = load(files, 2, NULL, 0, &err);
    assert_non_null(root);
    const pf_node *size = pf_node_path(root, "processors.batch.send_batch_size");
    assert_string_equal(size->value, "200");
    assert_string_equal(size->file, over);
    assert_int_equal(size->line, 3);
    const pf_node *timeout = pf_node_path(root, "processors.batch.timeout");
    assert_string_equal(timeout->value, "5s");
    assert_string_equal(timeout->file, base);
    assert_non_null(pf_node_path(root, "processors.memory_limiter"));
    const pf_node *exporters = pf_node_path(root, "service.pipelines.profiles.exporters");
    assert_int_equal(exporters->n_children, 1); /* sequences are replaced, not appended */
    assert_string_equal(exporters->children[0]->value, "parca");
    assert_string_equal(pf_node_path(root, "service.pipelines.profiles.receivers")->children[0]->value, "otlp");
    pf_node_free(root);

    root = load(files, 2, sets, 3, &err);
    assert_non_null(root);
    timeout = pf_node_path(root, "processors.batch.timeout");
    assert_string_equal(timeout->value, "1s");
    assert_string_equal(timeout->file, "<--set>");
    assert_int_equal(timeout->line, 1);
    assert_int_equal(timeout->col, 1);
    assert_string_equal(pf_node_path(root, "processors.batch.send_batch_size")->value, "200");
    exporters = pf_node_path(root, "service.pipelines.profiles.exporters");
    assert_int_equal(exporters->type, PF_NODE_SEQ);
    assert_int_equal(exporters->n_children, 1);
    assert_string_equal(exporters->children[0]->value, "debug");
    assert_int_equal(exporters->children[0]->col, 2);
    const pf_node *level = pf_node_path(root, "service.telemetry.logs.level");
    assert_string_equal(level->value, "debug");
    assert_int_equal(level->col, 3);
    pf_node_free(root);
    free(base);
    free(over);
}

static void test_fallback_and_set_only(void **state)
{
    (void)state;
    const char *sets[] = {"a.b=${env:PF_TEST_PORT}", "a.c=", "a.d='quoted'"};
    pf_config_sources src = {.sets = sets, .n_sets = 3, .fallback_yaml = "a:\n  b: 1\n  keep: yes\n"};
    pf_cfg_error err;
    pf_node *root = pf_config_load(&src, &err);
    assert_non_null(root);
    const pf_node *b = pf_node_path(root, "a.b");
    assert_string_equal(b->value, "4317");
    assert_true(pf_node_path(root, "a.c")->is_null);
    assert_true(pf_node_path(root, "a.d")->quoted);
    assert_string_equal(pf_node_path(root, "a.keep")->file, "<default>");
    pf_node_free(root);

    pf_config_sources empty = {0};
    root = pf_config_load(&empty, &err);
    assert_non_null(root);
    assert_int_equal(root->type, PF_NODE_MAP);
    assert_int_equal(root->n_children, 0);
    pf_node_free(root);
}

static void test_set_errors(void **state)
{
    (void)state;
    pf_cfg_error err;
    const char *no_eq[] = {"a.b=1", "a.b"};
    assert_null(load(NULL, 0, no_eq, 2, &err));
    assert_string_equal(err.msg, "<--set>:1:2: invalid --set \"a.b\": expected key.path=value");
    const char *empty_segment[] = {"a..b=1"};
    assert_null(load(NULL, 0, empty_segment, 1, &err));
    assert_string_equal(err.msg, "<--set>:1:1: invalid --set \"a..b=1\": expected key.path=value");
    const char *bad_yaml[] = {"a=[1"};
    assert_null(load(NULL, 0, bad_yaml, 1, &err));
    assert_string_equal(err.msg, "<--set>:1:1: invalid --set \"a=[1\": did not find expected ',' or ']' "
                                 "(while parsing a flow sequence at line 1)");
    const char *bad_scheme[] = {"a.b=${nope:x}"};
    assert_null(load(NULL, 0, bad_scheme, 1, &err));
    assert_string_equal(err.msg,
                        "<--set>:1:1: a.b: unknown expansion scheme \"nope\" in \"${nope:x}\" (supported: env, file)");

    /* A key path nests one mapping per segment around its value: with the value's own nesting, no
     * deeper than a config file may (256), or print-config would write YAML the loader refuses. */
    pf_buf deep = {0};
    for (int i = 0; i < 255; i++) pf_buf_puts(&deep, "k.");
    pf_buf_puts(&deep, "k=1"); /* 256 segments */
    const char *at_limit[] = {deep.data};
    pf_node *root = load(NULL, 0, at_limit, 1, &err);
    assert_non_null(root);
    pf_node_free(root);
    pf_buf_reset(&deep);
    for (int i = 0; i < 255; i++) pf_buf_puts(&deep, "k.");
    pf_buf_puts(&deep, "k=[1]"); /* 256 segments around a sequence */
    const char *over[] = {deep.data};
    assert_null(load(NULL, 0, over, 1, &err));
    assert_non_null(strstr(err.msg, "the key path and value nest deeper than 256 levels"));
    pf_buf_free(&deep);
}

static void test_source_errors(void **state)
{
    (void)state;
    pf_cfg_error err;
    const char *missing[] = {"/nonexistent/proflow.yaml"};
    assert_null(load(missing, 1, NULL, 0, &err));
    assert_string_equal(err.msg, "/nonexistent/proflow.yaml:1:1: cannot read config file: No such file or directory");
    const char *dir[] = {"/tmp"};
    assert_null(load(dir, 1, NULL, 0, &err));
    assert_string_equal(err.msg, "/tmp:1:1: cannot read config file: Is a directory");
    load_text_fails("a: 1\n  b: 2\n", "2:4: mapping values are not allowed in this context");
    load_text_fails("- a\n- b\n", "1:1: the top level must be a mapping, got a sequence");
    load_text_fails("a: 1\na: 2\n", "2:1: duplicate key \"a\" (first defined on line 1)");

    pf_node *root = load_text("", &err); /* an empty file is an empty mapping */
    assert_non_null(root);
    assert_int_equal(root->type, PF_NODE_MAP);
    pf_node_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_expansion),         cmocka_unit_test(test_expansion_errors),
        cmocka_unit_test(test_file_expansion),        cmocka_unit_test(test_merge_files_and_set),
        cmocka_unit_test(test_fallback_and_set_only), cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_source_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
