/* attr_actions.c — the attribute action engine of the resource processor (see resource_processor.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <inttypes.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "processors/resource/resource_processor.h"

typedef enum action_kind {
    ACT_INSERT,
    ACT_UPDATE,
    ACT_UPSERT,
    ACT_DELETE,
    ACT_HASH,
    ACT_EXTRACT,
    ACT_CONVERT
} action_kind;

typedef struct action {
    action_kind kind;
    const attr_action_config *cfg;
    pcre2_code *pattern;
    pcre2_match_data *match;
} action;

struct attr_actions {
    action *items;
    size_t n;
};

static const char *const kind_names[] = {"insert", "update", "upsert", "delete", "hash", "extract", "convert", NULL};

static bool set(const char *s) { return s && s[0]; }

static bool check_action(const attr_action_config *c, action_kind kind, char *err, size_t err_len)
{
    bool needs_value = kind <= ACT_UPSERT;
    if (needs_value && !set(c->value) == !set(c->from_attribute))
        snprintf(err, err_len, "action %s needs exactly one of value or from_attribute", c->action);
    else if (needs_value && !set(c->key))
        snprintf(err, err_len, "action %s needs a key", c->action);
    else if ((kind == ACT_DELETE || kind == ACT_HASH) && !set(c->key) && !set(c->pattern))
        snprintf(err, err_len, "action %s needs key or pattern", c->action);
    else if (kind == ACT_EXTRACT && (!set(c->key) || !set(c->pattern)))
        snprintf(err, err_len, "action extract needs key and pattern");
    else if (kind == ACT_CONVERT && (!set(c->key) || !c->converted_type ||
                                     (strcmp(c->converted_type, "int") && strcmp(c->converted_type, "double") &&
                                      strcmp(c->converted_type, "string"))))
        snprintf(err, err_len, "action convert needs a key and converted_type int, double or string");
    else
        return true;
    return false;
}

attr_actions *attr_actions_compile(const pf_list *configs, char *err, size_t err_len)
{
    attr_actions *a = calloc(1, sizeof(*a));
    a->items = calloc(configs->n + 1, sizeof(action));
    for (size_t i = 0; i < configs->n; i++) {
        const attr_action_config *c = &((const attr_action_config *)configs->items)[i];
        action *act = &a->items[a->n++];
        act->cfg = c;
        size_t k = 0;
        while (kind_names[k] && (!c->action || strcmp(kind_names[k], c->action) != 0)) k++;
        if (!kind_names[k]) {
            snprintf(err, err_len, "unknown action \"%s\" (insert, update, upsert, delete, hash, extract, convert)",
                     c->action ? c->action : "");
            attr_actions_free(a);
            return NULL;
        }
        act->kind = (action_kind)k;
        if (!check_action(c, act->kind, err, err_len)) {
            attr_actions_free(a);
            return NULL;
        }
        if (set(c->pattern)) {
            int code;
            PCRE2_SIZE off;
            act->pattern = pcre2_compile((PCRE2_SPTR)c->pattern, PCRE2_ZERO_TERMINATED,
                                         PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
            if (!act->pattern) {
                PCRE2_UCHAR msg[256];
                pcre2_get_error_message(code, msg, sizeof(msg));
                snprintf(err, err_len, "invalid pattern \"%s\": %s at offset %zu", c->pattern, (const char *)msg,
                         (size_t)off);
                attr_actions_free(a);
                return NULL;
            }
            pcre2_jit_compile(act->pattern, PCRE2_JIT_COMPLETE);
            act->match = pcre2_match_data_create_from_pattern(act->pattern, NULL);
        }
    }
    return a;
}

void attr_actions_free(attr_actions *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) {
        pcre2_match_data_free(a->items[i].match);
        pcre2_code_free(a->items[i].pattern);
    }
    free(a->items);
    free(a);
}

/* ---------------------------------------------------------------- applying */

static attr_entry *find(attr_set *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i].key, key) == 0) return &s->items[i];
    return NULL;
}

static void put(attr_set *s, pf_batch *b, const char *key, const otlp_any_value *v)
{
    attr_entry *e = find(s, key);
    if (!e) {
        PF_GROW(s->items, s->cap, s->n + 1, 8);
        e = &s->items[s->n++];
        *e = (attr_entry){.key = pf_arena_strdup(b->arena, key), .index = -1};
    }
    e->value = v;
    e->changed = true;
}

static otlp_any_value *new_value(pf_batch *b)
{
    otlp_any_value *v = pf_arena_alloc(b->arena, sizeof(*v));
    *v = (otlp_any_value)OTLP_ANY_VALUE_INIT;
    return v;
}

static otlp_any_value *string_value(pf_batch *b, const char *s, size_t len)
{
    otlp_any_value *v = new_value(b);
    v->value_case = OTLP_VALUE_STRING;
    v->string_value = pf_arena_strndup(b->arena, s, len);
    return v;
}

static const char *value_text(const pf_batch *b, const otlp_any_value *v, char *scratch, size_t n)
{
    return pf_any_value_string(b, v, scratch, n);
}

static void hash_entry(pf_batch *b, attr_entry *e)
{
    char scratch[64];
    const char *text = value_text(b, e->value, scratch, sizeof(scratch));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < len; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    e->value = string_value(b, hex, 2 * len);
    e->changed = true;
}

static bool matches(const action *a, const char *s)
{
    return pcre2_match(a->pattern, (PCRE2_SPTR)s, strlen(s), 0, 0, a->match, NULL) >= 0;
}

static void delete_or_hash(const action *a, pf_batch *b, attr_set *s)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        attr_entry *e = &s->items[i];
        bool hit = (set(a->cfg->key) && strcmp(e->key, a->cfg->key) == 0) || (a->pattern && matches(a, e->key));
        if (hit && a->kind == ACT_HASH) hash_entry(b, e);
        if (!hit || a->kind == ACT_HASH) s->items[kept++] = *e;
    }
    s->n = kept;
}

static void extract(const action *a, pf_batch *b, attr_set *s)
{
    attr_entry *e = find(s, a->cfg->key);
    if (!e || !e->value || e->value->value_case != OTLP_VALUE_STRING) return;
    const char *text = e->value->string_value;
    if (!matches(a, text)) return;
    uint32_t count, entry_size;
    PCRE2_SPTR table;
    pcre2_pattern_info(a->pattern, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(a->pattern, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
    pcre2_pattern_info(a->pattern, PCRE2_INFO_NAMETABLE, &table);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(a->match);
    for (uint32_t i = 0; i < count; i++, table += entry_size) {
        int group = (table[0] << 8) | table[1];
        const char *name = (const char *)table + 2;
        if (ov[2 * group] == PCRE2_UNSET) continue;
        put(s, b, name, string_value(b, text + ov[2 * group], ov[2 * group + 1] - ov[2 * group]));
    }
}

static void convert(const action *a, pf_batch *b, attr_set *s)
{
    attr_entry *e = find(s, a->cfg->key);
    if (!e || !e->value) return;
    char scratch[64];
    const char *text = value_text(b, e->value, scratch, sizeof(scratch));
    const char *type = a->cfg->converted_type;
    otlp_any_value *v = NULL;
    char *end = NULL;
    if (strcmp(type, "string") == 0) {
        v = string_value(b, text, strlen(text));
    } else if (strcmp(type, "int") == 0) {
        double d = strtod(text, &end); /* contrib truncates doubles ("1.9" → 1) */
        if (end != text && !*end) {
            v = new_value(b);
            v->value_case = OTLP_VALUE_INT;
            v->int_value = (int64_t)d;
        }
    } else {
        double d = strtod(text, &end);
        if (end != text && !*end) {
            v = new_value(b);
            v->value_case = OTLP_VALUE_DOUBLE;
            v->double_value = d;
        }
    }
    if (v) { /* a value that does not convert is left as it is, as contrib does */
        e->value = v;
        e->changed = true;
    }
}

void attr_actions_apply(const attr_actions *acts, pf_batch *b, attr_set *s)
{
    for (size_t i = 0; acts && i < acts->n; i++) {
        const action *a = &acts->items[i];
        const attr_action_config *c = a->cfg;
        const otlp_any_value *v = NULL;
        if (a->kind <= ACT_UPSERT) {
            if (set(c->value)) {
                v = string_value(b, c->value, strlen(c->value));
            } else {
                attr_entry *from = find(s, c->from_attribute);
                if (!from) continue;
                v = from->value;
            }
        }
        bool present = a->kind <= ACT_UPSERT && find(s, c->key);
        switch (a->kind) {
        case ACT_INSERT:
            if (!present) put(s, b, c->key, v);
            break;
        case ACT_UPDATE:
            if (present) put(s, b, c->key, v);
            break;
        case ACT_UPSERT: put(s, b, c->key, v); break;
        case ACT_DELETE:
        case ACT_HASH: delete_or_hash(a, b, s); break;
        case ACT_EXTRACT: extract(a, b, s); break;
        case ACT_CONVERT: convert(a, b, s); break;
        }
    }
}
