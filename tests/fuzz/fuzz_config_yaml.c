/* fuzz_config_yaml.c — a configuration file as `proflow --config`, `validate`, `print-config` and a
 * SIGHUP reload read it: pf_yaml_parse on the exact bytes; the loader (parse, ${env:…}/${file:…}/$$
 * expansion, --set overrides given as leading "#set key=value" lines) → pf_service_config_parse (every
 * component's config table and cross-key checks); then print-config's YAML, which must parse again. */
#include "config/loader.h"
#include "pipeline/service/service.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    setenv("FUZZ_ENDPOINT", "127.0.0.1:4318", 1);
    setenv("FUZZ_TOKEN", "s3cret", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_cfg_error err = {{0}};
    char *exact = malloc(size ? size : 1);
    if (size) memcpy(exact, data, size);
    pf_node *doc = pf_yaml_parse(exact, size, "fuzz.yaml", &err);
    free(exact);
    if (doc)
        pf_node_free(doc);
    else
        FUZZ_CHECK(err.msg[0] != '\0', "refusal without a message");

    char *text = fuzz_cstr(data, size);
    const char *sets[4];
    size_t n_sets = 0;
    char *p = text;
    while (n_sets < 4 && strncmp(p, "#set ", 5) == 0) {
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = '\0';
        sets[n_sets++] = p + 5;
        p = nl + 1;
    }
    /* The loader reads the body after the #set lines (they are YAML comments anyway). */
    pf_config_sources src = {.fallback_yaml = p, .sets = sets, .n_sets = n_sets};
    memset(&err, 0, sizeof(err));
    pf_node *root = pf_config_load(&src, &err);
    if (!root) {
        FUZZ_CHECK(err.msg[0] != '\0', "refusal without a message");
        free(text);
        return 0;
    }
    pf_service_config *cfg = pf_service_config_parse(root, &err);
    if (cfg) {
        FUZZ_CHECK(pf_service_config_warnings(cfg) != NULL, "no warnings string");
        pf_service_config_free(cfg);
    } else {
        FUZZ_CHECK(err.msg[0] != '\0', "refusal without a message");
    }
    char *printed = NULL;
    size_t printed_len = 0;
    FILE *f = open_memstream(&printed, &printed_len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    pf_node_print_yaml(root, f);
    fclose(f);
    pf_node *reparsed = pf_yaml_parse(printed, printed_len, "printed.yaml", &err);
    FUZZ_CHECK(reparsed != NULL, "print-config output does not parse: %s\n--- printed:\n%s", err.msg, printed);
    pf_node_free(reparsed);
    free(printed);
    pf_node_free(root);
    free(text);
    return 0;
}
