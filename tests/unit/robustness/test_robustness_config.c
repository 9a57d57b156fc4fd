/* test_robustness_config.c — mutated configuration files (the example files under examples/ that
 * ship with proflow) through the config front end as `proflow --config` and SIGHUP reloads use it:
 * pf_yaml_parse on the exact bytes, then the whole loader (pf_config_load: parse, ${...} expansion)
 * → pf_service_config_parse. A document either fails with a message, or yields a service config
 * that frees cleanly (LeakSanitizer checks every refusal path frees what it built). */
#include "config/loader.h"
#include "pipeline/service/service.h"
#include "tests/unit/test_robustness_mutate.h"

static const char *const examples[] = {"examples/gateway.yaml", "examples/scraper.yaml", "examples/sidecar.yaml"};

/* data is NUL-terminated (the loader takes C strings). ctx non-NULL: the input must be accepted
 * (the unmutated examples), failing with the reason otherwise. */
static bool check_config(const uint8_t *data, size_t len, void *ctx)
{
    pf_cfg_error err = {{0}};
    uint8_t *exact = malloc(len ? len : 1);
    if (len) memcpy(exact, data, len);
    pf_node *doc = pf_yaml_parse((const char *)exact, len, "mutant.yaml", &err);
    free(exact);
    if (doc)
        pf_node_free(doc);
    else
        assert_true(err.msg[0] != '\0');

    pf_config_sources src = {.fallback_yaml = (const char *)data};
    pf_node *root = pf_config_load(&src, &err);
    if (!root) {
        if (ctx) fail_msg("%s", err.msg);
        assert_true(err.msg[0] != '\0');
        return false;
    }
    pf_service_config *cfg = pf_service_config_parse(root, &err);
    if (cfg) {
        assert_non_null(pf_service_config_warnings(cfg));
        pf_service_config_free(cfg);
    } else {
        if (ctx) fail_msg("%s", err.msg);
        assert_true(err.msg[0] != '\0');
    }
    pf_node_free(root);
    return cfg != NULL;
}

static void test_config_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
        rb_corpus_add_file(&c, "PROFLOW_SOURCE_DIR", examples[i]);
    rb_check_seeds(&c, check_config, &c);
    rb_tally t = rb_run(&c, RB_TEXT, true, 3000, 0xc0f1, check_config, NULL);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_mutants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
