/* test_relabel.c — the relabel engine against the results Prometheus gives: the cases of Prometheus'
 * model/relabel tests and documentation (replace with ${1}, labelmap of __meta_*, keepequal, ...),
 * hashmod values Prometheus computes, and its config validation messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <stdlib.h>

#include "pipeline/relabel/relabel.h"
#include "pipeline/base/xalloc.h"

typedef struct rule_spec {
    const char *action;
    const char *sources; /* comma separated */
    const char *separator, *regex;
    uint64_t modulus;
    const char *target, *replacement;
} rule_spec;

/* "a=foo|b=bar" → label set ('|' separates pairs so values may contain commas). */
static void parse_labels(const char *text, pf_labels *ls)
{
    char *copy = strdup(text), *save = NULL;
    for (char *pair = strtok_r(copy, "|", &save); pair; pair = strtok_r(NULL, "|", &save)) {
        char *eq = strchr(pair, '=');
        *eq = '\0';
        pf_labels_set(ls, pair, eq + 1);
    }
    free(copy);
}

static char *render(const pf_labels *ls)
{
    pf_buf b = {0};
    for (size_t i = 0; i < ls->n; i++)
        pf_buf_printf(&b, "%s%s=%s", i ? "|" : "", ls->items[i].name, ls->items[i].value);
    pf_buf_append(&b, "", 0);
    return b.data ? b.data : strdup("");
}

static void build_rules(const rule_spec *specs, size_t n, pf_relabel_rules *rules)
{
    rules->items = calloc(n, sizeof(pf_relabel_rule));
    rules->n = 0;
    for (size_t i = 0; i < n; i++) {
        const char *srcs[8];
        size_t n_src = 0;
        char *copy = specs[i].sources ? strdup(specs[i].sources) : NULL, *save = NULL;
        for (char *s = copy ? strtok_r(copy, ",", &save) : NULL; s; s = strtok_r(NULL, ",", &save)) srcs[n_src++] = s;
        char err[512] = "";
        bool ok = pf_relabel_rule_init(&rules->items[rules->n], specs[i].action, srcs, n_src, specs[i].separator,
                                       specs[i].regex, specs[i].modulus, specs[i].target, specs[i].replacement, err,
                                       sizeof(err));
        if (!ok) fail_msg("rule %zu: %s", i, err);
        rules->n++;
        free(copy);
    }
}

/* Runs rules over input; expected NULL means "dropped". */
static void check(const char *input, const rule_spec *specs, size_t n, const char *expected)
{
    pf_relabel_rules rules;
    build_rules(specs, n, &rules);
    pf_labels ls = {0};
    parse_labels(input, &ls);
    bool keep = pf_relabel_process(&rules, &ls);
    if (!expected) {
        assert_false(keep);
    } else {
        assert_true(keep);
        char *got = render(&ls);
        assert_string_equal(got, expected);
        free(got);
    }
    pf_labels_free(&ls);
    pf_relabel_rules_free(&rules);
}

#define CHECK(input, expected, ...)                                                                                    \
    do {                                                                                                               \
        const rule_spec specs_[] = {__VA_ARGS__};                                                                      \
        check(input, specs_, sizeof(specs_) / sizeof(specs_[0]), expected);                                            \
    } while (0)

static void test_replace(void **state)
{
    (void)state;
    CHECK("a=foo|b=bar|c=baz", "a=foo|b=bar|c=baz|d=choo-choo",
          {.sources = "a", .regex = "f(.*)", .target = "d", .replacement = "ch${1}-ch${1}"});
    CHECK("a=foo|b=bar|c=baz", "a=boobam|b=bar|c=baz|d=boooom",
          {.sources = "a,b", .regex = "f(.*);(.*)r", .target = "a", .replacement = "b${1}${2}m"},
          {.sources = "c,a", .regex = "(b).*b(.*)ba(.*)", .target = "d", .replacement = "$1$2$2$3"});
    CHECK("a=abc", "a=abc|d=b", {.sources = "a", .regex = ".*(b).*", .target = "d"});
    /* No match: no replacement. */
    CHECK("a=boo", "a=boo", {.sources = "a", .regex = "f", .target = "b", .replacement = "bar"});
    /* Target label from the match; an empty result deletes; an invalid target is skipped. */
    CHECK("a=some-name-value", "a=some-name-value|name=value",
          {.sources = "a", .regex = "some-([^-]+)-([^,]+)", .target = "${1}", .replacement = "${2}"});
    CHECK("a=some-name-value", "a=some-name-value",
          {.sources = "a", .regex = "some-([^-]+)-([^,]+)", .target = "${1}", .replacement = "${3}"});
    CHECK("a=some-name-0", "a=some-name-0",
          {.sources = "a", .regex = "some-([^-]+)-([^,]+)", .target = "${3}", .replacement = "${1}"},
          {.sources = "a", .regex = "some-([^-]+)(-[^,]+)", .target = "${3}", .replacement = "${1}"});
    /* The real-life case of Prometheus' tests: parse a tag list. */
    CHECK("__meta_sd_tags=path:/secret,job:some-job,label:foo=bar",
          "__meta_sd_tags=path:/secret,job:some-job,label:foo=bar|__metrics_path__=/secret|foo=bar|job=some-job",
          {.sources = "__meta_sd_tags",
           .regex = "(?:.+,|^)path:(/[^,]+).*",
           .target = "__metrics_path__",
           .replacement = "${1}"},
          {.sources = "__meta_sd_tags", .regex = "(?:.+,|^)job:([^,]+).*", .target = "job", .replacement = "${1}"},
          {.sources = "__meta_sd_tags",
           .regex = "(?:.+,|^)label:([^=]+)=([^,]+).*",
           .target = "${1}",
           .replacement = "${2}"});
    /* Documentation example: rewrite the kubelet port to node_exporter's. */
    CHECK("__address__=10.0.0.1:10250", "__address__=10.0.0.1:9100",
          {.sources = "__address__", .regex = "(.*):10250", .target = "__address__", .replacement = "${1}:9100"});
    /* Prometheus' conf.good.yml example: (.*)some-[regex] → foo-${1}. */
    CHECK("job=ajobsome-r|__meta_dns_name=x", "__meta_dns_name=x|job=foo-ajob",
          {.sources = "job", .regex = "(.*)some-[regex]", .target = "job", .replacement = "foo-${1}"});
    /* Named groups, $$ and a malformed reference; the regex is anchored on both sides. */
    CHECK(
        "v=abc-42", "n=42$abc $|v=abc-42",
        {.sources = "v", .regex = "(?P<word>[a-z]+)-(?<num>\\d+)", .target = "n", .replacement = "${num}$$${word} $"});
    CHECK("v=xabcx", "v=xabcx", {.sources = "v", .regex = "abc", .target = "w", .replacement = "hit"});
    /* A missing source label joins as "" and the default regex sets the literal replacement. */
    CHECK("a=1", "a=1|env=prod", {.sources = "missing", .target = "env", .replacement = "prod"});
    /* Go's regexp: '.' does not match a newline unless (?s). */
    CHECK("a=foo\nbar", "a=foo\nbar", {.sources = "a", .regex = "foo.bar", .target = "b", .replacement = "x"});
}

static void test_keep_drop(void **state)
{
    (void)state;
    CHECK("a=foo", NULL, {.action = "drop", .sources = "a", .regex = ".*o.*"},
          {.sources = "a", .regex = "f(.*)", .target = "d", .replacement = "ch$1-ch$1"});
    CHECK("a=foo|b=bar", NULL, {.action = "drop", .sources = "a", .regex = ".*o.*"});
    CHECK("a=foo", "a=foo", {.action = "drop", .sources = "a", .regex = "no-match"});
    CHECK("a=foo", "a=foo", {.action = "drop", .sources = "a", .regex = "f|o"}); /* anchored: no match */
    CHECK("a=foo", NULL, {.action = "keep", .sources = "a", .regex = "no-match"});
    CHECK("a=foo", "a=foo", {.action = "keep", .sources = "a", .regex = "f.*"});
    CHECK("a=foo", "a=foo", {.action = "KEEP", .sources = "a", .regex = "f.*"}); /* actions are case-insensitive */
}

static void test_equal(void **state)
{
    (void)state;
    const char *in = "__port1=1234|__port2=5678|__tmp_port=1234";
    CHECK(in, in, {.action = "keepequal", .sources = "__tmp_port", .target = "__port1"});
    CHECK(in, NULL, {.action = "dropequal", .sources = "__tmp_port", .target = "__port1"});
    CHECK(in, in, {.action = "dropequal", .sources = "__tmp_port", .target = "__port2"});
    CHECK(in, NULL, {.action = "keepequal", .sources = "__tmp_port", .target = "__port2"});
}

static void test_hashmod(void **state)
{
    (void)state;
    CHECK("a=foo|b=bar|c=baz", "a=foo|b=bar|c=baz|d=976",
          {.action = "hashmod", .sources = "c", .target = "d", .modulus = 1000});
    CHECK("a=foo\nbar", "a=foo\nbar|b=734", {.action = "hashmod", .sources = "a", .target = "b", .modulus = 1000});
    assert_int_equal(pf_relabel_hashmod("baz", 3, 1000), 976);
    assert_int_equal(pf_relabel_hashmod("checkout", 8, 1000), 367);
    assert_int_equal(pf_relabel_hashmod("10.0.0.1:9100", 13, 7), 2);
}

static void test_label_names(void **state)
{
    (void)state;
    CHECK("a=foo|b1=bar|b2=baz", "a=foo|b1=bar|b2=baz|bar_b1=bar|bar_b2=baz",
          {.action = "labelmap", .regex = "(b.*)", .replacement = "bar_${1}"});
    CHECK("__meta_my_bar=aaa|__meta_my_baz=bbb|__meta_other=ccc|a=foo",
          "__meta_my_bar=aaa|__meta_my_baz=bbb|__meta_other=ccc|a=foo|my_bar=aaa|my_baz=bbb",
          {.action = "labelmap", .regex = "__meta_(my.*)", .replacement = "${1}"});
    /* Documentation: copy Kubernetes node labels. */
    CHECK("__meta_kubernetes_node_label_zone=eu-1|job=n", "__meta_kubernetes_node_label_zone=eu-1|job=n|zone=eu-1",
          {.action = "labelmap", .regex = "__meta_kubernetes_node_label_(.+)"});
    CHECK("a=foo|b1=bar|b2=baz", "b1=bar|b2=baz", {.action = "labelkeep", .regex = "(b.*)"});
    CHECK("a=foo|b1=bar|b2=baz", "a=foo", {.action = "labeldrop", .regex = "(b.*)"});
    /* Prometheus issue 12283: a label dropped then set again is seen by the following keep. */
    CHECK(
        "__meta_kubernetes_pod_annotation_example_com_metrics_port=9091|__meta_kubernetes_pod_container_port_name=foo",
        "__meta_kubernetes_pod_annotation_example_com_metrics_port=9091|__meta_kubernetes_pod_container_port_name="
        "metrics",
        {.action = "labeldrop", .regex = "^__meta_kubernetes_pod_container_port_name$"},
        {.sources = "__meta_kubernetes_pod_annotation_example_com_metrics_port",
         .regex = "(.+)",
         .target = "__meta_kubernetes_pod_container_port_name",
         .replacement = "metrics"},
        {.action = "keep", .sources = "__meta_kubernetes_pod_container_port_name", .regex = "^metrics$"});
}

static void test_case(void **state)
{
    (void)state;
    CHECK("foo=bAr123Foo", "foo=bAr123Foo|foo_lowercase=bar123foo|foo_uppercase=BAR123FOO",
          {.action = "uppercase", .sources = "foo", .target = "foo_uppercase"},
          {.action = "lowercase", .sources = "foo", .target = "foo_lowercase"});
}

static void expect_invalid(const rule_spec *s, const char *message)
{
    pf_relabel_rule r;
    const char *src = s->sources;
    char err[512] = "";
    assert_false(pf_relabel_rule_init(&r, s->action, src ? &src : NULL, src ? 1 : 0, s->separator, s->regex, s->modulus,
                                      s->target, s->replacement, err, sizeof(err)));
    if (!strstr(err, message)) fail_msg("error \"%s\" does not contain \"%s\"", err, message);
}

static void test_validation(void **state)
{
    (void)state;
    expect_invalid(&(rule_spec){.action = ""}, "relabel action cannot be empty");
    expect_invalid(&(rule_spec){.action = "explode"}, "unknown relabel action \"explode\"");
    expect_invalid(&(rule_spec){.action = "replace"}, "requires 'target_label' value");
    expect_invalid(&(rule_spec){.action = "lowercase"}, "requires 'target_label' value");
    expect_invalid(&(rule_spec){.action = "lowercase", .target = "${3}"}, "\"${3}\" is invalid 'target_label'");
    expect_invalid(&(rule_spec){.sources = "a", .target = "0${3}"}, "\"0${3}\" is invalid 'target_label'");
    expect_invalid(&(rule_spec){.sources = "a", .target = "-${3}"},
                   "\"-${3}\" is invalid 'target_label' for replace action");
    expect_invalid(&(rule_spec){.action = "hashmod", .sources = "a", .target = "t"},
                   "relabel configuration for hashmod requires non-zero modulus");
    expect_invalid(&(rule_spec){.action = "labeldrop", .regex = "a", .target = "t"},
                   "labeldrop action requires only 'regex', and no other fields");
    expect_invalid(&(rule_spec){.action = "keepequal", .sources = "a", .target = "t", .regex = "x"},
                   "keepequal action requires only 'source_labels' and `target_label`");
    expect_invalid(&(rule_spec){.action = "labelmap", .replacement = "-x"}, "is invalid 'replacement'");
    expect_invalid(&(rule_spec){.sources = "a", .target = "t", .regex = "a(b"}, "invalid regex \"a(b\":");

    pf_relabel_rule r;
    char err[512];
    const char *targets[] = {"label", "label${1}", "${1}label", "${1}", "$1", "asd$2asd", "_${1}_", "foo${bar}foo"};
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        const char *src = "a";
        if (!pf_relabel_rule_init(&r, NULL, &src, 1, NULL, NULL, 0, targets[i], NULL, err, sizeof(err)))
            fail_msg("%s rejected: %s", targets[i], err);
        pf_relabel_rule_free(&r);
    }
    const char *bad[] = {"${", "$", "${}", "foo${", "-foo${1}bar-"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *src = "a";
        assert_false(pf_relabel_rule_init(&r, NULL, &src, 1, NULL, NULL, 0, bad[i], NULL, err, sizeof(err)));
    }
}

static void test_label_set(void **state)
{
    (void)state;
    pf_labels ls = {0};
    pf_labels_set(&ls, "b", "2");
    pf_labels_set(&ls, "a", "1");
    pf_labels_set(&ls, "__x", "3");
    pf_labels_set(&ls, "b", "");
    assert_null(pf_labels_get(&ls, "b"));
    pf_labels_drop_reserved(&ls);
    char *s = render(&ls);
    assert_string_equal(s, "a=1");
    free(s);
    pf_labels_free(&ls);
    char *n = pf_label_name_sanitize("service.name");
    assert_string_equal(n, "service_name");
    free(n);
    n = pf_label_name_sanitize("9lives-ä");
    assert_string_equal(n, "_9lives___");
    free(n);
    assert_true(pf_label_name_valid("_ok9"));
    assert_false(pf_label_name_valid("9no"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replace),    cmocka_unit_test(test_keep_drop),   cmocka_unit_test(test_equal),
        cmocka_unit_test(test_hashmod),    cmocka_unit_test(test_label_names), cmocka_unit_test(test_case),
        cmocka_unit_test(test_validation), cmocka_unit_test(test_label_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
