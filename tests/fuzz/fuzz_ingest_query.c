/* fuzz_ingest_query.c — the /ingest query string: name with {labels} (escapes, reserved names),
 * from/until (unix s/ms/µs/ns, now-1h style), sampleRate, spyName, units, aggregationType, format.
 * An accepted query is used with a small folded body and a small gzipped pprof, as a request would be. */
#include "tests/fuzz/fuzz_pyro_common.h"

static const char folded_body[] = "main;work;spin 10\nmain;idle 3\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *qs = fuzz_cstr(data, size);
    pf_arena *a = pf_arena_create(1 << 14);
    pf_pyro_query q;
    char err[512] = "";
    pf_pyro_status st = pf_pyro_parse_query_status(qs, &q, a, err, sizeof(err));
    if (st == PF_PYRO_OK) {
        FUZZ_CHECK(q.name && q.spy_name && q.units && q.aggregation_type, "accepted query with a NULL field");
        for (size_t i = 0; i < q.labels.n; i++)
            FUZZ_CHECK(q.labels.items[i].name && q.labels.items[i].value, "label %zu NULL", i);
        if (q.format == PF_PYRO_FORMAT_FOLDED || q.format == PF_PYRO_FORMAT_LINES) {
            pf_pyro_profile *ps = NULL;
            size_t n = 0;
            st = pf_pyro_decode_body(&q, NULL, (const uint8_t *)folded_body, sizeof(folded_body) - 1, FUZZ_PYRO_MAX, a,
                                     &ps, &n, err, sizeof(err));
            if (st == PF_PYRO_OK)
                fuzz_pyro_deliver(a, ps, n);
            else
                FUZZ_CHECK(err[0] != '\0', "refusal without a message");
        }
    } else {
        FUZZ_CHECK(st == PF_PYRO_BAD_REQUEST || st == PF_PYRO_UNSUPPORTED_MEDIA, "unexpected status %d", (int)st);
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
    }
    pf_arena_destroy(a);
    free(qs);
    return 0;
}
