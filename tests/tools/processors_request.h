/* processors_request.h — test/bench helper (header-only, static functions): builds an OTLP batch from
 * a real pprof fixture, the way a receiver would hand it to the processors. Used by the
 * processors_request tool (integration tests) and bench/processors.c.
 *
 * Ownership: processors_request_from_pprof() returns a new batch reference (or NULL with a message on
 * stderr); the caller unrefs it. */
#ifndef PF_TESTS_PROCESSORS_REQUEST_H
#define PF_TESTS_PROCESSORS_REQUEST_H

#include <stdio.h>
#include <string.h>

#include "pipeline/pprof/pprof.h"
#include "tests/tools/tool_util.h"

/* One ResourceProfiles with the given resource attributes ("key=value" strings) holding the
 * profiles of the pprof file, serialized and decoded again so the batch is exactly what the wire
 * gives a receiver (wire_bytes set). */
static pf_batch *processors_request_from_pprof(const char *path, const char *const *attrs, size_t n_attrs)
{
    pf_buf in = {0};
    if (!tool_read_file(path, &in)) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    pf_arena *arena = pf_arena_create(1 << 20);
    pf_pprof pp;
    char err[512];
    pf_batch *decoded = NULL;
    if (pf_pprof_parse(arena, in.data, in.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err))) {
        pf_batch *built = pf_batch_new();
        otlp_resource_profiles *rp = pf_batch_add_resource(built);
        for (size_t i = 0; i < n_attrs; i++) {
            const char *eq = strchr(attrs[i], '=');
            char *key = pf_xstrndup(attrs[i], eq ? (size_t)(eq - attrs[i]) : strlen(attrs[i]));
            pf_resource_set_string(built, rp->resource, key, eq ? eq + 1 : "");
            free(key);
        }
        pf_pprof_to_otlp(built, rp, &pp, NULL);
        pf_buf wire = {0};
        pf_batch_pack(built, &wire);
        decoded = pf_batch_decode((const uint8_t *)wire.data, wire.len);
        if (decoded) decoded->wire_bytes = wire.len;
        pf_buf_free(&wire);
        pf_batch_unref(built);
    } else {
        fprintf(stderr, "%s: %s\n", path, err);
    }
    pf_arena_destroy(arena);
    pf_buf_free(&in);
    return decoded;
}

#endif
