/* fuzz_multipart.c — multipart/form-data /ingest uploads: the first line is the Content-Type (its
 * boundary parameter), the rest the body. Through pf_multipart_boundary / pf_multipart_parse, and the
 * whole /ingest decode for pprof (profile, prev_profile, sample_type_config parts) and jfr (jfr and
 * labels parts) uploads, then the receiver's batch. */
#include "receivers/pyroscope/ingest/multipart.h"
#include "tests/fuzz/fuzz_pyro_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *ct_raw, *body_view;
    size_t ct_len, body_len;
    fuzz_split(data, size, "\r\n", &ct_raw, &ct_len, &body_view, &body_len);
    char *ct = fuzz_cstr(ct_raw, ct_len);
    uint8_t *body = malloc(body_len ? body_len : 1);
    if (body_len) memcpy(body, body_view, body_len);

    pf_arena *a = pf_arena_create(4096);
    const char *boundary = NULL;
    char err[512] = "";
    if (pf_multipart_boundary(ct, a, &boundary, err, sizeof(err))) {
        pf_multipart_part *parts = NULL;
        size_t n = 0;
        if (pf_multipart_parse(body, body_len, boundary, a, &parts, &n, err, sizeof(err))) {
            for (size_t i = 0; i < n; i++) {
                FUZZ_CHECK(parts[i].name != NULL, "part %zu without a name", i);
                FUZZ_CHECK(parts[i].len == 0 ||
                               (parts[i].data >= body && parts[i].data + parts[i].len <= body + body_len),
                           "part %zu outside the body", i);
            }
            (void)pf_multipart_find(parts, n, "profile");
        } else {
            FUZZ_CHECK(err[0] != '\0', "refusal without a message");
        }
    } else {
        FUZZ_CHECK(err[0] != '\0', "refusal without a message");
    }
    pf_arena_destroy(a);
    (void)fuzz_pyro_body("name=app.cpu%7Benv%3Dfuzz%7D&format=pprof", ct, body, body_len);
    (void)fuzz_pyro_body("name=app&format=jfr", ct, body, body_len);
    (void)fuzz_pyro_body("name=app.cpu", ct, body, body_len);
    free(body);
    free(ct);
    return 0;
}
