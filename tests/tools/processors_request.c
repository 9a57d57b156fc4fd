/* processors_request.c — test-only tool for the processor integration tests: writes to stdout a
 * serialized ExportProfilesServiceRequest made from a pprof fixture, with the given resource
 * attributes.
 *
 * Usage: processors_request PPROF_FILE [KEY=VALUE ...] > request.binpb */
#include "tests/tools/processors_request.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PPROF_FILE [KEY=VALUE ...]\n", argv[0]);
        return 2;
    }
    pf_batch *b = processors_request_from_pprof(argv[1], (const char *const *)argv + 2, (size_t)argc - 2);
    if (!b) return 1;
    pf_buf out = {0};
    pf_batch_pack(b, &out);
    int rc = fwrite(out.data, 1, out.len, stdout) == out.len ? 0 : 1;
    pf_buf_free(&out);
    pf_batch_unref(b);
    return rc;
}
