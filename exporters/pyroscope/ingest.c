/* ingest.c — the legacy /ingest encoding of the pyroscope exporter (see pyroscope_exporter.h):
 * a multipart/form-data body with the pprof and its sample_type_config, as Pyroscope's pprof form
 * expects (file parts, so each has a filename; no format= parameter, which would make the server
 * read the body as a bare pprof). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/pyroscope/pyroscope_exporter.h"

static void append_escaped(pf_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            pf_buf_append(out, p, 1);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            pf_buf_append(out, enc, 3);
        }
    }
}

static bool in_app_name(const char *label)
{
    return strcmp(label, "__name__") != 0 && strcmp(label, "service_name") != 0 && strcmp(label, "__delta__") != 0;
}

/* service_name{k=v,...} with the characters of the name syntax replaced in values. */
static char *app_name(const pf_labels *ls)
{
    pf_buf name = {0};
    const char *service = pf_labels_get(ls, "service_name");
    pf_buf_puts(&name, service ? service : "unknown_service");
    pf_buf_puts(&name, "{");
    bool first = true;
    for (size_t i = 0; i < ls->n; i++) {
        if (!in_app_name(ls->items[i].name)) continue;
        pf_buf_printf(&name, "%s%s=", first ? "" : ",", ls->items[i].name);
        first = false;
        for (const char *v = ls->items[i].value; *v; v++) {
            char c = strchr(",={}", *v) ? '_' : *v;
            pf_buf_append(&name, &c, 1);
        }
    }
    pf_buf_puts(&name, "}");
    pf_buf_append(&name, "", 1);
    return name.data;
}

char *pf_pyro_ingest_url(const char *base, const pf_series_pprof *item)
{
    pf_buf url = {0};
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    pf_buf_append(&url, base, n);
    pf_buf_puts(&url, PF_PYROSCOPE_INGEST_PATH "?name=");
    char *name = app_name(&item->labels);
    append_escaped(&url, name);
    free(name);
    const uint64_t ns = 1000000000ull;
    if (item->pprof.time_unix_nano) {
        uint64_t until = item->pprof.time_unix_nano + item->pprof.duration_nano;
        pf_buf_printf(&url, "&from=%llu&until=%llu", (unsigned long long)(item->pprof.time_unix_nano / ns),
                      (unsigned long long)((until + ns - 1) / ns));
    }
    pf_buf_puts(&url, "&spyName=proflow");
    pf_buf_append(&url, "", 1);
    return url.data;
}

/* Pyroscope's units and aggregation for a pprof sample type (its pprof.go defaults, extended by
 * unit for types it does not list). */
static json_t *sample_type_entry(const char *type, const char *unit)
{
    const char *units = "samples", *aggregation = "sum";
    bool sampled = false;
    if (strcmp(type, "cpu") == 0 || strcmp(type, "samples") == 0)
        sampled = true;
    else if (strcmp(unit, "bytes") == 0)
        units = "bytes";
    else if (strstr(type, "objects"))
        units = "objects";
    else if (strncmp(type, "goroutine", 9) == 0)
        units = "goroutines";
    else if (strcmp(type, "contentions") == 0 || strcmp(type, "lock_count") == 0 || strcmp(type, "block_count") == 0)
        units = "lock_samples";
    else if (strcmp(type, "delay") == 0 || strcmp(type, "lock_duration") == 0 || strcmp(type, "block_duration") == 0)
        units = "lock_nanoseconds";
    if (strncmp(type, "inuse_", 6) == 0 || strncmp(type, "goroutine", 9) == 0) aggregation = "average";
    json_t *e = json_pack("{s:s, s:s, s:s}", "units", units, "aggregation", aggregation, "display-name", type);
    if (sampled) json_object_set_new(e, "sampled", json_true());
    return e;
}

static char *sample_type_config(const pf_series_pprof *item, char *err, size_t err_len)
{
    pf_arena *a = pf_arena_create(64 * 1024);
    pf_pprof pp;
    char *text = NULL;
    if (pf_pprof_parse(a, item->pprof.gzipped.data, item->pprof.gzipped.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err,
                       err_len)) {
        json_t *config = json_object();
        for (size_t i = 0; i < pp.p->n_sample_type; i++) {
            const char *type = pf_pprof_string(&pp, pp.p->sample_type[i]->type);
            json_object_set_new(config, type,
                                sample_type_entry(type, pf_pprof_string(&pp, pp.p->sample_type[i]->unit)));
        }
        text = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(config);
    }
    pf_arena_destroy(a);
    return text;
}

static void file_part(pf_buf *out, const char *boundary, const char *name, const void *data, size_t len)
{
    pf_buf_printf(out,
                  "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                  "Content-Type: application/octet-stream\r\n\r\n",
                  boundary, name, name);
    pf_buf_append(out, data, len);
    pf_buf_puts(out, "\r\n");
}

char *pf_pyro_ingest_body(const pf_series_pprof *item, pf_buf *out, char *err, size_t err_len)
{
    char *config = sample_type_config(item, err, err_len);
    if (!config) return NULL;
    char uuid[37], boundary[64];
    pf_uuid_v4(uuid);
    snprintf(boundary, sizeof(boundary), "proflow-%s", uuid);
    file_part(out, boundary, "profile", item->pprof.gzipped.data, item->pprof.gzipped.len);
    file_part(out, boundary, "sample_type_config", config, strlen(config));
    pf_buf_printf(out, "--%s--\r\n", boundary);
    free(config);
    return pf_xasprintf("multipart/form-data; boundary=%s", boundary);
}
