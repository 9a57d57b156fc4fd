/* compress_levels.c — what the exporters' compression level costs: for each serialized OTLP request
 * given (built from the fixtures by bench/vs_collector.py or tests/pprof_to_otlp), compresses it
 * repeatedly with pf_compress_level (the exporters' code path: libdeflate gzip, libzstd) at several
 * levels and prints the compressed size and the CPU time per request and per MB, with the ratio to
 * gzip level 6 (zlib's and the Collector's default) measured in the same run.
 *
 * Usage: compress_levels [--ms-per-case N] request.binpb...   (CPU time: clock(), this thread) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/compress.h"

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(p);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

typedef struct level_case {
    const char *encoding;
    int level;
} level_case;

static const level_case cases[] = {{"gzip", 1}, {"gzip", 3}, {"gzip", 6}, {"gzip", 9}, {"zstd", 1}, {"zstd", 3}};

int main(int argc, char **argv)
{
    int first = 1;
    double budget_ms = 400;
    if (argc > 2 && strcmp(argv[1], "--ms-per-case") == 0) {
        budget_ms = atof(argv[2]);
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--ms-per-case N] request.binpb...\n", argv[0]);
        return 2;
    }
    printf("| request | raw bytes | encoding, level | compressed bytes | ratio | CPU ms/request | CPU s/GB raw | CPU "
           "vs gzip 6 | bytes vs gzip 6 |\n");
    printf("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (int a = first; a < argc; a++) {
        size_t len;
        unsigned char *in = read_file(argv[a], &len);
        if (!in) {
            fprintf(stderr, "cannot read %s\n", argv[a]);
            return 1;
        }
        double ms[sizeof cases / sizeof cases[0]];
        size_t out_len[sizeof cases / sizeof cases[0]];
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            pf_buf out = {0};
            pf_compress_level(cases[c].encoding, cases[c].level, in, len, &out); /* warm-up, allocations */
            out_len[c] = out.len;
            clock_t t0 = clock();
            int n = 0;
            while (n < 3 || (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC < budget_ms) {
                out.len = 0;
                pf_compress_level(cases[c].encoding, cases[c].level, in, len, &out);
                n++;
            }
            ms[c] = (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC / n;
            pf_buf_free(&out);
        }
        const char *name = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
            printf("| %s | %zu | %s %d | %zu | %.2f | %.3f | %.2f | %.2fx | %.2fx |\n", name, len, cases[c].encoding,
                   cases[c].level, out_len[c], (double)len / (double)out_len[c], ms[c], ms[c] / 1000.0 / (len / 1e9),
                   ms[c] / ms[2], (double)out_len[c] / (double)out_len[2]);
        free(in);
    }
    pf_compress_release();
    return 0;
}
