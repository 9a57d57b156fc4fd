/* test_flame_store.c — the flame-graph aggregation (pipeline/component/flame_store.h): exact totals and
 * collapsed stacks, windows by minute, the diff view's baseline, pruning into "other" under
 * max_nodes with the total kept exact, max_services and retention drops, memory accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline/component/flame_store.h"
#include "pipeline/base/telemetry.h"

#define MIN 60000000000ull
#define NOW (29000000ull * MIN + 30000000000ull) /* some minute, plus 30 s */

static pf_flame_store *store(const char *name, int64_t max_services, int64_t max_nodes)
{
    pf_flame_limits lim = {max_services, 15 * (int64_t)MIN, max_nodes};
    return pf_flame_store_acquire(name, &lim);
}

static pf_flame_tree *tree(pf_flame_store *s, const char *svc, uint64_t t)
{
    const char *reason = NULL;
    pf_flame_tree *tr = pf_flame_tree_for(s, svc, "process_cpu:cpu:nanoseconds", t, NOW, &reason);
    assert_non_null(tr);
    return tr;
}

static void add(pf_flame_tree *t, const char *stack, int64_t v)
{
    char *copy = strdup(stack), *frames[64];
    size_t n = 0;
    for (char *tok = strtok(copy, ";"); tok; tok = strtok(NULL, ";")) frames[n++] = tok;
    pf_flame_add_stack(t, (const char *const *)frames, n, v);
    free(copy);
}

static void test_totals_and_collapsed(void **state)
{
    (void)state;
    pf_flame_store *s = store("t1", 10, 1000);
    pf_flame_tree *t = tree(s, "checkout", NOW);
    add(t, "main;work;hash", 30);
    add(t, "main;work;hash", 12);
    add(t, "main;work", 5);
    add(t, "main;idle", 3);
    pf_flame_view *v = pf_flame_query(s, "checkout", "process_cpu:cpu:nanoseconds", NOW - 5 * MIN, NOW, 0, 0, NOW);
    assert_non_null(v);
    assert_int_equal(pf_flame_view_total(v, 0), 50);
    pf_buf out = {0};
    pf_flame_view_collapsed(v, false, &out);
    assert_string_equal(out.data, "main;idle 3\nmain;work 5\nmain;work;hash 42\n");
    pf_buf_free(&out);
    json_t *j = pf_flame_view_json(v, false);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "total");
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 50);
    json_t *main = json_array_get(json_object_get(j, "children"), 0);
    json_t *work = json_array_get(json_object_get(main, "children"), 0); /* largest first */
    assert_string_equal(json_string_value(json_object_get(work, "name")), "work");
    assert_int_equal(json_integer_value(json_object_get(work, "value")), 47);
    assert_int_equal(json_integer_value(json_object_get(work, "self")), 5);
    json_decref(j);
    pf_flame_view_free(v);
    assert_null(pf_flame_query(s, "nope", "process_cpu:cpu:nanoseconds", 0, NOW, 0, 0, NOW));
    pf_flame_store_release(s);
}

static void test_windows_and_diff(void **state)
{
    (void)state;
    pf_flame_store *s = store("t2", 10, 1000);
    add(tree(s, "api", NOW - 3 * MIN), "main;old", 10);
    add(tree(s, "api", NOW - 3 * MIN), "main;hot", 10);
    add(tree(s, "api", NOW), "main;hot", 60);
    add(tree(s, "api", NOW), "main;old", 10);
    uint64_t minute = NOW / MIN * MIN;
    pf_flame_view *v = pf_flame_query(s, "api", "process_cpu:cpu:nanoseconds", minute, minute + MIN, minute - 3 * MIN,
                                      minute - 2 * MIN, NOW);
    assert_int_equal(pf_flame_view_total(v, 0), 70);
    assert_int_equal(pf_flame_view_total(v, 1), 20);
    pf_buf out = {0};
    pf_flame_view_collapsed(v, true, &out);
    assert_string_equal(out.data, "main;hot 10 60\nmain;old 10 10\n"); /* difffolded: base then new */
    pf_buf_free(&out);
    pf_flame_view_free(v);
    /* a window that only covers the old minute */
    v = pf_flame_query(s, "api", "process_cpu:cpu:nanoseconds", minute - 3 * MIN, minute - 2 * MIN, 0, 0, NOW);
    assert_int_equal(pf_flame_view_total(v, 0), 20);
    pf_flame_view_free(v);
    pf_flame_store_release(s);
}

static void test_prune_keeps_total_and_bounds_nodes(void **state)
{
    (void)state;
    pf_flame_store *s = store("t3", 10, 64);
    pf_flame_tree *t = tree(s, "big", NOW);
    int64_t total = 0;
    char stack[128];
    for (int i = 0; i < 2000; i++) {
        snprintf(stack, sizeof stack, "main;f%d;g%d", i % 300, i);
        int64_t v = i == 7 ? 100000 : 1 + i % 5; /* one heavy stack */
        add(t, stack, v);
        total += v;
        pf_flame_store_account(s);
        assert_true(pf_flame_store_nodes(s) <= 64);
    }
    pf_flame_store_account(s);
    assert_true(pf_flame_store_nodes(s) <= 64);
    pf_flame_view *v = pf_flame_query(s, "big", "process_cpu:cpu:nanoseconds", NOW - MIN, NOW + MIN, 0, 0, NOW);
    assert_int_equal(pf_flame_view_total(v, 0), total);
    pf_buf out = {0};
    pf_flame_view_collapsed(v, false, &out);
    assert_non_null(strstr(out.data, "main;f7;g7 100000\n")); /* the significant stack survives exactly */
    assert_non_null(strstr(out.data, "other"));
    pf_buf_free(&out);
    pf_flame_view_free(v);
    assert_true(pf_flame_store_memory(s) > 0);
    pf_flame_store_release(s);
}

static void test_limits_drop(void **state)
{
    (void)state;
    pf_flame_store *s = store("t4", 2, 1000);
    const char *reason = NULL;
    assert_non_null(pf_flame_tree_for(s, "a", "x:y:z", NOW, NOW, &reason));
    assert_non_null(pf_flame_tree_for(s, "b", "x:y:z", NOW, NOW, &reason));
    assert_non_null(pf_flame_tree_for(s, "b", "x:q:z", NOW, NOW, &reason)); /* a known service's new type */
    assert_null(pf_flame_tree_for(s, "c", "x:y:z", NOW, NOW, &reason));
    assert_string_equal(reason, "max_services");
    assert_null(pf_flame_tree_for(s, "a", "x:y:z", NOW - 20 * MIN, NOW, &reason));
    assert_string_equal(reason, "outside_retention");
    /* a future timestamp counts as now */
    assert_ptr_equal(pf_flame_tree_for(s, "a", "x:y:z", NOW + 60 * MIN, NOW, &reason),
                     pf_flame_tree_for(s, "a", "x:y:z", NOW, NOW, &reason));
    /* once its minutes expire, a service's slot is free again */
    assert_non_null(pf_flame_tree_for(s, "c", "x:y:z", NOW + 20 * MIN, NOW + 20 * MIN, &reason));
    json_t *j = pf_flame_services_json(s, 15 * MIN, NOW + 20 * MIN);
    assert_int_equal(json_array_size(json_object_get(j, "services")), 0); /* c has no samples yet */
    json_decref(j);
    pf_flame_store_release(s);
}

static void test_find_by_name(void **state)
{
    (void)state;
    assert_null(pf_flame_store_find(NULL));
    pf_flame_store *a = store("flamegraph", 1, 100);
    assert_ptr_equal(pf_flame_store_find(NULL), a);
    pf_flame_store *b = store("flamegraph/2", 1, 100);
    assert_null(pf_flame_store_find(NULL)); /* several: a reader must name one */
    assert_ptr_equal(pf_flame_store_find("flamegraph/2"), b);
    pf_flame_store_release(a);
    pf_flame_store_release(b);
    assert_null(pf_flame_store_find("flamegraph"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals_and_collapsed),
        cmocka_unit_test(test_windows_and_diff),
        cmocka_unit_test(test_prune_keeps_total_and_bounds_nodes),
        cmocka_unit_test(test_limits_drop),
        cmocka_unit_test(test_find_by_name),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    pf_metrics_reset();
    return rc;
}
