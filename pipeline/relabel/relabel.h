/* relabel.h — Prometheus relabel_configs, exactly as Prometheus applies them (model/relabel):
 * source_labels joined by separator, fully anchored regex (PCRE2, JIT, compiled once at config load),
 * replacement with $1 / ${1} / ${name} / $$, actions replace, keep, drop, keepequal, dropequal,
 * hashmod (MD5, low 8 bytes big-endian, mod modulus), labelmap, labeldrop, labelkeep, lowercase,
 * uppercase. Used by the relabel processor (series and sample labels) and the pprof scraper.
 *
 * Label sets (pf_labels) are kept sorted by name like Prometheus' labels.Labels; setting a label to ""
 * deletes it. Names and values are malloc'd copies owned by the set: pf_labels_free() releases them.
 *
 * Rules (pf_relabel_rules) are built from YAML by the config_map entry PF_CFG_RELABEL_CONFIGS (or
 * pf_relabel_cfg_parse directly) and freed by pf_cfg_release / pf_relabel_rules_free. A rule owns
 * its compiled regex and match data, so rules are used from one thread (the loop) at a time. */
#ifndef PF_RELABEL_H
#define PF_RELABEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config_map.h"

/* ---- label sets ---- */
typedef struct pf_label {
    char *name;
    char *value;
} pf_label;

typedef struct pf_labels {
    pf_label *items; /* sorted by name, names unique, values never "" */
    size_t n, cap;
} pf_labels;

/* NULL when absent. */
const char *pf_labels_get(const pf_labels *ls, const char *name);
/* Adds or replaces; an empty value deletes (Prometheus' labels.Builder.Set). Copies both strings. */
void pf_labels_set(pf_labels *ls, const char *name, const char *value);
void pf_labels_set_n(pf_labels *ls, const char *name, const char *value, size_t value_len);
void pf_labels_del(pf_labels *ls, const char *name);
/* Removes every label whose name starts with "__" (what Prometheus does after relabeling). */
void pf_labels_drop_reserved(pf_labels *ls);
void pf_labels_copy(pf_labels *dst, const pf_labels *src);
void pf_labels_clear(pf_labels *ls); /* keeps the allocation for reuse */
void pf_labels_free(pf_labels *ls);
bool pf_labels_equal(const pf_labels *a, const pf_labels *b);

/* [a-zA-Z_][a-zA-Z0-9_]* (Prometheus' legacy label-name rule). */
bool pf_label_name_valid(const char *name);
/* Rewrites a name into that alphabet: every other byte becomes '_', a leading digit gets a '_'
 * prefix, "" becomes "_". Returns a malloc'd string. */
char *pf_label_name_sanitize(const char *name);

/* ---- rules ---- */
typedef enum pf_relabel_action {
    PF_RELABEL_REPLACE,
    PF_RELABEL_KEEP,
    PF_RELABEL_DROP,
    PF_RELABEL_KEEPEQUAL,
    PF_RELABEL_DROPEQUAL,
    PF_RELABEL_HASHMOD,
    PF_RELABEL_LABELMAP,
    PF_RELABEL_LABELDROP,
    PF_RELABEL_LABELKEEP,
    PF_RELABEL_LOWERCASE,
    PF_RELABEL_UPPERCASE,
} pf_relabel_action;

typedef struct pf_relabel_regex pf_relabel_regex; /* private to relabel.c */

typedef struct pf_relabel_rule {
    pf_relabel_action action;
    pf_strlist source_labels;
    char *separator;  /* default ";" */
    char *regex_text; /* as written, default "(.*)" */
    uint64_t modulus;
    char *target_label;
    char *replacement; /* default "$1" */
    pf_relabel_regex *regex;
} pf_relabel_rule;

typedef struct pf_relabel_rules {
    pf_relabel_rule *items;
    size_t n;
} pf_relabel_rules;

/* Applies every rule in order. Returns false when a keep/drop/keepequal/dropequal rule dropped the
 * set (the set's contents are then unspecified). Reserved "__" labels are left in place; callers
 * call pf_labels_drop_reserved() when they are done. */
bool pf_relabel_process(const pf_relabel_rules *rules, pf_labels *ls);

/* Prometheus' hashmod value of a string: MD5, last 8 bytes big-endian, mod modulus. */
uint64_t pf_relabel_hashmod(const char *value, size_t len, uint64_t modulus);

/* Builds one rule from its fields (as the YAML keys would give them; NULL = default) and validates it
 * with Prometheus' rules. Returns false with a message in err (err_len bytes). On success the rule owns
 * copies of everything; release with pf_relabel_rule_free. */
bool pf_relabel_rule_init(pf_relabel_rule *r, const char *action, const char *const *source_labels,
                          size_t n_source_labels, const char *separator, const char *regex, uint64_t modulus,
                          const char *target_label, const char *replacement, char *err, size_t err_len);
void pf_relabel_rule_free(pf_relabel_rule *r);
void pf_relabel_rules_free(pf_relabel_rules *rules);

/* ---- configuration ---- */
/* CUSTOM parse/release for a `relabel_configs`-style key whose field is a pf_relabel_rules. Errors
 * name file:line:col of the offending key (e.g. "hashmod requires non-zero modulus", PCRE2's message
 * for a bad regex). */
bool pf_relabel_cfg_parse(const pf_cfg_entry *e, const pf_node *node, void *field, const char *path, pf_cfg_error *err);
void pf_relabel_cfg_release(const pf_cfg_entry *e, void *field);

/* One config_map row for a pf_relabel_rules field: PF_CFG_RELABEL_CONFIGS("relabel_configs",
 * my_config, rules, "Relabel rules applied to each series"). */
#define PF_CFG_RELABEL_CONFIGS(key, config_type, field, description)                                                   \
    {                                                                                                                  \
        .type = PF_CFG_CUSTOM, .name = (key), .offset = offsetof(config_type, field), .desc = (description),           \
        .parse = pf_relabel_cfg_parse, .release = pf_relabel_cfg_release, .type_name = "relabel_config list"           \
    }

#endif
