/* config.c — YAML for relabel_configs lists (the config_map CUSTOM callbacks of relabel.h).
 * Each list element is a mapping with Prometheus' keys; errors carry file:line:col of the key at fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/relabel/relabel.h"
#include "pipeline/base/xalloc.h"

static const char *const rule_keys[] = {"source_labels", "separator",   "regex",  "modulus",
                                        "target_label",  "replacement", "action", NULL};

static const char *scalar(const pf_node *n) { return n->is_null && !n->quoted ? "" : n->value; }

static bool parse_sources(const pf_node *n, const char *path, pf_strlist *out, pf_cfg_error *err)
{
    if (n->type == PF_NODE_SCALAR) {
        if (n->is_null && !n->quoted) return true;
        out->items = pf_xcalloc(1, sizeof(char *));
        out->items[out->n++] = pf_xstrdup(n->value);
        return true;
    }
    if (n->type != PF_NODE_SEQ) {
        pf_cfg_errorf(err, n, path, "expected a list of label names");
        return false;
    }
    out->items = pf_xcalloc(n->n_children + 1, sizeof(char *));
    for (size_t i = 0; i < n->n_children; i++) {
        if (n->children[i]->type != PF_NODE_SCALAR) {
            pf_cfg_errorf(err, n->children[i], path, "expected a label name");
            return false;
        }
        out->items[out->n++] = pf_xstrdup(n->children[i]->value);
    }
    return true;
}

static bool parse_rule(const pf_node *n, const char *path, pf_relabel_rule *rule, pf_cfg_error *err)
{
    if (n->type != PF_NODE_MAP) {
        pf_cfg_errorf(err, n, path, "expected a mapping with relabel_config keys");
        return false;
    }
    const pf_node *fields[7] = {0};
    for (size_t i = 0; i < n->n_children; i++) {
        const pf_node *c = n->children[i];
        size_t k = 0;
        while (rule_keys[k] && strcmp(rule_keys[k], c->key) != 0) k++;
        if (!rule_keys[k]) {
            pf_cfg_errorf(err, c, path,
                          "unknown key \"%s\" (valid: source_labels, separator, regex, modulus, "
                          "target_label, replacement, action)",
                          c->key);
            return false;
        }
        if (k != 0 && c->type != PF_NODE_SCALAR) {
            pf_cfg_errorf(err, c, path, "%s: expected a scalar", c->key);
            return false;
        }
        fields[k] = c;
    }
    pf_strlist sources = {0};
    int64_t modulus = 0;
    bool ok = !fields[0] || parse_sources(fields[0], path, &sources, err);
    if (ok && fields[3] && !(fields[3]->is_null && !fields[3]->quoted) &&
        (!pf_parse_int(fields[3]->value, &modulus) || modulus < 0)) {
        pf_cfg_errorf(err, fields[3], path, "modulus: \"%s\" is not a non-negative integer", fields[3]->value);
        ok = false;
    }
    char msg[512];
    if (ok && !pf_relabel_rule_init(
                  rule, fields[6] ? scalar(fields[6]) : NULL, (const char *const *)sources.items, sources.n,
                  fields[1] ? scalar(fields[1]) : NULL, fields[2] ? scalar(fields[2]) : NULL, (uint64_t)modulus,
                  fields[4] ? scalar(fields[4]) : NULL, fields[5] ? scalar(fields[5]) : NULL, msg, sizeof(msg))) {
        const pf_node *at = strncmp(msg, "invalid regex", 13) == 0 && fields[2]            ? fields[2]
                            : strncmp(msg, "unknown relabel action", 22) == 0 && fields[6] ? fields[6]
                                                                                           : n;
        pf_cfg_errorf(err, at, path, "%s", msg);
        ok = false;
    }
    for (size_t i = 0; i < sources.n; i++) free(sources.items[i]);
    free(sources.items);
    return ok;
}

bool pf_relabel_cfg_parse(const pf_cfg_entry *e, const pf_node *node, void *field, const char *path, pf_cfg_error *err)
{
    (void)e;
    pf_relabel_rules *rules = field;
    pf_relabel_rules_free(rules);
    if (node->type == PF_NODE_SCALAR && node->is_null) return true;
    if (node->type != PF_NODE_SEQ) {
        pf_cfg_errorf(err, node, path, "expected a list of relabel_config mappings");
        return false;
    }
    rules->items = pf_xcalloc(node->n_children + 1, sizeof(pf_relabel_rule));
    for (size_t i = 0; i < node->n_children; i++) {
        char *elem_path = pf_xasprintf("%s[%zu]", path, i);
        bool ok = parse_rule(node->children[i], elem_path, &rules->items[rules->n], err);
        free(elem_path);
        if (!ok) {
            pf_relabel_rules_free(rules);
            return false;
        }
        rules->n++;
    }
    return true;
}

void pf_relabel_cfg_release(const pf_cfg_entry *e, void *field)
{
    (void)e;
    pf_relabel_rules_free(field);
}
