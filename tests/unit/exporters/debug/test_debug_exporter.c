/* test_debug_exporter.c — the `debug` exporter's three verbosities, read back from its log output
 * (stderr is redirected to a file): the batch line's counts, the per-profile line, and the flat/cum
 * top tables, whose values are checked against the stacks documented in export_test_batch.h
 * (inlined frames, recursion counted once in cum). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline/component/component.h"
#include "pipeline/base/telemetry.h"
#include "tests/unit/export_test_batch.h"

extern const pf_factory pf_exporter_debug_factory;

/* Runs one batch through a debug exporter of the given verbosity; returns its log output. */
static char *run_debug(const char *verbosity, size_t *packed_size)
{
    struct {
        char *verbosity;
    } cfg;
    pf_cfg_error cerr;
    assert_true(pf_cfg_defaults(pf_exporter_debug_factory.config_map, &cfg, &cerr));
    free(cfg.verbosity);
    cfg.verbosity = pf_xstrdup(verbosity);

    FILE *capture = tmpfile();
    assert_non_null(capture);
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(capture), 2);

    pf_create_args args = {.id = "debug", .config = &cfg};
    pf_error err = {0};
    pf_component *c = pf_exporter_debug_factory.create(&args, &err);
    pf_batch *b = export_test_batch();
    *packed_size = pf_batch_packed_size(b);
    assert_int_equal(pf_consumer_consume(&c->consumer, b, &err), PF_OK);
    c->ops->destroy(c);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    pf_buf out = {0};
    rewind(capture);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), capture)) > 0) pf_buf_append(&out, chunk, n);
    fclose(capture);
    pf_cfg_release(pf_exporter_debug_factory.config_map, &cfg);
    fputs(out.data, stderr); /* keep the output visible in the test log */
    return out.data;
}

static size_t count_lines(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++) n++;
    return n;
}

static void test_basic_one_line_per_batch(void **state)
{
    (void)state;
    size_t bytes;
    char *out = run_debug("basic", &bytes);
    char *expected = pf_xasprintf("profiles batch: resources=2 profiles=2 samples=7 bytes=%zu\n", bytes);
    assert_non_null(strstr(out, expected));
    assert_int_equal(count_lines(out, "\n"), 1);
    char labels[] = "exporter=\"debug\"";
    assert_true(pf_metric_value(pf_metric_find("otelcol_exporter_sent_profile_samples", labels)) ==
                EXPORT_TEST_SAMPLES);
    free(expected);
    free(out);
    pf_metrics_reset();
}

static void test_normal_adds_a_line_per_profile(void **state)
{
    (void)state;
    size_t bytes;
    char *out = run_debug("normal", &bytes);
    assert_int_equal(count_lines(out, "\n"), 3);
    assert_non_null(strstr(out,
                           "profile resource=0 scope=0 index=0 service.name=checkout type=cpu/nanoseconds "
                           "period=10000000 cpu/nanoseconds time=2023-11-14T22:13:20.123Z..2023-11-14T22:13:30.123Z "
                           "samples=4\n"));
    assert_non_null(strstr(out, "profile resource=1 scope=0 index=0 service.name=cart type=alloc_space/bytes "
                                "period=524288 space/bytes time=2023-11-14T22:13:20.123Z..2023-11-14T22:13:20.123Z "
                                "samples=3\n"));
    assert_null(strstr(out, "flat%"));
    free(out);
    pf_metrics_reset();
}

typedef struct top_row {
    long long flat, cum;
    char name[64];
} top_row;

/* Parses the rows of the n-th table ("top ... by flat|cum") of the output. */
static size_t parse_table(const char *out, size_t nth, top_row *rows, size_t max)
{
    const char *p = out;
    for (size_t i = 0; i <= nth; i++) {
        p = strstr(p, "  top ");
        assert_non_null(p);
        p++;
    }
    p = strstr(p, "function\n") + strlen("function\n");
    size_t n = 0;
    while (n < max) {
        const char *tab = strstr(p, "debug\t");
        if (!tab) break;
        double f_pct, sum_pct, c_pct;
        if (sscanf(tab + 6, "%lld %lf%% %lf%% %lld %lf%% %63s", &rows[n].flat, &f_pct, &sum_pct, &rows[n].cum, &c_pct,
                   rows[n].name) != 6)
            break;
        n++;
        p = strchr(tab, '\n') + 1;
    }
    return n;
}

static void expect_row(const top_row *r, const char *name, long long flat, long long cum)
{
    assert_string_equal(r->name, name);
    assert_int_equal(r->flat, flat);
    assert_int_equal(r->cum, cum);
}

static void test_detailed_top_functions(void **state)
{
    (void)state;
    size_t bytes;
    char *out = run_debug("detailed", &bytes);
    top_row rows[10];
    /* checkout, by flat: inlined mallocgc is the leaf of its location; main never is. */
    assert_int_equal(parse_table(out, 0, rows, 10), 5);
    expect_row(&rows[0], "parse", 30, 40);
    expect_row(&rows[1], "handle", 20, 60);
    expect_row(&rows[2], "runtime.mallocgc", 10, 10);
    expect_row(&rows[3], "fib", 5, 5); /* recursive: counted once */
    expect_row(&rows[4], "main", 0, 65);
    assert_non_null(strstr(out, "top 5 of 5 functions by flat (total 65 nanoseconds)"));
    assert_non_null(strstr(out, "46.15%  46.15%"));
    /* checkout, by cum */
    assert_int_equal(parse_table(out, 1, rows, 10), 5);
    expect_row(&rows[0], "main", 0, 65);
    expect_row(&rows[1], "handle", 20, 60);
    expect_row(&rows[2], "parse", 30, 40);
    expect_row(&rows[3], "runtime.mallocgc", 10, 10);
    expect_row(&rows[4], "fib", 5, 5);
    /* cart */
    assert_int_equal(parse_table(out, 2, rows, 10), 2);
    expect_row(&rows[0], "alloc", 5120, 7168);
    expect_row(&rows[1], "grow", 2048, 2048);
    assert_non_null(strstr(out, "(total 7168 bytes)"));
    free(out);
    pf_metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_one_line_per_batch),
        cmocka_unit_test(test_normal_adds_a_line_per_profile),
        cmocka_unit_test(test_detailed_top_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
