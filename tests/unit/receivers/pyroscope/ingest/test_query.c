/* test_query.c — /ingest query parsing: name labelsets and their errors, the legacy suffix
 * table, from/until time forms, defaults and invalid parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "receivers/pyroscope/ingest/attime.h"
#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/ingest/name.h"

#define S 1000000000LL

static void test_name_labels(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    const char *app;
    pf_pyro_labels l;
    char err[256];
    assert_true(pf_pyro_parse_name(" my.app.cpu { env = staging ,region=us-west-1, k2=\"v 2, with } and \\\"q\\\"\"}",
                                   a, &app, &l, err, sizeof(err)));
    assert_string_equal(app, "my.app.cpu");
    assert_int_equal(l.n, 3);
    assert_string_equal(pf_pyro_label_get(&l, "env"), "staging");
    assert_string_equal(pf_pyro_label_get(&l, "region"), "us-west-1");
    assert_string_equal(pf_pyro_label_get(&l, "k2"), "v 2, with } and \"q\"");

    assert_true(pf_pyro_parse_name("fixture-app{otel.scope.name=com.grafana.pyroscope/nodejs,a=1,a=2,}", a, &app, &l,
                                   err, sizeof(err)));
    assert_string_equal(pf_pyro_label_get(&l, "otel.scope.name"), "com.grafana.pyroscope/nodejs");
    assert_string_equal(pf_pyro_label_get(&l, "a"), "2");
    assert_int_equal(l.n, 2);
    assert_true(pf_pyro_parse_name("app{}", a, &app, &l, err, sizeof(err)));
    assert_int_equal(l.n, 0);

    static const struct {
        const char *in, *msg;
    } bad[] = {
        {"", "service name is required"},
        {"{a=b}", "service name is required"},
        {"my app", "invalid service name: my app: character is not allowed: ' '"},
        {"app{k-1=v}", "invalid label name: k-1: character is not allowed: '-'"},
        {"app{=v}", "label name is required"},
        {"app{__name__=x}", "label name is reserved: __name__"},
        {"app{a=b", "unterminated label set: missing '}'"},
        {"app{a}", "label \"a\" has no '=value'"},
        {"app{a=\"b}", "unterminated quoted label value"},
        {"app{a=\"b\"c}", "unexpected 'c' after quoted value of label \"a\""},
        {"app{a=b}x", "unexpected text after '}': \"x\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(pf_pyro_parse_name(bad[i].in, a, &app, &l, err, sizeof(err)));
        assert_string_equal(err, bad[i].msg);
    }
    pf_arena_destroy(a);
}

static void test_legacy_suffix(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    pf_pyro_legacy_type t;
    char err[256];
    static const struct {
        const char *name, *app, *metric, *type, *unit;
        bool period;
    } rows[] = {
        {"app", "app", "process_cpu", "samples", "count", true},
        {"my.app.cpu", "my.app", "process_cpu", "samples", "count", true},
        {"a.itimer", "a", "process_cpu", "samples", "count", true},
        {"a.wall", "a", "wall", "samples", "count", true},
        {"a.alloc_space", "a", "memory", "alloc_space", "bytes", false},
        {"a.inuse_objects", "a", "memory", "inuse_objects", "count", false},
        {"a.mutex_count", "a", "mutex", "contentions", "count", false},
        {"a.mutex_duration", "a", "mutex", "delay", "nanoseconds", false},
        {"a.block_duration", "a", "block", "delay", "nanoseconds", false},
        {"a.goroutines", "a", "goroutine", "goroutines", "count", false},
        {"a.alloc_in_new_tlab_bytes", "a", "memory", "alloc_in_new_tlab_bytes", "bytes", false},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_true(pf_pyro_legacy_type_of(rows[i].name, a, &t, err, sizeof(err)));
        assert_string_equal(t.app, rows[i].app);
        assert_string_equal(t.metric, rows[i].metric);
        assert_string_equal(t.sample_type, rows[i].type);
        assert_string_equal(t.unit, rows[i].unit);
        assert_int_equal(t.per_sample_period, rows[i].period);
    }
    assert_false(pf_pyro_legacy_type_of("my.app", a, &t, err, sizeof(err)));
    assert_string_equal(err, "unknown profile type: app (from name suffix \".app\")");
    pf_arena_destroy(a);
}

static void test_attime(void **state)
{
    (void)state;
    const int64_t now = 1795253993LL * S;
    int64_t t;
    char err[256];
    static const struct {
        const char *in;
        int64_t want;
    } ok[] = {
        {"1795253993", 1795253993LL * S},
        {"1795253993123", 1795253993123LL * 1000000},
        {"1795253993123456", 1795253993123456LL * 1000},
        {"1795253993123456789", 1795253993123456789LL},
        {" 1_795_253,993 ", 1795253993LL * S},
        {"20260102", 1767312000LL * S},
        {"20240229", 1709164800LL * S},
        {"now", now},
        {"now-1h", now - 3600 * S},
        {"now-30min", now - 1800 * S},
        {"now+1d2h", now + (86400 + 7200) * S},
        {"-10s", now - 10 * S},
        {"now-1w", now - 7 * 86400 * S},
        {"now-1mon", now - 30 * 86400 * S},
        {"now-1y", now - 365 * 86400 * S},
        {"20231301", 20231301LL * S}, /* not a date: month 13, so unix seconds like Pyroscope */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (!pf_pyro_attime_parse(ok[i].in, now, &t, err, sizeof(err))) fail_msg("%s: %s", ok[i].in, err);
        if (t != ok[i].want) fail_msg("%s: want %lld got %lld", ok[i].in, (long long)ok[i].want, (long long)t);
    }
    static const char *const bad[] = {
        "", "yesterday", "now-", "now-1parsec", "now-h", "12:30", "99999999999999999999", "now-99999999999y"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pf_pyro_attime_parse(bad[i], now, &t, err, sizeof(err)))
            fail_msg("%s parsed as %lld", bad[i], (long long)t);
        assert_true(strlen(err) > 0);
    }
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * S + ts.tv_nsec;
}

static void test_query_defaults_and_values(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    pf_pyro_query q;
    char err[256];
    int64_t before = now_ns();
    assert_true(pf_pyro_parse_query("name=app", &q, a, err, sizeof(err)));
    int64_t after = now_ns();
    assert_string_equal(q.name, "app");
    assert_true(q.from_ns >= before && q.from_ns <= after);
    assert_true(q.until_ns >= before && q.until_ns <= after);
    assert_int_equal(q.sample_rate, 100);
    assert_string_equal(q.spy_name, "unknown");
    assert_string_equal(q.units, "samples");
    assert_string_equal(q.aggregation_type, "sum");
    assert_int_equal(q.format, PF_PYRO_FORMAT_FOLDED);

    /* The real 0.6.4 query, still percent-encoded. */
    assert_true(pf_pyro_parse_query(
        "format=pprof&from=1795253940&name=fixture-app%7Botel.scope.name%3Dcom.grafana.pyroscope%2Fnodejs%2Cenv%3Dtest"
        "%7D&spyName=nodespy&until=1795253945&sampleRate=17&units=objects&aggregationType=average&name=ignored",
        &q, a, err, sizeof(err)));
    assert_string_equal(q.name, "fixture-app");
    assert_string_equal(pf_pyro_label_get(&q.labels, "otel.scope.name"), "com.grafana.pyroscope/nodejs");
    assert_string_equal(pf_pyro_label_get(&q.labels, "env"), "test");
    assert_int_equal(q.from_ns, 1795253940LL * S);
    assert_int_equal(q.until_ns, 1795253945LL * S);
    assert_int_equal(q.sample_rate, 17);
    assert_string_equal(q.spy_name, "nodespy");
    assert_string_equal(q.units, "objects");
    assert_string_equal(q.aggregation_type, "average");
    assert_int_equal(q.format, PF_PYRO_FORMAT_PPROF);

    assert_true(pf_pyro_parse_query("name=a+b.cpu&from=now-1h&until=now", &q, a, err, sizeof(err)) == false);
    assert_string_equal(err, "name: invalid service name: a b.cpu: character is not allowed: ' '");
    assert_true(pf_pyro_parse_query("name=app&from=now-1h&until=now&format=groups", &q, a, err, sizeof(err)));
    assert_int_equal(q.until_ns - q.from_ns, 3600 * S);
    assert_int_equal(q.format, PF_PYRO_FORMAT_FOLDED);

    static const struct {
        const char *qs, *msg;
    } bad[] = {
        {"from=1", "name: service name is required"},
        {"name=app&sampleRate=fast", "sampleRate: \"fast\" is not a non-negative integer (Hz)"},
        {"name=app&sampleRate=-5", "sampleRate: \"-5\" is not a non-negative integer (Hz)"},
        {"name=app&units=parsecs", "units: unknown value \"parsecs\" (expected samples, objects, goroutines, bytes, "
                                   "lock_nanoseconds or lock_samples)"},
        {"name=app&aggregationType=max", "aggregationType: unknown value \"max\" (expected sum or average)"},
        {"name=app&format=xml", "format: unknown value \"xml\" (expected folded, groups, lines, pprof, jfr, trie, tree "
                                "or speedscope)"},
        {"name=app&from=yesterday", "from: time \"yesterday\" is not unix time, YYYYMMDD or now[+-offset]"},
        {"name=app%ZZ", "invalid percent-encoding in query parameter \"name=app%ZZ\""},
        {"name=app&until=%", "invalid percent-encoding in query parameter \"until=%\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(pf_pyro_parse_query(bad[i].qs, &q, a, err, sizeof(err)));
        assert_string_equal(err, bad[i].msg);
    }
    pf_arena_destroy(a);
}

static void test_series_labels(void **state)
{
    (void)state;
    pf_arena *a = pf_arena_create(4096);
    pf_pyro_query q;
    char err[256];
    assert_true(pf_pyro_parse_query("name=app.cpu%7Benv%3Dprod%2C__session_id__%3Dabc%2C__private%3Dx%7D&spyName=gospy",
                                    &q, a, err, sizeof(err)));
    pf_pyro_labels l;
    pf_pyro_series_labels(&q, "app", "process_cpu", NULL, a, &l);
    assert_string_equal(pf_pyro_label_get(&l, "__name__"), "process_cpu");
    assert_string_equal(pf_pyro_label_get(&l, "__delta__"), "false");
    assert_string_equal(pf_pyro_label_get(&l, "pyroscope_spy"), "gospy");
    assert_string_equal(pf_pyro_label_get(&l, "service_name"), "app");
    assert_string_equal(pf_pyro_label_get(&l, "env"), "prod");
    assert_string_equal(pf_pyro_label_get(&l, "__session_id__"), "abc");
    assert_null(pf_pyro_label_get(&l, "__private"));
    assert_null(pf_pyro_label_get(&l, "jfr_event"));
    assert_int_equal(l.n, 6);

    assert_true(pf_pyro_parse_query("name=app%7Bservice_name%3Dsvc%7D", &q, a, err, sizeof(err)));
    pf_pyro_series_labels(&q, "app", "wall", "itimer", a, &l);
    assert_string_equal(pf_pyro_label_get(&l, "service_name"), "svc");
    assert_string_equal(pf_pyro_label_get(&l, "app_name"), "app");
    assert_string_equal(pf_pyro_label_get(&l, "jfr_event"), "itimer");
    pf_arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_labels),   cmocka_unit_test(test_legacy_suffix),
        cmocka_unit_test(test_attime),        cmocka_unit_test(test_query_defaults_and_values),
        cmocka_unit_test(test_series_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
