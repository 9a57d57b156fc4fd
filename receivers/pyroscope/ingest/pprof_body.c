/* pprof_body.c — pprof payload decoding and __name__ inference; see pprof_body.h. */
#include "receivers/pyroscope/ingest/pprof_body.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "receivers/pyroscope/ingest/name.h"
#include "receivers/pyroscope/ingest/payload.h"

/* 1971-01-01 in unix nanoseconds: anything earlier is treated as "no timestamp", as Pyroscope does. */
#define YEAR_1971_NS (365LL * 86400 * 1000000000)

/* Pyroscope's default sample-type display names, used when no sample_type_config was sent. */
static const char *default_display_name(const char *type)
{
    static const char *const map[][2] = {
        {"samples", "cpu"},
        {"goroutine", "goroutines"},
        {"contentions", "mutex_count"},
        {"delay", "mutex_duration"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], type) == 0) return map[i][1];
    return NULL;
}

/* Checks the shape of sample_type_config: {"<type>": {"units": str, "aggregation": str,
 * "display-name": str, "sampled": bool, "cumulative": bool}, ...}. */
static bool validate_config(json_t *root, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        bool is_bool;
    } known[] = {
        {"units", false}, {"aggregation", false}, {"display-name", false}, {"sampled", true}, {"cumulative", true}};
    if (!json_is_object(root)) {
        snprintf(err, errlen, "sample_type_config: expected a JSON object");
        return false;
    }
    const char *type;
    json_t *cfg;
    json_object_foreach(root, type, cfg)
    {
        if (json_is_null(cfg)) continue;
        if (!json_is_object(cfg)) {
            snprintf(err, errlen, "sample_type_config: \"%s\" is not an object", type);
            return false;
        }
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            json_t *v = json_object_get(cfg, known[i].key);
            if (v && !json_is_null(v) && (known[i].is_bool ? !json_is_boolean(v) : !json_is_string(v))) {
                snprintf(err, errlen, "sample_type_config: \"%s\".\"%s\" must be a %s", type, known[i].key,
                         known[i].is_bool ? "boolean" : "string");
                return false;
            }
        }
    }
    return true;
}

static const char *display_name(json_t *config, const char *type)
{
    if (!config) return default_display_name(type);
    json_t *name = json_object_get(json_object_get(config, type), "display-name");
    return json_is_string(name) && *json_string_value(name) ? json_string_value(name) : NULL;
}

static const char *string_at(const Perftools__Profiles__Profile *p, int64_t idx)
{
    return idx >= 0 && (size_t)idx < p->n_string_table ? p->string_table[idx] : "";
}

static const char *infer_metric(const Perftools__Profiles__Profile *p, json_t *config, pf_arena *a)
{
    for (size_t i = 0; i < p->n_sample_type; i++)
        if (strcmp(string_at(p, p->sample_type[i]->type), "wall") == 0) return "wall";
    const char *st = "";
    for (size_t i = 0; i < p->n_sample_type; i++) {
        st = string_at(p, p->sample_type[i]->type);
        const char *shown = display_name(config, st);
        if (shown) st = shown;
        if (strstr(st, "cpu")) return "process_cpu";
        if (strstr(st, "alloc_") || strstr(st, "inuse_") || strcmp(st, "space") == 0 || strcmp(st, "objects") == 0)
            return "memory";
        if (strstr(st, "mutex_")) return "mutex";
        if (strstr(st, "block_")) return "block";
        if (strstr(st, "goroutines")) return "goroutines";
    }
    return pf_arena_strdup(a, st);
}

pf_pyro_status pf_pyro_decode_pprof(const uint8_t *data, size_t len, const uint8_t *stc_json, size_t stc_len,
                                    const pf_pyro_query *q, size_t max_decompressed, pf_arena *a,
                                    pf_pyro_profile **profiles, size_t *n_profiles, char *err, size_t errlen)
{
    *profiles = NULL;
    *n_profiles = 0;
    json_t *config = NULL;
    if (stc_json) {
        json_error_t jerr;
        config = json_loadb((const char *)stc_json, stc_len, 0, &jerr);
        if (!config) {
            snprintf(err, errlen, "sample_type_config: invalid JSON: %s (line %d)", jerr.text, jerr.line);
            return PF_PYRO_BAD_REQUEST;
        }
        if (!validate_config(config, err, errlen)) {
            json_decref(config);
            return PF_PYRO_BAD_REQUEST;
        }
    }
    const uint8_t *raw;
    size_t raw_len;
    pf_pyro_status st = pf_pyro_maybe_gunzip("profile", data, len, max_decompressed, a, &raw, &raw_len, err, errlen);
    if (st != PF_PYRO_OK || raw_len == 0) {
        json_decref(config);
        return st;
    }
    ProtobufCAllocator alloc = pf_arena_allocator(a);
    Perftools__Profiles__Profile *p = perftools__profiles__profile__unpack(&alloc, raw_len, raw);
    if (!p) {
        json_decref(config);
        snprintf(err, errlen, "profile: not a valid pprof protobuf (%zu bytes)", raw_len);
        return PF_PYRO_BAD_REQUEST;
    }
    if (p->time_nanos < YEAR_1971_NS) p->time_nanos = q->from_ns;
    pf_pyro_profile *out = pf_arena_alloc(a, sizeof(*out));
    out->pprof = p;
    pf_pyro_series_labels(q, q->name, infer_metric(p, config, a), NULL, a, &out->labels);
    json_decref(config);
    *profiles = out;
    *n_profiles = 1;
    return PF_PYRO_OK;
}
