/* fuzz_relabel.c — Prometheus relabel_configs: the YAML list (actions, regexes compiled with PCRE2,
 * separators, modulus, $1 / ${name} replacements) before a "\n---\n" line, label lines "name=value"
 * after it. The rules run on the label set as the relabel processor and the scraper run them; the
 * result must still be a label set (sorted, unique names, no empty values), or be dropped. */
#include "config/loader.h"
#include "pipeline/relabel/relabel.h"
#include "tests/fuzz/fuzz_common.h"

typedef struct rules_holder {
    pf_relabel_rules rules;
} rules_holder;

static const pf_cfg_entry map[] = {
    PF_CFG_RELABEL_CONFIGS("relabel_configs", rules_holder, rules, "rules"),
    PF_CFG_END,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *yaml_view, *labels_view;
    size_t yaml_len, labels_len;
    fuzz_split(data, size, "\n---\n", &yaml_view, &yaml_len, &labels_view, &labels_len);
    /* The rules are the value of one key, as in a processor's config. */
    pf_buf doc = {0};
    pf_buf_puts(&doc, "relabel_configs:\n");
    pf_buf_append(&doc, yaml_view, yaml_len);
    pf_cfg_error err = {{0}};
    pf_node *n = pf_yaml_parse(doc.data, doc.len, "relabel.yaml", &err);
    pf_buf_free(&doc);
    if (!n) return 0;
    rules_holder h = {0};
    bool ok = pf_cfg_defaults(map, &h, &err) && pf_cfg_apply(map, n, &h, "relabel", &err);
    pf_node_free(n);
    if (!ok) {
        FUZZ_CHECK(err.msg[0] != '\0', "refusal without a message");
        pf_cfg_release(map, &h);
        return 0;
    }
    pf_labels ls = {0};
    char *labels = fuzz_cstr(labels_view, labels_len);
    for (char *line = labels, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        if (*line && eq[1]) pf_labels_set(&ls, line, eq + 1);
    }
    free(labels);
    for (int round = 0; round < 2; round++) {
        if (!pf_relabel_process(&h.rules, &ls)) break;
        for (size_t i = 0; i < ls.n; i++) {
            FUZZ_CHECK(ls.items[i].name && ls.items[i].value && ls.items[i].value[0], "label %zu empty", i);
            if (i) FUZZ_CHECK(strcmp(ls.items[i - 1].name, ls.items[i].name) < 0, "labels not sorted/unique at %zu", i);
        }
    }
    (void)pf_relabel_hashmod(labels_view ? (const char *)labels_view : "", labels_len, 1 + (size % 97));
    pf_labels_free(&ls);
    pf_cfg_release(map, &h);
    return 0;
}
