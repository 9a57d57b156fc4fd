/* test_telemetry.c — the metric registry: one object per name + labels, families rendered
 * contiguously with HELP/TYPE once, many series, reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline/base/telemetry.h"

static void test_same_series_same_object_and_render(void **state)
{
    (void)state;
    pf_metric *a = pf_counter("req_total", "Requests.", "code=\"200\"");
    pf_metric *g = pf_gauge("queue", "Queue.", "");
    pf_metric *b = pf_counter("req_total", "Requests.", "code=\"503\"");
    assert_ptr_equal(pf_counter("req_total", "ignored", "code=\"200\""), a);
    pf_metric_add(a, 2);
    pf_metric_add(b, 1);
    pf_metric_set(g, 1.5);
    pf_buf out = {0};
    pf_metrics_render(&out);
    assert_string_equal(out.data, "# HELP req_total Requests.\n# TYPE req_total counter\n"
                                  "req_total{code=\"200\"} 2\nreq_total{code=\"503\"} 1\n"
                                  "# HELP queue Queue.\n# TYPE queue gauge\nqueue 1.5\n");
    pf_buf_free(&out);
    pf_metrics_reset();
    assert_null(pf_metric_find("req_total", "code=\"200\""));
}

static void test_many_series(void **state)
{
    (void)state;
    char labels[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(labels, sizeof labels, "target=\"t%d\"", i);
        pf_metric_add(pf_counter(i % 2 ? "up_a" : "up_b", "", labels), i);
    }
    snprintf(labels, sizeof labels, "target=\"t%d\"", 12345);
    assert_float_equal(pf_metric_value(pf_metric_find("up_a", labels)), 12345, 0);
    pf_buf out = {0};
    pf_metrics_render(&out);
    /* Two families, each announced once. */
    int helps = 0;
    for (const char *p = out.data; (p = strstr(p, "# HELP")); p++) helps++;
    assert_int_equal(helps, 2);
    pf_buf_free(&out);
    pf_metrics_reset();
}

static void test_remove_series(void **state)
{
    (void)state;
    pf_metric_add(pf_counter("up", "Target up.", "t=\"a\""), 1);
    pf_metric_add(pf_counter("up", "Target up.", "t=\"b\""), 1);
    pf_metric_add(pf_counter("up", "Target up.", "t=\"c\""), 1);
    pf_gauge("other", "Other.", "");
    assert_true(pf_metric_remove("up", "t=\"a\"")); /* the family's first */
    assert_true(pf_metric_remove("up", "t=\"c\"")); /* the family's last */
    assert_false(pf_metric_remove("up", "t=\"a\""));
    pf_counter("up", "Target up.", "t=\"d\""); /* appended after the remaining member */
    pf_buf out = {0};
    pf_metrics_render(&out);
    assert_string_equal(out.data, "# HELP up Target up.\n# TYPE up counter\nup{t=\"b\"} 1\nup{t=\"d\"} 0\n"
                                  "# HELP other Other.\n# TYPE other gauge\nother 0\n");
    pf_buf_free(&out);
    assert_true(pf_metric_remove("up", "t=\"b\""));
    assert_true(pf_metric_remove("up", "t=\"d\""));
    assert_true(pf_metric_remove("other", ""));
    pf_metrics_render(&out);
    assert_int_equal(out.len, 0);
    pf_buf_free(&out);
    pf_metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_series_same_object_and_render),
        cmocka_unit_test(test_many_series),
        cmocka_unit_test(test_remove_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
