/* alertmanager.h — an Alertmanager webhook notification (version 4) parsed with jansson:
 *   {"status": "firing", "alerts": [{"status": "firing"|"resolved", "labels": {...},
 *    "fingerprint": "..."}, ...], ...}
 * An alert without a status takes the top-level one; one without a fingerprint gets one made from
 * its labels (a stable hash of the sorted pairs). Shared by every control plane that takes alerts
 * (the sampling processor's overrides, the profiling-frequency boosts of freq_boost.h).
 *
 * Ownership: pf_alertmanager_parse fills a caller-owned list released with pf_alert_list_free (also
 * after a failed parse). */
#ifndef PF_ALERTMANAGER_H
#define PF_ALERTMANAGER_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config_map.h"

typedef struct pf_alert {
    bool firing;
    char *fingerprint;
    pf_strmap labels;
} pf_alert;

typedef struct pf_alert_list {
    pf_alert *items;
    size_t n;
} pf_alert_list;

/* False with err naming the offending field when the body is not a webhook notification. */
bool pf_alertmanager_parse(const void *body, size_t len, pf_alert_list *out, char *err, size_t err_len);
void pf_alert_list_free(pf_alert_list *l);

/* JSON helpers shared with the sampling control API (jansson's json_t; the caller includes <jansson.h>).
 * The body parsed as a JSON object (caller json_decref's it); NULL with err set otherwise. */
struct json_t;
struct json_t *pf_json_load_object(const void *body, size_t len, char *err, size_t err_len);
/* An object of strings appended to `out`; `what` names it in errors. */
bool pf_json_string_map(struct json_t *obj, const char *what, pf_strmap *out, char *err, size_t err_len);

#endif
