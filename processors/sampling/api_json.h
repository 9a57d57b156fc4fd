/* api_json.h — the JSON of the sampling control API (jansson): parsing an override request and an
 * Alertmanager webhook notification, and rendering an override.
 *
 * Ownership: parse functions fill caller-owned structs released with the matching *_free (also after
 * a failed parse); override_to_json returns a new jansson reference the caller json_decref()s. */
#ifndef PF_SAMPLING_API_JSON_H
#define PF_SAMPLING_API_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "pipeline/component/alertmanager.h"
#include "processors/sampling/overrides.h"

/* POST /api/v1/sampling/overrides:
 *   {"match": {"service_name": "checkout"}, "probability": 1, "max_profiles_per_minute": 0,
 *    "max_bytes_per_second": "1MiB", "duration": "10m"}
 * match is required and non-empty; limits left out inherit `defaults`; duration defaults to
 * default_duration_ns and may not exceed max_duration_ns. */
typedef struct override_request {
    pf_strmap match;
    sampling_limits limits;
    int64_t duration_ns;
} override_request;

bool override_request_parse(const void *body, size_t len, const sampling_limits *defaults, int64_t default_duration_ns,
                            int64_t max_duration_ns, override_request *out, char *err, size_t err_len);
void override_request_free(override_request *r);

/* {"id": "7", "processor": ..., "source": ..., "match": {...}, "probability": ..., "max_profiles_per_minute":
 *  ..., "max_bytes_per_second": ..., "expires_in_seconds": ..., "kept": ..., "dropped": ...} */
json_t *override_to_json(const sampling_override *o, const char *processor, uint64_t now_ms);

/* The Alertmanager webhook's alerts (pipeline/component/alertmanager.h, shared with the frequency boosts). */
typedef pf_alert alert;
typedef pf_alert_list alert_list;

static inline bool alertmanager_parse(const void *body, size_t len, alert_list *out, char *err, size_t err_len)
{
    return pf_alertmanager_parse(body, len, out, err, err_len);
}

static inline void alert_list_free(alert_list *l) { pf_alert_list_free(l); }

#endif
