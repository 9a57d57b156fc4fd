/* test_memory_budget.c — the process-wide memory budget (pipeline/base/memory_budget.h): limits from the
 * memory_limiter keys and the default, admission against the soft limit, the limited state with its
 * hysteresis, cgroup v2 memory.max parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pipeline/base/memory_budget.h"
#include "pipeline/base/telemetry.h"

#define MIB (1024ull * 1024ull)

static void test_limits(void **state)
{
    (void)state;
    size_t hard, soft;
    pf_memory_limiter_config c = {.limit_mib = 128};
    pf_memory_compute_limits(&c, 8192 * MIB, &hard, &soft);
    assert_int_equal(hard, 128 * MIB);
    assert_int_equal(soft, 128 * MIB - 128 * MIB / 5); /* spike defaults to 20% */
    c.spike_limit_mib = 32;
    pf_memory_compute_limits(&c, 8192 * MIB, &hard, &soft);
    assert_int_equal(soft, 96 * MIB);
    c = (pf_memory_limiter_config){.limit_percentage = 50, .spike_limit_percentage = 10};
    pf_memory_compute_limits(&c, 1000 * MIB, &hard, &soft);
    assert_int_equal(hard, 1000 * MIB / 100 * 50);
    assert_int_equal(soft, 1000 * MIB / 100 * 40);
    /* Default: 192 MiB, or 80% of a smaller total. */
    pf_memory_compute_limits(NULL, 64 * 1024 * MIB, &hard, &soft);
    assert_int_equal(hard, 192 * MIB);
    pf_memory_compute_limits(NULL, 100 * MIB, &hard, &soft);
    assert_int_equal(hard, 100 * MIB / 10 * 8);
}

static void test_admission_and_state(void **state)
{
    (void)state;
    pf_memory_limiter_config c = {.limit_mib = 10, .spike_limit_mib = 2};
    pf_memory_configure(&c, "test");
    assert_int_equal(pf_memory_soft_limit(), 8 * MIB);
    pf_memory_add(PF_MEM_DECODED, (int64_t)(6 * MIB));
    assert_true(pf_memory_admit(1 * MIB, "t", NULL));
    uint32_t retry = 0;
    assert_false(pf_memory_admit(3 * MIB, "t", &retry)); /* would cross the soft limit */
    assert_int_equal(retry, 1);
    assert_false(pf_memory_limited());
    pf_memory_add(PF_MEM_QUEUED, (int64_t)(2 * MIB));
    assert_true(pf_memory_limited());
    assert_false(pf_memory_admit(0, "t", NULL));
    pf_memory_publish();
    assert_true(pf_metric_value(pf_metric_find("proflow_memory_accounted_bytes", "kind=\"queued\"")) == 2 * MIB);
    /* Leaving needs 90% of the soft limit: hysteresis, so the state does not flap. */
    pf_memory_add(PF_MEM_QUEUED, -(int64_t)(MIB / 2));
    assert_true(pf_memory_limited());
    pf_memory_add(PF_MEM_DECODED, -(int64_t)(2 * MIB));
    assert_false(pf_memory_limited());
    assert_true(pf_memory_admit(1 * MIB, "t", NULL));
    assert_true(pf_metric_value(pf_metric_find("proflow_memory_refused_total", "what=\"t\"")) == 2);
    assert_int_equal(pf_memory_accounted(), 5 * MIB + MIB / 2);
    pf_memory_add(PF_MEM_DECODED, -(int64_t)(4 * MIB));
    pf_memory_add(PF_MEM_QUEUED, -(int64_t)(MIB + MIB / 2));
    assert_int_equal(pf_memory_accounted(), 0);
}

static void test_cgroup_max(void **state)
{
    (void)state;
    char path[] = "/tmp/proflow-cgroup-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "max\n", 4), 4);
    close(fd);
    assert_int_equal(pf_memory_cgroup_max(path), 0);
    FILE *f = fopen(path, "w");
    fputs("268435456\n", f);
    fclose(f);
    assert_int_equal(pf_memory_cgroup_max(path), 268435456);
    unlink(path);
    assert_int_equal(pf_memory_cgroup_max("/nonexistent/memory.max"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_admission_and_state),
        cmocka_unit_test(test_cgroup_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
