/* alertmanager.c — parsing of Alertmanager webhook notifications (see alertmanager.h). Every
 * rejection names the offending field. */
#include "pipeline/component/alertmanager.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/relabel/relabel.h"
#include "pipeline/base/hash.h"
#include "pipeline/base/xalloc.h"

static void strmap_add(pf_strmap *m, const char *key, const char *value)
{
    m->keys = pf_xrealloc(m->keys, (m->n + 1) * sizeof(char *));
    m->values = pf_xrealloc(m->values, (m->n + 1) * sizeof(char *));
    m->keys[m->n] = pf_xstrdup(key);
    m->values[m->n] = pf_xstrdup(value);
    m->n++;
}

json_t *pf_json_load_object(const void *body, size_t len, char *err, size_t err_len)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        snprintf(err, err_len, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, err_len, "the body must be a JSON object");
        json_decref(root);
        return NULL;
    }
    return root;
}

/* An object of strings into a map; `what` names it in errors. */
bool pf_json_string_map(json_t *obj, const char *what, pf_strmap *out, char *err, size_t err_len)
{
    if (!json_is_object(obj)) {
        snprintf(err, err_len, "%s must be an object of label names to strings", what);
        return false;
    }
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        if (!json_is_string(value)) {
            snprintf(err, err_len, "%s.%s must be a string", what, key);
            return false;
        }
        strmap_add(out, key, json_string_value(value));
    }
    return true;
}

/* Stable stand-in for a missing fingerprint: a hash of the sorted label pairs. */
static char *labels_fingerprint(const pf_strmap *labels)
{
    pf_labels sorted = {0};
    for (size_t i = 0; i < labels->n; i++) pf_labels_set(&sorted, labels->keys[i], labels->values[i]);
    uint64_t h = PF_HASH_SEED;
    for (size_t i = 0; i < sorted.n; i++) {
        h = pf_hash_fnv1a(h, sorted.items[i].name, strlen(sorted.items[i].name) + 1);
        h = pf_hash_fnv1a(h, sorted.items[i].value, strlen(sorted.items[i].value) + 1);
    }
    pf_labels_free(&sorted);
    return pf_xasprintf("%016" PRIx64, pf_hash_mix64(h));
}

static bool parse_status(json_t *v, const char *what, bool *firing, char *err, size_t err_len)
{
    const char *s = json_string_value(v);
    if (s && strcmp(s, "firing") == 0)
        *firing = true;
    else if (s && strcmp(s, "resolved") == 0)
        *firing = false;
    else {
        snprintf(err, err_len, "%s must be \"firing\" or \"resolved\"", what);
        return false;
    }
    return true;
}

static bool parse_alert(json_t *a, size_t i, bool group_firing, bool have_group_status, pf_alert *out, char *err,
                        size_t err_len)
{
    char what[64];
    if (!json_is_object(a)) {
        snprintf(err, err_len, "alerts[%zu] must be an object", i);
        return false;
    }
    json_t *status = json_object_get(a, "status");
    out->firing = group_firing;
    snprintf(what, sizeof(what), "alerts[%zu].status", i);
    if (status && !parse_status(status, what, &out->firing, err, err_len)) return false;
    if (!status && !have_group_status) {
        snprintf(err, err_len, "alerts[%zu] has no status and the notification has none either", i);
        return false;
    }
    snprintf(what, sizeof(what), "alerts[%zu].labels", i);
    json_t *labels = json_object_get(a, "labels");
    if (!labels || !pf_json_string_map(labels, what, &out->labels, err, err_len)) {
        if (!labels) snprintf(err, err_len, "%s is required", what);
        return false;
    }
    json_t *fp = json_object_get(a, "fingerprint");
    if (fp && !json_is_string(fp)) {
        snprintf(err, err_len, "alerts[%zu].fingerprint must be a string", i);
        return false;
    }
    out->fingerprint =
        fp && json_string_length(fp) ? pf_xstrdup(json_string_value(fp)) : labels_fingerprint(&out->labels);
    return true;
}

bool pf_alertmanager_parse(const void *body, size_t len, pf_alert_list *out, char *err, size_t err_len)
{
    *out = (pf_alert_list){0};
    json_t *root = pf_json_load_object(body, len, err, err_len);
    if (!root) return false;
    bool ok = true, group_firing = false;
    json_t *status = json_object_get(root, "status");
    if (status) ok = parse_status(status, "status", &group_firing, err, err_len);
    json_t *alerts = json_object_get(root, "alerts");
    if (ok && !json_is_array(alerts)) {
        snprintf(err, err_len, "alerts must be an array (is this an Alertmanager webhook notification?)");
        ok = false;
    }
    if (ok) {
        out->items = pf_xcalloc(json_array_size(alerts) + 1, sizeof(pf_alert));
        for (size_t i = 0; ok && i < json_array_size(alerts); i++) {
            out->n++;
            ok = parse_alert(json_array_get(alerts, i), i, group_firing, status != NULL, &out->items[i], err, err_len);
        }
    }
    json_decref(root);
    return ok;
}

void pf_alert_list_free(pf_alert_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].fingerprint);
        pf_strmap_free(&l->items[i].labels);
    }
    free(l->items);
    *l = (pf_alert_list){0};
}
