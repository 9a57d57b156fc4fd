/* test_target_series.c — receivers/pprof/target_series.h against the real metric registry:
 * targets with the same labels share their series, which leave the registry (last_error ones
 * included) only with the last of them; freeing the set removes every series still held. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receivers/pprof/target_series.h"

#define LABELS_A "receiver=\"pprof\",job=\"j\",instance=\"a:1\",profile=\"memory\""
#define LABELS_B "receiver=\"pprof\",job=\"j\",instance=\"b:1\",profile=\"memory\""

static const char *const families[] = {
    "proflow_receiver_pprof_up",
    "proflow_receiver_pprof_scrape_duration_seconds",
    "proflow_receiver_pprof_scrape_bytes",
    "proflow_receiver_pprof_scrape_errors_total",
    "proflow_receiver_pprof_scrapes_skipped_total",
    "proflow_receiver_pprof_scrapes_total",
};

static size_t present(const char *labels)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof(families) / sizeof(*families); i++) n += pf_metric_find(families[i], labels) != NULL;
    return n;
}

static size_t rendered_lines(void)
{
    pf_buf out = {0};
    pf_metrics_render(&out);
    size_t n = 0;
    for (size_t i = 0; i < out.len; i++) n += out.data[i] == '\n';
    pf_buf_free(&out);
    return n;
}

static int reset(void **state)
{
    (void)state;
    pf_metrics_reset();
    return 0;
}

static void shared_series_go_with_the_last_target(void **state)
{
    (void)state;
    scrape_series_set set = {0};
    scrape_series *first = scrape_series_acquire(&set, "pprof", "j", "a:1", "memory");
    scrape_series *second = scrape_series_acquire(&set, "pprof", "j", "a:1", "memory"); /* listed twice */
    scrape_series *other = scrape_series_acquire(&set, "pprof", "j", "b:1", "memory");
    assert_ptr_equal(first, second);
    assert_ptr_not_equal(first, other);
    assert_int_equal(present(LABELS_A), 6);
    pf_metric_add(first->m[PPROF_M_SCRAPES], 3);
    pf_metric_set(scrape_series_last_error(first, PPROF_FAIL_TIMEOUT), 1);
    pf_metric_set(scrape_series_last_error(first, PPROF_FAIL_HTTP_STATUS), 0);
    assert_non_null(pf_metric_find("proflow_receiver_pprof_last_error", LABELS_A ",reason=\"timeout\""));

    scrape_series_release(&set, first);
    assert_int_equal(present(LABELS_A), 6); /* the other holder still reports */
    assert_int_equal(pf_metric_value(pf_metric_find("proflow_receiver_pprof_scrapes_total", LABELS_A)), 3);

    scrape_series_release(&set, second);
    assert_int_equal(present(LABELS_A), 0);
    assert_null(pf_metric_find("proflow_receiver_pprof_last_error", LABELS_A ",reason=\"timeout\""));
    assert_null(pf_metric_find("proflow_receiver_pprof_last_error", LABELS_A ",reason=\"http_status\""));
    assert_int_equal(present(LABELS_B), 6);

    /* Acquired again later: fresh series. */
    scrape_series *again = scrape_series_acquire(&set, "pprof", "j", "a:1", "memory");
    assert_int_equal(pf_metric_value(again->m[PPROF_M_SCRAPES]), 0);
    scrape_series_release(&set, again);
    scrape_series_release(&set, other);
    assert_int_equal(set.count, 0);
    assert_int_equal(rendered_lines(), 0);
    scrape_series_set_free(&set);
}

static void freeing_the_set_removes_every_series(void **state)
{
    (void)state;
    pf_metric *unrelated = pf_counter("proflow_unrelated_total", "Not the scraper's.", "");
    size_t before = rendered_lines();
    scrape_series_set set = {0};
    enum { TARGETS = 1000 }; /* past the table's first growth */
    for (int i = 0; i < TARGETS; i++) {
        char instance[32];
        snprintf(instance, sizeof(instance), "10.0.0.1:%d", i);
        scrape_series *ser = scrape_series_acquire(&set, "pprof", "j", instance, "goroutine");
        if (i % 3 == 0) pf_metric_set(scrape_series_last_error(ser, PPROF_FAIL_CONNECTION), 1);
    }
    assert_int_equal(set.count, TARGETS);
    assert_non_null(pf_metric_find("proflow_receiver_pprof_up",
                                   "receiver=\"pprof\",job=\"j\",instance=\"10.0.0.1:999\",profile=\"goroutine\""));
    scrape_series_set_free(&set);
    assert_int_equal(rendered_lines(), before);
    assert_ptr_equal(pf_metric_find("proflow_unrelated_total", ""), unrelated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(shared_series_go_with_the_last_target, reset),
        cmocka_unit_test_setup(freeing_the_set_removes_every_series, reset),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    pf_metrics_reset();
    return failed;
}
