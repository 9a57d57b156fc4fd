/* api_json.c — parsing and rendering of the sampling control API's JSON (see api_json.h). Every
 * rejection names the offending field so a 400 tells the caller what to fix. */
#include "processors/sampling/api_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/config_map.h"
#include "pipeline/component/alertmanager.h"
#include "pipeline/base/xalloc.h"

static bool parse_probability(json_t *v, double *out, char *err, size_t err_len)
{
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1 || isnan(json_number_value(v))) {
        snprintf(err, err_len, "probability must be a number between 0 and 1");
        return false;
    }
    *out = json_number_value(v);
    return true;
}

/* A non-negative integer, or (bytes only) a size string like "1MiB". */
static bool parse_rate(json_t *v, const char *name, bool size_strings, int64_t *out, char *err, size_t err_len)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = json_integer_value(v);
        return true;
    }
    if (size_strings && json_is_string(v) && pf_parse_size(json_string_value(v), out) && *out >= 0) return true;
    snprintf(err, err_len, "%s must be a non-negative integer%s (0 = unlimited)", name,
             size_strings ? " or a size like \"1MiB\"" : "");
    return false;
}

static bool parse_duration_field(json_t *v, int64_t max_ns, int64_t *out, char *err, size_t err_len)
{
    if (!json_is_string(v) || !pf_parse_duration(json_string_value(v), out) || *out <= 0) {
        snprintf(err, err_len, "duration must be a positive duration string like \"10m\"");
        return false;
    }
    if (*out > max_ns) {
        snprintf(err, err_len, "duration %s exceeds max_override_duration (%" PRId64 "s)", json_string_value(v),
                 max_ns / 1000000000);
        return false;
    }
    return true;
}

static bool parse_override_field(const char *key, json_t *v, int64_t max_duration_ns, override_request *out, char *err,
                                 size_t err_len)
{
    if (strcmp(key, "match") == 0) return pf_json_string_map(v, "match", &out->match, err, err_len);
    if (strcmp(key, "probability") == 0) return parse_probability(v, &out->limits.probability, err, err_len);
    if (strcmp(key, "max_profiles_per_minute") == 0)
        return parse_rate(v, key, false, &out->limits.max_profiles_per_minute, err, err_len);
    if (strcmp(key, "max_bytes_per_second") == 0)
        return parse_rate(v, key, true, &out->limits.max_bytes_per_second, err, err_len);
    if (strcmp(key, "duration") == 0) return parse_duration_field(v, max_duration_ns, &out->duration_ns, err, err_len);
    snprintf(
        err, err_len,
        "unknown field \"%s\" (expected match, probability, max_profiles_per_minute, max_bytes_per_second, duration)",
        key);
    return false;
}

bool override_request_parse(const void *body, size_t len, const sampling_limits *defaults, int64_t default_duration_ns,
                            int64_t max_duration_ns, override_request *out, char *err, size_t err_len)
{
    *out = (override_request){.limits = *defaults,
                              .duration_ns =
                                  default_duration_ns < max_duration_ns ? default_duration_ns : max_duration_ns};
    json_t *root = pf_json_load_object(body, len, err, err_len);
    if (!root) return false;
    bool ok = true;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (!(ok = parse_override_field(key, v, max_duration_ns, out, err, err_len))) break;
    }
    if (ok && out->match.n == 0) {
        snprintf(err, err_len, "match is required: an object of series labels, e.g. {\"service_name\": \"checkout\"}");
        ok = false;
    }
    json_decref(root);
    return ok;
}

void override_request_free(override_request *r) { pf_strmap_free(&r->match); }

json_t *override_to_json(const sampling_override *o, const char *processor, uint64_t now_ms)
{
    char id[24];
    snprintf(id, sizeof(id), "%" PRIu64, o->id);
    json_t *match = json_object();
    for (size_t i = 0; i < o->match.n; i++)
        json_object_set_new(match, o->match.keys[i], json_string(o->match.values[i]));
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:f, s:I, s:I, s:f, s:I, s:I}", "id", id, "processor", processor,
                          "source", o->source, "match", match, "probability", o->limits.probability,
                          "max_profiles_per_minute", (json_int_t)o->limits.max_profiles_per_minute,
                          "max_bytes_per_second", (json_int_t)o->limits.max_bytes_per_second, "expires_in_seconds",
                          o->expires_ms > now_ms ? (double)(o->expires_ms - now_ms) / 1000.0 : 0.0, "kept",
                          (json_int_t)o->kept, "dropped", (json_int_t)o->dropped);
    if (o->fingerprint) json_object_set_new(j, "fingerprint", json_string(o->fingerprint));
    return j;
}
