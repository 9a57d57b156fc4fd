/* scrape_scale_convert.c — the conversion half of the scrape_scale benchmark (see docs/benchmarks.md).
 *
 * For each pprof file given, measures in the same run:
 *   baseline:  gunzip (zlib) + protobuf-c decode of perftools.profiles.Profile, nothing else;
 *   roundtrip: what a scrape costs proflow: pf_pprof_parse (gunzip, decode, reference checks) →
 *              pf_pprof_to_otlp → pf_pprof_from_batch (OTLP → pprof, gzip again).
 * Throughput is in MB/s of decompressed pprof bytes (and of gzipped input bytes), each loop run for
 * at least --seconds. Usage: scrape_scale_convert [--seconds S] FILE.pb.gz... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "pipeline/pprof/pprof.h"
#include "tests/tools/tool_util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool gunzip(const pf_buf *in, pf_buf *out)
{
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
    z.next_in = (Bytef *)in->data;
    z.avail_in = (uInt)in->len;
    out->len = 0;
    int rc = Z_OK;
    while (rc == Z_OK) {
        pf_buf_reserve(out, 1 << 16);
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = (uInt)(out->cap - out->len);
        rc = inflate(&z, Z_NO_FLUSH);
        out->len = out->cap - z.avail_out;
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END;
}

static bool baseline_once(const pf_buf *gz, pf_buf *scratch)
{
    if (!gunzip(gz, scratch)) return false;
    pprof_profile *p = perftools__profiles__profile__unpack(NULL, scratch->len, (const uint8_t *)scratch->data);
    if (!p) return false;
    perftools__profiles__profile__free_unpacked(p, NULL);
    return true;
}

static bool roundtrip_once(const pf_buf *gz, size_t *out_bytes)
{
    pf_arena *a = pf_arena_create(64 * 1024);
    pf_pprof pp;
    char err[256];
    bool ok = pf_pprof_parse(a, gz->data, gz->len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err));
    if (ok) {
        pf_batch *b = pf_batch_new();
        pf_pprof_to_otlp(b, pf_batch_add_resource(b), &pp, "bench");
        pf_series_pprof_items items = {0};
        ok = pf_pprof_from_batch(b, &items, err, sizeof(err));
        for (size_t i = 0; ok && i < items.n; i++) *out_bytes += items.items[i].gzipped.len;
        pf_pprof_items_free(&items);
        pf_batch_unref(b);
    }
    if (!ok) fprintf(stderr, "roundtrip failed: %s\n", err);
    pf_arena_destroy(a);
    return ok;
}

int main(int argc, char **argv)
{
    double seconds = 2;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--seconds") == 0) {
        seconds = atof(argv[2]);
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--seconds S] FILE.pb.gz...\n", argv[0]);
        return 2;
    }
    printf("%-22s %9s %9s | %12s %12s | %12s %12s | %6s\n", "file", "gz bytes", "raw bytes", "base MB/s raw",
           "base MB/s gz", "trip MB/s raw", "trip MB/s gz", "ratio");
    for (int i = first; i < argc; i++) {
        pf_buf gz = {0}, raw = {0};
        if (!tool_read_file(argv[i], &gz) || !gunzip(&gz, &raw)) {
            fprintf(stderr, "%s: not a gzipped file\n", argv[i]);
            return 1;
        }
        size_t iters = 0, out_bytes = 0;
        double t0 = now_s(), base_t, trip_t;
        while ((base_t = now_s() - t0) < seconds || iters == 0) {
            if (!baseline_once(&gz, &raw)) return 1;
            iters++;
        }
        double base_rate = (double)iters / base_t;
        iters = 0;
        t0 = now_s();
        while ((trip_t = now_s() - t0) < seconds || iters == 0) {
            if (!roundtrip_once(&gz, &out_bytes)) return 1;
            iters++;
        }
        double trip_rate = (double)iters / trip_t;
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        printf("%-22s %9zu %9zu | %12.1f %12.1f | %12.1f %12.1f | %5.1fx\n", name, gz.len, raw.len,
               base_rate * (double)raw.len / 1e6, base_rate * (double)gz.len / 1e6, trip_rate * (double)raw.len / 1e6,
               trip_rate * (double)gz.len / 1e6, base_rate / trip_rate);
        pf_buf_free(&gz);
        pf_buf_free(&raw);
    }
    return 0;
}
