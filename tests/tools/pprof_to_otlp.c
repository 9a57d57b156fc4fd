/* pprof_to_otlp.c — test-only tool: pprof files → one serialized OTLP ExportProfilesServiceRequest,
 * so integration tests can feed real profiles to proflow's otlp receiver.
 *
 * Usage: pprof_to_otlp OUT.binpb IN.pb.gz [IN.pb.gz ...]
 * Each input becomes one ResourceProfiles (without attributes; tests add their own) translated with
 * pf_pprof_to_otlp. Prints "profiles=P samples=S". */
#include <stdio.h>
#include <stdlib.h>

#include "pipeline/pprof/pprof.h"
#include "tests/tools/tool_util.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s OUT.binpb IN.pb.gz [IN.pb.gz ...]\n", argv[0]);
        return 2;
    }
    pf_arena *arena = pf_arena_create(1 << 20);
    pf_batch *b = pf_batch_new();
    int rc = 0;
    for (int i = 2; i < argc && rc == 0; i++) {
        pf_buf in = {0};
        pf_pprof pp;
        char err[512];
        if (!tool_read_file(argv[i], &in)) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            rc = 1;
        } else if (!pf_pprof_parse(arena, in.data, in.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err))) {
            fprintf(stderr, "%s: %s\n", argv[i], err);
            rc = 1;
        } else {
            pf_pprof_to_otlp(b, pf_batch_add_resource(b), &pp, NULL);
        }
        pf_buf_free(&in);
    }
    pf_buf wire = {0};
    pf_batch_pack(b, &wire);
    FILE *f = rc == 0 ? fopen(argv[1], "wb") : NULL;
    if (rc == 0 && (!f || fwrite(wire.data, 1, wire.len, f) != wire.len)) {
        fprintf(stderr, "cannot write %s\n", argv[1]);
        rc = 1;
    }
    if (f && fclose(f) != 0) rc = 1;
    if (rc == 0) printf("profiles=%zu samples=%zu\n", pf_batch_profile_count(b), pf_batch_sample_count(b));
    pf_buf_free(&wire);
    pf_batch_unref(b);
    pf_arena_destroy(arena);
    return rc;
}
