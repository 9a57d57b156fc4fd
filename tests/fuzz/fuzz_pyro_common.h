/* fuzz_pyro_common.h — the pyroscope receiver's step after a body decoded: every profile into one
 * batch (pyro_batch_add_profile, as ingest_handler.c does), which must validate strictly and survive
 * the exporters' conversions. */
#ifndef PF_FUZZ_PYRO_COMMON_H
#define PF_FUZZ_PYRO_COMMON_H

#include "receivers/pyroscope/ingest/ingest.h"
#include "receivers/pyroscope/pyroscope_receiver.h"
#include "tests/fuzz/fuzz_common.h"

#define FUZZ_PYRO_MAX (8u << 20)

static inline void fuzz_pyro_deliver(pf_arena *a, pf_pyro_profile *ps, size_t n)
{
    pf_batch *b = pf_batch_new();
    char err[512] = "";
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(ps[i].pprof != NULL, "profile %zu without pprof", i);
        if (!pyro_batch_add_profile(b, a, &ps[i].labels, ps[i].pprof, FUZZ_PYRO_MAX, err, sizeof(err))) {
            FUZZ_CHECK(err[0] != '\0', "refusal without a message");
            pf_batch_unref(b);
            return;
        }
    }
    FUZZ_CHECK(pf_batch_validate(b, NULL, err, sizeof(err)), "decoded body is not a valid batch: %s", err);
    fuzz_check_validated_batch(b);
    pf_batch_unref(b);
}

/* pf_pyro_decode_body under the given query and Content-Type, then delivery. */
static inline pf_pyro_status fuzz_pyro_body(const char *query, const char *content_type, const uint8_t *body,
                                            size_t len)
{
    pf_arena *a = pf_arena_create(1 << 14);
    pf_pyro_query q;
    char err[512] = "";
    pf_pyro_status st = pf_pyro_parse_query_status(query, &q, a, err, sizeof(err));
    FUZZ_CHECK(st == PF_PYRO_OK, "fixed query %s refused: %s", query, err);
    pf_pyro_profile *ps = NULL;
    size_t n = 0;
    st = pf_pyro_decode_body(&q, content_type, body, len, FUZZ_PYRO_MAX, a, &ps, &n, err, sizeof(err));
    if (st == PF_PYRO_OK)
        fuzz_pyro_deliver(a, ps, n);
    else
        FUZZ_CHECK(err[0] != '\0' && pf_pyro_http_status(st) >= 400, "refusal without a message");
    pf_arena_destroy(a);
    return st;
}

#endif
