/* pyroscope_exporter.h — private to exporters/pyroscope: the two wire encodings of the pyroscope
 * exporter, kept apart from the component (pyroscope_exporter.c) so unit tests can drive them
 * directly, and at the end the component's config (table in config.c) and create().
 *
 *   push.c    PushRequest for POST <endpoint>/push.v1.PusherService/Push (Connect unary, protobuf)
 *   ingest.c  legacy POST <endpoint>/ingest?name=...: one multipart/form-data request per pprof
 *
 * __delta__ rule: Pyroscope reads __delta__="false" as "do not compute deltas server-side, the
 * values already cover just this profile's window". An OTLP profile covers [time, time+duration)
 * (CPU and wall profiles are deltas by nature; the pprof scraper turns cumulative profiles into
 * deltas), so every series gets __delta__="false" unless its attributes carry a __delta__ label,
 * which is passed on unchanged — as Pyroscope's own OTLP ingestion does.
 *
 * Ownership: outputs go to caller-owned buffers / malloc'd strings the caller frees. */
#ifndef PF_PYROSCOPE_EXPORTER_H
#define PF_PYROSCOPE_EXPORTER_H

#include "exporters/helper/series_pprof.h"
#include "config/config_map.h"
#include "exporters/helper/exporter_helper.h"
#include "net/http_client.h"
#include "pipeline/component/component.h"

#define PF_PYROSCOPE_PUSH_PATH   "/push.v1.PusherService/Push"
#define PF_PYROSCOPE_INGEST_PATH "/ingest"

/* Label names kept besides __name__ when building series (see series_pprof.h). */
extern const char *const pf_pyro_reserved_labels[];

/* Sets __delta__="false" on every item that has no __delta__ label. */
void pf_pyro_default_delta(pf_series_pprofs *s);

/* Appends a serialized push.v1.PushRequest: one RawProfileSeries per run of equal labels, one
 * RawSample per pprof (raw_profile = the gzipped pprof, ID = a random UUID v4). */
void pf_pyro_push_encode(const pf_series_pprofs *s, pf_buf *out);

/* Writes a random RFC 4122 version 4 UUID ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") into out[37]. */
void pf_uuid_v4(char out[37]);

/* <base>/ingest?name=<service_name>{k=v,...}&from=<s>&until=<s>&spyName=proflow for one pprof.
 * The name's labels are every label but __name__, service_name and __delta__, with ',', '=', '{',
 * '}' in values replaced by '_' (the name syntax has no quoting). from/until are left out when the
 * profile has no time. Returns a malloc'd URL. */
char *pf_pyro_ingest_url(const char *base, const pf_series_pprof *item);

/* The multipart/form-data body for one pprof: file part "profile" (the gzipped pprof) and file part
 * "sample_type_config" (JSON describing each sample type of the pprof). Appends to out and returns
 * the Content-Type header value (malloc'd), or NULL with err set when the pprof cannot be read. */
char *pf_pyro_ingest_body(const pf_series_pprof *item, pf_buf *out, char *err, size_t err_len);

/* ---- the component: config (config.c) and create() (registered by factory.c) ---- */

typedef struct basic_auth_config {
    char *username;
    char *password;
} basic_auth_config;

typedef struct pyroscope_config {
    pf_http_client_config client;
    char *protocol;
    char *tenant_id;
    bool tenant_from_metadata;
    basic_auth_config basic_auth;
    char *bearer_token;
    pf_strmap external_labels;
    pf_strlist headers_from_metadata;
    pf_exporter_helper_config helper;
} pyroscope_config;

/* config.c */
extern const pf_cfg_entry pyroscope_exporter_cfg_map[];
bool pyroscope_exporter_validate(const void *config, const pf_node *node, const char *path, pf_cfg_error *err);

/* pyroscope_exporter.c */
pf_component *pyroscope_exporter_create(const pf_create_args *args, pf_error *err);

#endif
