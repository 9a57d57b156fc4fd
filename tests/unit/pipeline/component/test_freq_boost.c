/* test_freq_boost.c — the profiling-frequency registry (pipeline/component/freq_boost.h): the window a
 * frequency asks for, boosts matched by target labels with the highest winning, on_alert rules
 * started and ended by Alertmanager notifications, the boosts API's answers and errors, expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pipeline/component/freq_boost.h"
#include "pipeline/base/telemetry.h"

static void test_seconds_for(void **state)
{
    (void)state;
    assert_int_equal(pf_freq_seconds_for(16.7, 100, 60), 10); /* the example: 10 s of 60 s */
    assert_int_equal(pf_freq_seconds_for(19, 100, 60), 11);
    assert_int_equal(pf_freq_seconds_for(100, 100, 60), 59); /* clamped to interval - 1s */
    assert_int_equal(pf_freq_seconds_for(1000, 100, 60), 59);
    assert_int_equal(pf_freq_seconds_for(0.5, 100, 15), 1); /* at least 1 s */
    assert_int_equal(pf_freq_seconds_for(50, 200, 60), 15); /* another native rate */
    assert_true(pf_freq_effective_hz(10, 100, 60) > 16.66 && pf_freq_effective_hz(10, 100, 60) < 16.67);
}

static pf_strmap map1(const char *k, const char *v)
{
    pf_strmap m = {0};
    m.keys = pf_xcalloc(1, sizeof(char *));
    m.values = pf_xcalloc(1, sizeof(char *));
    m.keys[0] = pf_xstrdup(k);
    m.values[0] = pf_xstrdup(v);
    m.n = 1;
    return m;
}

static void test_highest_matching_boost_wins(void **state)
{
    (void)state;
    pf_freq_registry *r = pf_freq_registry_acquire(NULL);
    pf_labels target = {0};
    pf_labels_set(&target, "job", "checkout");
    pf_labels_set(&target, "instance", "a:6060");
    assert_true(pf_freq_boosted_hz(r, &target, "process_cpu") == 0);
    pf_strmap job = map1("job", "checkout"), other = map1("job", "cart"), name = map1("__name__", "process_cpu");
    uint64_t a = pf_freq_boost_start(r, &job, 49, 600000000000LL, "api");
    pf_freq_boost_start(r, &other, 100, 600000000000LL, "api");
    assert_true(pf_freq_boosted_hz(r, &target, "process_cpu") == 49);
    uint64_t c = pf_freq_boost_start(r, &name, 80, 600000000000LL, "api");
    assert_true(pf_freq_boosted_hz(r, &target, "process_cpu") == 80);
    assert_true(pf_freq_boosted_hz(r, &target, "fgprof") == 49);
    assert_true(pf_freq_boost_end(r, c, "deleted"));
    assert_false(pf_freq_boost_end(r, c, "deleted"));
    assert_true(pf_freq_boosted_hz(r, &target, "process_cpu") == 49);
    assert_true(pf_freq_boost_end(r, a, "deleted"));
    assert_true(pf_freq_boosted_hz(r, &target, "process_cpu") == 0);
    /* expiry without anyone ending it */
    pf_freq_boost_start(r, &job, 100, 1000000LL /* 1 ms */, "api");
    usleep(20000);
    assert_true(pf_freq_boosted_hz(r, &target, "process_cpu") == 0);
    assert_int_equal(pf_freq_active(r), 1); /* the cart boost */
    pf_strmap_free(&job);
    pf_strmap_free(&other);
    pf_strmap_free(&name);
    pf_labels_free(&target);
    pf_freq_registry_release(r);
}

static void test_alert_rules(void **state)
{
    (void)state;
    pf_freq_registry *r = pf_freq_registry_acquire(NULL);
    int owner;
    pf_freq_rule rule = {map1("alertname", "high_cpu"), map1("instance", "instance"), 100, 600000000000LL};
    pf_freq_rule_add(r, &owner, "checkout", &rule);
    pf_strmap_free(&rule.trigger);
    pf_strmap_free(&rule.match_labels);
    assert_int_equal(pf_freq_rule_count(r), 1);

    pf_alert_list alerts;
    char err[256];
    const char *firing =
        "{\"status\":\"firing\",\"alerts\":[{\"labels\":{\"alertname\":\"high_cpu\",\"instance\":\"a:6060\"},"
        "\"fingerprint\":\"f1\"},{\"labels\":{\"alertname\":\"other\"}}]}";
    assert_true(pf_alertmanager_parse(firing, strlen(firing), &alerts, err, sizeof err));
    size_t started = 0, ended = 0;
    pf_freq_alerts(r, &alerts, &started, &ended);
    pf_freq_alerts(r, &alerts, &started, &ended); /* a repeated notification does not start another */
    pf_alert_list_free(&alerts);
    assert_int_equal(started, 1);

    pf_labels a = {0}, b = {0};
    pf_labels_set(&a, "job", "checkout");
    pf_labels_set(&a, "instance", "a:6060");
    pf_labels_set(&b, "job", "checkout");
    pf_labels_set(&b, "instance", "b:6060");
    assert_true(pf_freq_boosted_hz(r, &a, "process_cpu") == 100);
    assert_true(pf_freq_boosted_hz(r, &b, "process_cpu") == 0); /* narrowed by match_labels */

    const char *resolved = "{\"alerts\":[{\"status\":\"resolved\",\"labels\":{\"alertname\":\"high_cpu\"},"
                           "\"fingerprint\":\"f1\"}],\"status\":\"resolved\"}";
    assert_true(pf_alertmanager_parse(resolved, strlen(resolved), &alerts, err, sizeof err));
    pf_freq_alerts(r, &alerts, &started, &ended);
    pf_alert_list_free(&alerts);
    assert_int_equal(ended, 1);
    assert_true(pf_freq_boosted_hz(r, &a, "process_cpu") == 0);
    pf_freq_rules_remove(r, &owner);
    assert_int_equal(pf_freq_rule_count(r), 0);
    pf_labels_free(&a);
    pf_labels_free(&b);
    pf_freq_registry_release(r);
}

static int call(pf_freq_registry *r, const char *method, const char *path, const char *body, pf_buf *out)
{
    pf_buf_reset(out);
    return pf_freq_http(r, method, path, body, body ? strlen(body) : 0, out);
}

static void test_api(void **state)
{
    (void)state;
    pf_freq_registry *r = pf_freq_registry_acquire(NULL);
    pf_buf out = {0};
    assert_int_equal(
        call(r, "POST", PF_FREQ_API_PATH, "{\"match\":{\"job\":\"x\"},\"frequency\":100,\"duration\":\"10m\"}", &out),
        201);
    assert_non_null(strstr(out.data, "\"frequency\":100"));
    assert_non_null(strstr(out.data, "\"expires_in_seconds\":"));
    assert_int_equal(call(r, "GET", PF_FREQ_API_PATH, NULL, &out), 200);
    assert_non_null(strstr(out.data, "\"boosts\":[{"));
    assert_int_equal(call(r, "POST", PF_FREQ_API_PATH, "{\"match\":{\"job\":\"x\"},\"frequency\":0}", &out), 400);
    assert_non_null(strstr(out.data, "frequency"));
    assert_int_equal(
        call(r, "POST", PF_FREQ_API_PATH, "{\"match\":{\"job\":\"x\"},\"frequency\":5,\"probability\":1}", &out), 400);
    assert_non_null(strstr(out.data, "probability"));
    assert_int_equal(call(r, "POST", PF_FREQ_API_PATH, "{\"frequency\":5}", &out), 400);
    assert_int_equal(
        call(r, "POST", PF_FREQ_API_PATH, "{\"match\":{\"job\":\"x\"},\"frequency\":5,\"duration\":\"48h\"}", &out),
        400);
    assert_int_equal(call(r, "POST", PF_FREQ_API_PATH, "not json", &out), 400);
    assert_int_equal(call(r, "DELETE", PF_FREQ_API_PATH "/1", NULL, &out), 200);
    assert_int_equal(call(r, "DELETE", PF_FREQ_API_PATH "/1", NULL, &out), 404);
    assert_int_equal(call(r, "DELETE", PF_FREQ_API_PATH "/abc", NULL, &out), 400);
    assert_int_equal(call(r, "POST", "/api/v1/sampling/alertmanager", "{\"alerts\":7}", &out), 400);
    /* the webhook the registry serves when no sampling processor does */
    int owner;
    pf_freq_rule rule = {{0}, {0}, 49, 600000000000LL};
    pf_strmap trig = {0};
    trig.keys = pf_xcalloc(1, sizeof(char *));
    trig.values = pf_xcalloc(1, sizeof(char *));
    trig.keys[0] = pf_xstrdup("severity");
    trig.values[0] = pf_xstrdup("page");
    trig.n = 1;
    rule.trigger = trig;
    pf_freq_rule_add(r, &owner, "checkout", &rule);
    pf_strmap_free(&trig);
    const char *firing =
        "{\"status\":\"firing\",\"alerts\":[{\"labels\":{\"alertname\":\"a\",\"severity\":\"page\"}}]}";
    assert_int_equal(call(r, "POST", "/api/v1/sampling/alertmanager", firing, &out), 200);
    assert_string_equal(out.data, "{\"boosts_started\":1,\"boosts_ended\":0}");
    assert_int_equal(call(r, "GET", PF_FREQ_API_PATH, NULL, &out), 200);
    assert_non_null(strstr(out.data, "\"source\":\"alert\""));
    assert_non_null(strstr(out.data, "\"alertname\":\"a\""));
    pf_freq_rules_remove(r, &owner);
    pf_buf_free(&out);
    pf_freq_registry_release(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seconds_for),
        cmocka_unit_test(test_highest_matching_boost_wins),
        cmocka_unit_test(test_alert_rules),
        cmocka_unit_test(test_api),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    pf_metrics_reset();
    return rc;
}
