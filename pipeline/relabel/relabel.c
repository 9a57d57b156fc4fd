/* relabel.c — the relabel engine: label sets, rule validation, regex matching, replacement expansion
 * and the actions, with Prometheus' semantics (see relabel.h). YAML parsing lives in config.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pipeline/relabel/relabel.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pipeline/base/xalloc.h"

struct pf_relabel_regex {
    pcre2_code *code;
    pcre2_match_data *match;
};

/* ---------------------------------------------------------------- label sets */

static size_t labels_find(const pf_labels *ls, const char *name, bool *found)
{
    size_t lo = 0, hi = ls->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(ls->items[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

const char *pf_labels_get(const pf_labels *ls, const char *name)
{
    bool found;
    size_t i = labels_find(ls, name, &found);
    return found ? ls->items[i].value : NULL;
}

void pf_labels_del(pf_labels *ls, const char *name)
{
    bool found;
    size_t i = labels_find(ls, name, &found);
    if (!found) return;
    free(ls->items[i].name);
    free(ls->items[i].value);
    memmove(&ls->items[i], &ls->items[i + 1], (ls->n - i - 1) * sizeof(pf_label));
    ls->n--;
}

void pf_labels_set_n(pf_labels *ls, const char *name, const char *value, size_t value_len)
{
    if (value_len == 0) {
        pf_labels_del(ls, name);
        return;
    }
    bool found;
    size_t i = labels_find(ls, name, &found);
    if (found) {
        free(ls->items[i].value);
        ls->items[i].value = pf_xstrndup(value, value_len);
        return;
    }
    PF_GROW(ls->items, ls->cap, ls->n + 1, 16);
    memmove(&ls->items[i + 1], &ls->items[i], (ls->n - i) * sizeof(pf_label));
    ls->items[i].name = pf_xstrdup(name);
    ls->items[i].value = pf_xstrndup(value, value_len);
    ls->n++;
}

void pf_labels_set(pf_labels *ls, const char *name, const char *value)
{
    pf_labels_set_n(ls, name, value, strlen(value));
}

void pf_labels_drop_reserved(pf_labels *ls)
{
    size_t kept = 0;
    for (size_t i = 0; i < ls->n; i++) {
        if (strncmp(ls->items[i].name, "__", 2) == 0) {
            free(ls->items[i].name);
            free(ls->items[i].value);
        } else {
            ls->items[kept++] = ls->items[i];
        }
    }
    ls->n = kept;
}

void pf_labels_clear(pf_labels *ls)
{
    for (size_t i = 0; i < ls->n; i++) {
        free(ls->items[i].name);
        free(ls->items[i].value);
    }
    ls->n = 0;
}

void pf_labels_free(pf_labels *ls)
{
    pf_labels_clear(ls);
    free(ls->items);
    memset(ls, 0, sizeof(*ls));
}

void pf_labels_copy(pf_labels *dst, const pf_labels *src)
{
    pf_labels_clear(dst);
    for (size_t i = 0; i < src->n; i++) pf_labels_set(dst, src->items[i].name, src->items[i].value);
}

bool pf_labels_equal(const pf_labels *a, const pf_labels *b)
{
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].name, b->items[i].name) != 0 || strcmp(a->items[i].value, b->items[i].value) != 0)
            return false;
    return true;
}

static bool is_word(unsigned char c) { return isalnum(c) || c == '_'; }

bool pf_label_name_valid(const char *name)
{
    if (!name[0] || isdigit((unsigned char)name[0])) return false;
    for (const char *p = name; *p; p++)
        if (!is_word((unsigned char)*p) || (unsigned char)*p >= 0x80) return false;
    return true;
}

char *pf_label_name_sanitize(const char *name)
{
    size_t n = strlen(name);
    bool prefix = n == 0 || isdigit((unsigned char)name[0]);
    char *out = pf_xmalloc(n + 2), *w = out;
    if (prefix) *w++ = '_';
    for (const char *p = name; *p; p++) *w++ = is_word((unsigned char)*p) && (unsigned char)*p < 0x80 ? *p : '_';
    *w = '\0';
    return out;
}

/* ---------------------------------------------------------------- regex */

/* Go's regexp (which Prometheus uses) treats `$` as end of text and `.` as any rune but newline:
 * PCRE2 gets the same with DOLLAR_ENDONLY and UTF. Prometheus anchors as ^(?:re)$; so do we, and
 * error offsets are shifted back into the user's text. */
static pf_relabel_regex *regex_compile(const char *text, char *err, size_t err_len)
{
    static const char prefix[] = "^(?:", suffix[] = ")$";
    char *anchored = pf_xasprintf("%s%s%s", prefix, text, suffix);
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)anchored, PCRE2_ZERO_TERMINATED,
                                   PCRE2_DOLLAR_ENDONLY | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
    free(anchored);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof(msg));
        size_t at = offset >= sizeof(prefix) - 1 ? offset - (sizeof(prefix) - 1) : 0;
        if (at > strlen(text)) at = strlen(text);
        snprintf(err, err_len, "invalid regex \"%s\": %s at offset %zu", text, (const char *)msg, at);
        return NULL;
    }
    /* JIT is an optimisation: when unavailable (e.g. some sanitizer builds) the interpreter runs. */
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    pf_relabel_regex *r = pf_xcalloc(1, sizeof(*r));
    r->code = re;
    r->match = pcre2_match_data_create_from_pattern(re, NULL);
    return r;
}

static void regex_free(pf_relabel_regex *r)
{
    if (!r) return;
    pcre2_match_data_free(r->match);
    pcre2_code_free(r->code);
    free(r);
}

/* On success the groups of the match are in r->match. */
static bool regex_match(pf_relabel_regex *r, const char *s, size_t len)
{
    return pcre2_match(r->code, (PCRE2_SPTR)s, len, 0, 0, r->match, NULL) >= 0;
}

/* Go's Regexp.Expand: $name / ${name} (name = [A-Za-z0-9_]+; all digits = group number, leading zero
 * not allowed), $$ = '$', a malformed reference is literal text, unknown or unset groups expand empty. */
static void expand(pf_relabel_regex *r, const char *tmpl, const char *subject, pf_buf *out)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->match);
    uint32_t n_pairs = pcre2_get_ovector_count(r->match);
    const char *p = tmpl;
    while (*p) {
        const char *dollar = strchr(p, '$');
        if (!dollar) {
            pf_buf_puts(out, p);
            return;
        }
        pf_buf_append(out, p, (size_t)(dollar - p));
        p = dollar + 1;
        if (*p == '$') {
            pf_buf_append(out, "$", 1);
            p++;
            continue;
        }
        bool brace = *p == '{';
        const char *name = brace ? p + 1 : p, *end = name;
        while (is_word((unsigned char)*end)) end++;
        if (end == name || (brace && *end != '}')) {
            pf_buf_append(out, "$", 1); /* malformed: keep the '$' and carry on after it */
            continue;
        }
        p = brace ? end + 1 : end;
        size_t name_len = (size_t)(end - name);
        long group = 0;
        for (size_t i = 0; i < name_len && group >= 0; i++)
            group = isdigit((unsigned char)name[i]) && group < 100000000 ? group * 10 + (name[i] - '0') : -1;
        if (name_len > 1 && name[0] == '0') group = -1;
        if (group < 0) {
            char *nm = pf_xstrndup(name, name_len);
            int num = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)nm);
            free(nm);
            if (num < 0) continue;
            group = num;
        }
        if ((uint32_t)group >= n_pairs || ov[2 * group] == PCRE2_UNSET) continue;
        pf_buf_append(out, subject + ov[2 * group], ov[2 * group + 1] - ov[2 * group]);
    }
}

/* ---------------------------------------------------------------- actions */

uint64_t pf_relabel_hashmod(const char *value, size_t len, uint64_t modulus)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_Digest(value, len, md, &md_len, EVP_md5(), NULL);
    uint64_t low = 0;
    for (int i = 8; i < 16; i++) low = (low << 8) | md[i];
    return low % modulus;
}

static void join_sources(const pf_relabel_rule *r, const pf_labels *ls, pf_buf *out)
{
    for (size_t i = 0; i < r->source_labels.n; i++) {
        if (i) pf_buf_puts(out, r->separator);
        const char *v = pf_labels_get(ls, r->source_labels.items[i]);
        if (v) pf_buf_puts(out, v);
    }
}

static void apply_replace(const pf_relabel_rule *r, pf_labels *ls, const char *val, size_t val_len)
{
    if (!regex_match(r->regex, val, val_len)) return;
    pf_buf target = {0}, res = {0};
    expand(r->regex, r->target_label, val, &target);
    if (target.len && pf_label_name_valid(target.data)) {
        expand(r->regex, r->replacement, val, &res);
        pf_labels_set_n(ls, target.data, res.data ? res.data : "", res.len);
    }
    pf_buf_free(&target);
    pf_buf_free(&res);
}

static void apply_case(const pf_relabel_rule *r, pf_labels *ls, char *val, size_t val_len, bool upper)
{
    for (size_t i = 0; i < val_len; i++)
        val[i] = (char)(upper ? toupper((unsigned char)val[i]) : tolower((unsigned char)val[i]));
    pf_labels_set_n(ls, r->target_label, val, val_len);
}

/* labelmap/labeldrop/labelkeep iterate over a snapshot, as Prometheus' Builder.Range does. */
static void apply_label_names(const pf_relabel_rule *r, pf_labels *ls)
{
    pf_labels snapshot = {0};
    pf_labels_copy(&snapshot, ls);
    for (size_t i = 0; i < snapshot.n; i++) {
        const pf_label *l = &snapshot.items[i];
        bool match = regex_match(r->regex, l->name, strlen(l->name));
        if (r->action == PF_RELABEL_LABELMAP && match) {
            pf_buf name = {0};
            expand(r->regex, r->replacement, l->name, &name);
            pf_labels_set(ls, name.data ? name.data : "", l->value);
            pf_buf_free(&name);
        } else if ((r->action == PF_RELABEL_LABELDROP && match) || (r->action == PF_RELABEL_LABELKEEP && !match)) {
            pf_labels_del(ls, l->name);
        }
    }
    pf_labels_free(&snapshot);
}

static bool apply_rule(const pf_relabel_rule *r, pf_labels *ls, pf_buf *scratch)
{
    pf_buf_reset(scratch);
    join_sources(r, ls, scratch);
    pf_buf_append(scratch, "", 0);
    char *val = scratch->data ? scratch->data : (char *)"";
    size_t len = scratch->len;
    const char *target;
    switch (r->action) {
    case PF_RELABEL_KEEP: return regex_match(r->regex, val, len);
    case PF_RELABEL_DROP: return !regex_match(r->regex, val, len);
    case PF_RELABEL_KEEPEQUAL:
    case PF_RELABEL_DROPEQUAL:
        target = pf_labels_get(ls, r->target_label);
        return (strcmp(target ? target : "", val) == 0) == (r->action == PF_RELABEL_KEEPEQUAL);
    case PF_RELABEL_REPLACE: apply_replace(r, ls, val, len); return true;
    case PF_RELABEL_LOWERCASE: apply_case(r, ls, val, len, false); return true;
    case PF_RELABEL_UPPERCASE: apply_case(r, ls, val, len, true); return true;
    case PF_RELABEL_HASHMOD: {
        char num[24];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)pf_relabel_hashmod(val, len, r->modulus));
        pf_labels_set(ls, r->target_label, num);
        return true;
    }
    case PF_RELABEL_LABELMAP:
    case PF_RELABEL_LABELDROP:
    case PF_RELABEL_LABELKEEP: apply_label_names(r, ls); return true;
    }
    return true;
}

bool pf_relabel_process(const pf_relabel_rules *rules, pf_labels *ls)
{
    pf_buf scratch = {0};
    bool keep = true;
    for (size_t i = 0; i < rules->n && keep; i++) keep = apply_rule(&rules->items[i], ls, &scratch);
    pf_buf_free(&scratch);
    return keep;
}

/* ---------------------------------------------------------------- rule construction */

static const char *const action_names[] = {
    [PF_RELABEL_REPLACE] = "replace",     [PF_RELABEL_KEEP] = "keep",           [PF_RELABEL_DROP] = "drop",
    [PF_RELABEL_KEEPEQUAL] = "keepequal", [PF_RELABEL_DROPEQUAL] = "dropequal", [PF_RELABEL_HASHMOD] = "hashmod",
    [PF_RELABEL_LABELMAP] = "labelmap",   [PF_RELABEL_LABELDROP] = "labeldrop", [PF_RELABEL_LABELKEEP] = "labelkeep",
    [PF_RELABEL_LOWERCASE] = "lowercase", [PF_RELABEL_UPPERCASE] = "uppercase",
};

/* Prometheus' relabelTarget: ^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$ — names made of word
 * characters and $-references, not starting with a digit. */
static bool valid_target_template(const char *s)
{
    if (!*s) return false;
    for (const char *p = s; *p;) {
        if (*p == '$') {
            p++;
            bool brace = *p == '{';
            if (brace) p++;
            const char *start = p;
            while (is_word((unsigned char)*p)) p++;
            if (p == start || (brace && *p++ != '}')) return false;
        } else if (is_word((unsigned char)*p) && (unsigned char)*p < 0x80) {
            if (p == s && isdigit((unsigned char)*p)) return false;
            p++;
        } else {
            return false;
        }
    }
    return true;
}

static bool validate(const pf_relabel_rule *r, char *err, size_t err_len)
{
    pf_relabel_action a = r->action;
    const char *name = action_names[a];
    bool needs_target = a == PF_RELABEL_REPLACE || a == PF_RELABEL_HASHMOD || a == PF_RELABEL_LOWERCASE ||
                        a == PF_RELABEL_UPPERCASE || a == PF_RELABEL_KEEPEQUAL || a == PF_RELABEL_DROPEQUAL;
    bool default_regex = strcmp(r->regex_text, "(.*)") == 0, default_sep = strcmp(r->separator, ";") == 0,
         default_repl = strcmp(r->replacement, "$1") == 0;
    if (a == PF_RELABEL_HASHMOD && r->modulus == 0) {
        snprintf(err, err_len, "relabel configuration for hashmod requires non-zero modulus");
    } else if (needs_target && !r->target_label[0]) {
        snprintf(err, err_len, "relabel configuration for %s action requires 'target_label' value", name);
    } else if (a == PF_RELABEL_REPLACE && !(strchr(r->target_label, '$') ? valid_target_template(r->target_label)
                                                                         : pf_label_name_valid(r->target_label))) {
        snprintf(err, err_len, "\"%s\" is invalid 'target_label' for %s action", r->target_label, name);
    } else if (needs_target && a != PF_RELABEL_REPLACE && !pf_label_name_valid(r->target_label)) {
        snprintf(err, err_len, "\"%s\" is invalid 'target_label' for %s action", r->target_label, name);
    } else if ((a == PF_RELABEL_LOWERCASE || a == PF_RELABEL_UPPERCASE || a == PF_RELABEL_KEEPEQUAL ||
                a == PF_RELABEL_DROPEQUAL) &&
               !default_repl) {
        snprintf(err, err_len, "'replacement' can not be set for %s action", name);
    } else if (a == PF_RELABEL_LABELMAP && !valid_target_template(r->replacement)) {
        snprintf(err, err_len, "\"%s\" is invalid 'replacement' for %s action", r->replacement, name);
    } else if ((a == PF_RELABEL_KEEPEQUAL || a == PF_RELABEL_DROPEQUAL) &&
               (!default_regex || r->modulus || !default_sep)) {
        snprintf(err, err_len, "%s action requires only 'source_labels' and `target_label`, and no other fields", name);
    } else if ((a == PF_RELABEL_LABELDROP || a == PF_RELABEL_LABELKEEP) &&
               (r->source_labels.n || r->target_label[0] || r->modulus || !default_sep || !default_repl)) {
        snprintf(err, err_len, "%s action requires only 'regex', and no other fields", name);
    } else {
        return true;
    }
    return false;
}

bool pf_relabel_rule_init(pf_relabel_rule *r, const char *action, const char *const *source_labels,
                          size_t n_source_labels, const char *separator, const char *regex, uint64_t modulus,
                          const char *target_label, const char *replacement, char *err, size_t err_len)
{
    memset(r, 0, sizeof(*r));
    if (action && !action[0]) {
        snprintf(err, err_len, "relabel action cannot be empty");
        return false;
    }
    bool known = action == NULL;
    for (size_t i = 0; action && i < sizeof(action_names) / sizeof(action_names[0]); i++) {
        if (strcasecmp(action, action_names[i]) == 0) {
            r->action = (pf_relabel_action)i;
            known = true;
        }
    }
    if (!known) {
        snprintf(err, err_len, "unknown relabel action \"%s\"", action);
        return false;
    }
    r->source_labels.n = n_source_labels;
    r->source_labels.items = n_source_labels ? pf_xcalloc(n_source_labels, sizeof(char *)) : NULL;
    for (size_t i = 0; i < n_source_labels; i++) r->source_labels.items[i] = pf_xstrdup(source_labels[i]);
    r->separator = pf_xstrdup(separator ? separator : ";");
    r->regex_text = pf_xstrdup(regex ? regex : "(.*)");
    r->modulus = modulus;
    r->target_label = pf_xstrdup(target_label ? target_label : "");
    r->replacement = pf_xstrdup(replacement ? replacement : "$1");
    if (validate(r, err, err_len) && (r->regex = regex_compile(r->regex_text, err, err_len))) return true;
    pf_relabel_rule_free(r);
    return false;
}

void pf_relabel_rule_free(pf_relabel_rule *r)
{
    for (size_t i = 0; i < r->source_labels.n; i++) free(r->source_labels.items[i]);
    free(r->source_labels.items);
    free(r->separator);
    free(r->regex_text);
    free(r->target_label);
    free(r->replacement);
    regex_free(r->regex);
    memset(r, 0, sizeof(*r));
}

void pf_relabel_rules_free(pf_relabel_rules *rules)
{
    for (size_t i = 0; i < rules->n; i++) pf_relabel_rule_free(&rules->items[i]);
    free(rules->items);
    rules->items = NULL;
    rules->n = 0;
}
