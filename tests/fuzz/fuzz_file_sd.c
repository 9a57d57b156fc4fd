/* fuzz_file_sd.c — file_sd_configs target files (Prometheus format) as the pprof receiver reads them:
 * JSON when the first input byte is odd, YAML otherwise (the format follows the file extension);
 * every accepted group has targets and labels that are plain strings. */
#include "receivers/pprof/file_sd.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *path = data[0] & 1 ? "targets.json" : "targets.yaml";
    char *text = fuzz_cstr(data + 1, size - 1);
    scrape_sd_groups g = {0};
    char err[512] = "";
    if (scrape_sd_parse(path, text, size - 1, &g, err, sizeof(err))) {
        for (size_t i = 0; i < g.n; i++) {
            for (size_t k = 0; k < g.items[i].targets.n; k++)
                FUZZ_CHECK(g.items[i].targets.items[k] != NULL, "group %zu target %zu NULL", i, k);
            for (size_t k = 0; k < g.items[i].labels.n; k++)
                FUZZ_CHECK(g.items[i].labels.keys[k] && g.items[i].labels.values[k], "group %zu label %zu NULL", i, k);
        }
    } else {
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
    }
    scrape_sd_groups_free(&g);
    free(text);
    return 0;
}
