/* pyroscope_ingest_jfr.c — JFR decode throughput of the pyroscope receiver's decoders
 * (pf_pyro_decode_body, format=jfr: parse the recording, build the pprofs) against just reading the
 * same file, both from the page cache, in MB/s of JFR input.
 *
 * Usage: pyroscope_ingest_jfr FILE.jfr [iterations]    (prints two lines: "read …" and "decode …") */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pipeline/base/xalloc.h"
#include "receivers/pyroscope/ingest/ingest.h"
#include "tests/tools/tool_util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the whole file into buf (grown as needed); returns its size. */
static size_t read_file(const char *path, pf_buf *buf)
{
    pf_buf_reset(buf);
    if (!tool_read_file(path, buf)) {
        perror(path);
        exit(1);
    }
    return buf->len;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.jfr [iterations]\n", argv[0]);
        return 2;
    }
    int iterations = argc > 2 ? atoi(argv[2]) : 50;
    pf_buf buf = {0};
    size_t size = read_file(argv[1], &buf);

    double t0 = now_s();
    for (int i = 0; i < iterations; i++) read_file(argv[1], &buf);
    double read_s = now_s() - t0;

    size_t profiles = 0, samples = 0;
    t0 = now_s();
    for (int i = 0; i < iterations; i++) {
        pf_arena *a = pf_arena_create(1 << 20);
        pf_pyro_query q;
        char err[512];
        if (!pf_pyro_parse_query("name=bench.app&format=jfr", &q, a, err, sizeof(err))) return 1;
        pf_pyro_profile *ps;
        size_t n;
        if (pf_pyro_decode_body(&q, "application/octet-stream", (const uint8_t *)buf.data, buf.len, 1u << 30, a, &ps,
                                &n, err, sizeof(err)) != PF_PYRO_OK) {
            fprintf(stderr, "decode failed: %s\n", err);
            return 1;
        }
        profiles = n;
        samples = 0;
        for (size_t j = 0; j < n; j++) samples += ps[j].pprof->n_sample;
        pf_arena_destroy(a);
    }
    double decode_s = now_s() - t0;
    double mb = (double)size * iterations / 1e6;
    printf("read    %zu bytes x %d: %.1f MB/s\n", size, iterations, mb / read_s);
    printf("decode  %zu bytes x %d: %.1f MB/s (%zu profiles, %zu pprof samples each time)\n", size, iterations,
           mb / decode_s, profiles, samples);
    pf_buf_free(&buf);
    return 0;
}
