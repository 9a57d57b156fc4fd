/* pprof_roundtrip.c — test-only tool: pprof file → OTLP batch → wire bytes → batch → pprof file(s).
 *
 * Usage: pprof_roundtrip IN.pb.gz OUT_PREFIX
 *          writes OUT_PREFIX.0.pb.gz … (one per pprof produced, normally exactly one) and prints
 *          "items=N profiles=P samples=S name=NAME" so the integration test can check the OTLP side too.
 *          The OTLP request is serialized and decoded again on the way, so the round trip covers the wire.
 *        pprof_roundtrip --from-otlp REQUEST.binpb OUT_PREFIX
 *          converts a serialized ExportProfilesServiceRequest (the file exporter's `proto` format) and
 *          prints one line per pprof: "OUT_FILE name=NAME service.name=SVC samples=N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/model/dict.h"
#include "pipeline/pprof/pprof.h"
#include "tests/tools/tool_util.h"

static bool write_file(const char *path, const pf_buf *data)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data->data, 1, data->len, f) == data->len;
    return fclose(f) == 0 && ok;
}

static int from_otlp(const char *in_path, const char *prefix)
{
    pf_buf in = {0};
    if (!tool_read_file(in_path, &in)) {
        fprintf(stderr, "cannot read %s\n", in_path);
        return 1;
    }
    char err[512];
    pf_batch *b = pf_batch_decode((const uint8_t *)in.data, in.len);
    if (!b || !pf_batch_validate(b, NULL, err, sizeof(err))) {
        fprintf(stderr, "%s: not a valid OTLP request: %s\n", in_path, b ? err : "decode failed");
        return 1;
    }
    pf_series_pprof_items items = {0};
    int rc = 0;
    if (!pf_pprof_from_batch(b, &items, err, sizeof(err))) {
        fprintf(stderr, "OTLP -> pprof: %s\n", err);
        rc = 1;
    }
    for (size_t i = 0; i < items.n && rc == 0; i++) {
        const pf_series_pprof_item *it = &items.items[i];
        char *path = pf_xasprintf("%s.%zu.pb.gz", prefix, i);
        const otlp_resource *res = it->resource->resource;
        const char *service = res ? pf_kv_list_get(b, res->attributes, res->n_attributes, "service.name") : NULL;
        if (!write_file(path, &it->gzipped)) rc = 1;
        printf("%s name=%s service.name=%s samples=%zu\n", path, it->name, service ? service : "", it->n_samples);
        free(path);
    }
    pf_pprof_items_free(&items);
    pf_batch_unref(b);
    pf_buf_free(&in);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--from-otlp") == 0) return from_otlp(argv[2], argv[3]);
    if (argc != 3) {
        fprintf(stderr, "usage: %s IN.pb.gz OUT_PREFIX | --from-otlp REQUEST.binpb OUT_PREFIX\n", argv[0]);
        return 2;
    }
    pf_buf in = {0};
    if (!tool_read_file(argv[1], &in)) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    pf_arena *arena = pf_arena_create(1 << 20);
    pf_pprof pp;
    char err[512];
    if (!pf_pprof_parse(arena, in.data, in.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err))) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        return 1;
    }
    pf_batch *built = pf_batch_new();
    pf_pprof_to_otlp(built, pf_batch_add_resource(built), &pp, NULL);
    pf_buf wire = {0};
    pf_batch_pack(built, &wire);
    pf_batch *b = pf_batch_decode((const uint8_t *)wire.data, wire.len);
    if (!b || !pf_batch_validate(b, NULL, err, sizeof(err))) {
        fprintf(stderr, "OTLP request does not decode/validate: %s\n", b ? err : "decode failed");
        return 1;
    }
    pf_series_pprof_items items = {0};
    if (!pf_pprof_from_batch(b, &items, err, sizeof(err))) {
        fprintf(stderr, "OTLP -> pprof: %s\n", err);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < items.n; i++) {
        char *path = pf_xasprintf("%s.%zu.pb.gz", argv[2], i);
        if (!write_file(path, &items.items[i].gzipped)) {
            fprintf(stderr, "cannot write %s\n", path);
            rc = 1;
        }
        free(path);
    }
    printf("items=%zu profiles=%zu samples=%zu name=%s\n", items.n, pf_batch_profile_count(b), pf_batch_sample_count(b),
           items.n ? items.items[0].name : "");
    pf_pprof_items_free(&items);
    pf_batch_unref(b);
    pf_batch_unref(built);
    pf_buf_free(&wire);
    pf_arena_destroy(arena);
    pf_buf_free(&in);
    return rc;
}
