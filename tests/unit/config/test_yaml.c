/* test_yaml.c — pf_yaml_parse (positions, duplicates, anchors, merge keys, errors) and
 * pf_node_print_yaml round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/loader.h"
#include "pipeline/base/xalloc.h"

static pf_node *parse(const char *text, pf_cfg_error *err) { return pf_yaml_parse(text, strlen(text), "t.yaml", err); }

static void parse_fails(const char *text, const char *expected)
{
    pf_cfg_error err = {{0}};
    pf_node *n = parse(text, &err);
    assert_null(n);
    assert_string_equal(err.msg, expected);
}

static void test_positions_and_types(void **state)
{
    (void)state;
    pf_cfg_error err;
    pf_node *root = parse("receivers:\n"
                          "  otlp:\n"
                          "    endpoint: \"0.0.0.0:4317\"\n"
                          "    enabled: true\n"
                          "    quoted: 'true'\n"
                          "    empty:\n"
                          "    tilde: ~\n"
                          "    list: [a, 'b']\n"
                          "    block: |\n"
                          "      line\n",
                          &err);
    assert_non_null(root);
    assert_int_equal(root->type, PF_NODE_MAP);
    assert_string_equal(root->file, "t.yaml");
    const pf_node *ep = pf_node_path(root, "receivers.otlp.endpoint");
    assert_non_null(ep);
    assert_string_equal(ep->key, "endpoint");
    assert_string_equal(ep->value, "0.0.0.0:4317");
    assert_true(ep->quoted);
    assert_int_equal(ep->line, 3);
    assert_int_equal(ep->col, 5);
    const pf_node *otlp = pf_node_path(root, "receivers.otlp");
    assert_int_equal(otlp->line, 2);
    assert_int_equal(otlp->col, 3);
    assert_int_equal(otlp->n_children, 7);
    const pf_node *enabled = pf_node_get(otlp, "enabled");
    assert_false(enabled->quoted);
    assert_false(enabled->is_null);
    assert_true(pf_node_get(otlp, "quoted")->quoted);
    assert_true(pf_node_get(otlp, "empty")->is_null);
    assert_true(pf_node_get(otlp, "tilde")->is_null);
    const pf_node *list = pf_node_get(otlp, "list");
    assert_int_equal(list->type, PF_NODE_SEQ);
    assert_int_equal(list->n_children, 2);
    assert_null(list->children[0]->key);
    assert_string_equal(list->children[1]->value, "b");
    assert_int_equal(list->children[1]->line, 8);
    assert_int_equal(list->children[1]->col, 15);
    const pf_node *block = pf_node_get(otlp, "block");
    assert_string_equal(block->value, "line\n");
    assert_true(block->quoted);
    assert_null(pf_node_path(root, "receivers.missing"));
    assert_null(pf_node_path(root, "receivers.otlp.endpoint.deeper"));
    assert_ptr_equal(pf_node_path(root, ""), root);
    pf_node_free(root);
}

static void test_duplicate_key(void **state)
{
    (void)state;
    parse_fails("a: 1\nb:\n  c: 1\n  c: 2\n", "t.yaml:4:3: duplicate key \"c\" (first defined on line 3)");
    parse_fails("a: 1\na: 2\n", "t.yaml:2:1: duplicate key \"a\" (first defined on line 1)");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    parse_fails("a: [1, 2\n", "t.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence at line 1)");
    parse_fails("a: b: c\n", "t.yaml:1:5: mapping values are not allowed in this context");
    parse_fails("a: *nope\n", "t.yaml:1:4: unknown anchor \"nope\"");
    parse_fails("? [a]\n: b\n", "t.yaml:1:3: mapping keys must be scalars");
    parse_fails("a: 1\n---\nb: 2\n", "t.yaml:2:1: only one YAML document per file is supported");
}

static void test_anchors_are_copied(void **state)
{
    (void)state;
    pf_cfg_error err;
    pf_node *root = parse("base: &b\n"
                          "  endpoint: x\n"
                          "  tls: {insecure: true}\n"
                          "one: *b\n"
                          "two:\n"
                          "  <<: *b\n"
                          "  endpoint: y\n"
                          "scalar: &s hello\n"
                          "again: *s\n"
                          "&k named: 1\n"
                          "ref: *k\n",
                          &err);
    assert_non_null(root);
    const pf_node *one = pf_node_get(root, "one");
    assert_int_equal(one->type, PF_NODE_MAP);
    assert_string_equal(one->key, "one");
    assert_int_equal(one->line, 4);
    assert_string_equal(pf_node_path(root, "one.endpoint")->value, "x");
    assert_string_equal(pf_node_path(root, "one.tls.insecure")->value, "true");
    assert_ptr_not_equal(pf_node_get(one, "tls"), pf_node_path(root, "base.tls"));
    const pf_node *two = pf_node_get(root, "two");
    assert_int_equal(two->n_children, 2);
    assert_string_equal(pf_node_get(two, "endpoint")->value, "y"); /* explicit key beats the merge */
    assert_string_equal(pf_node_path(root, "two.tls.insecure")->value, "true");
    assert_null(pf_node_get(two, "<<"));
    assert_string_equal(pf_node_get(root, "again")->value, "hello");
    assert_string_equal(pf_node_get(root, "ref")->value, "named"); /* an anchored key */
    pf_node_free(root);
}

static void test_alias_bomb_is_refused(void **state)
{
    (void)state;
    pf_buf text = {0};
    pf_buf_puts(&text, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 9; i++)
        pf_buf_printf(&text, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i - 1,
                      i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    pf_cfg_error err;
    pf_node *n = parse(text.data, &err);
    assert_null(n);
    assert_non_null(strstr(err.msg, "document too large"));
    pf_buf_free(&text);
}

static void test_too_deep_is_refused(void **state)
{
    (void)state;
    char text[1200];
    memset(text, '[', 1000);
    text[1000] = '\0';
    pf_cfg_error err;
    assert_null(parse(text, &err));
    assert_string_equal(err.msg, "t.yaml:1:257: nesting deeper than 256 levels");
}

static void test_empty_document_is_null(void **state)
{
    (void)state;
    pf_cfg_error err;
    pf_node *n = parse("# only a comment\n", &err);
    assert_non_null(n);
    assert_int_equal(n->type, PF_NODE_SCALAR);
    assert_true(n->is_null);
    pf_node_free(n);
}

static char *print_to_string(const pf_node *n)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    pf_node_print_yaml(n, f);
    fclose(f);
    return data;
}

static void test_print_round_trip(void **state)
{
    (void)state;
    const char *text = "service:\n"
                       "  pipelines:\n"
                       "    profiles:\n"
                       "      receivers:\n"
                       "        - otlp\n"
                       "      exporters: []\n"
                       "exporters:\n"
                       "  otlp:\n"
                       "    endpoint: \"http://x:4317\"\n"
                       "    headers:\n"
                       "      a: \"1\"\n"
                       "      b: 1\n"
                       "      c: \"true\"\n"
                       "      d: \"x: y\"\n"
                       "      e: \"\"\n"
                       "      f: null\n"
                       "      g: \"two\\nlines\"\n"
                       "      h: \"- dash\"\n"
                       "    list:\n"
                       "      - name: a\n"
                       "        v: 1\n"
                       "      -\n"
                       "        - nested\n"
                       "    empty: {}\n";
    pf_cfg_error err;
    pf_node *root = parse(text, &err);
    assert_non_null(root);
    char *printed = print_to_string(root);
    const char *expected = "service:\n"
                           "  pipelines:\n"
                           "    profiles:\n"
                           "      receivers:\n"
                           "        - otlp\n"
                           "      exporters: []\n"
                           "exporters:\n"
                           "  otlp:\n"
                           "    endpoint: http://x:4317\n"
                           "    headers:\n"
                           "      a: \"1\"\n"
                           "      b: 1\n"
                           "      c: \"true\"\n"
                           "      d: \"x: y\"\n"
                           "      e: \"\"\n"
                           "      f: null\n"
                           "      g: \"two\\nlines\"\n"
                           "      h: \"- dash\"\n"
                           "    list:\n"
                           "      - name: a\n"
                           "        v: 1\n"
                           "      -\n"
                           "        - nested\n"
                           "    empty: {}\n";
    assert_string_equal(printed, expected);
    pf_node *again = parse(printed, &err);
    assert_non_null(again);
    assert_string_equal(pf_node_path(again, "exporters.otlp.headers.d")->value, "x: y");
    assert_true(pf_node_path(again, "exporters.otlp.headers.c")->quoted);
    assert_string_equal(pf_node_path(again, "exporters.otlp.headers.g")->value, "two\nlines");
    pf_node_free(again);
    free(printed);
    pf_node_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions_and_types),    cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_syntax_errors),          cmocka_unit_test(test_anchors_are_copied),
        cmocka_unit_test(test_alias_bomb_is_refused),  cmocka_unit_test(test_too_deep_is_refused),
        cmocka_unit_test(test_empty_document_is_null), cmocka_unit_test(test_print_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
