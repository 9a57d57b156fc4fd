/* name.h — the `name` query parameter of Pyroscope's /ingest: `app.name.suffix{k=v,k2="v 2"}`.
 *
 * pf_pyro_parse_name() splits and validates it (Pyroscope's labelset rules: the app name may use
 * [A-Za-z0-9_./-], label names [A-Za-z0-9_.], `__name__` is reserved); values may be double-quoted
 * with backslash escapes so they can hold ',' '}' or spaces. pf_pyro_legacy_type() maps the legacy
 * suffix (.cpu, .alloc_space, .mutex_count, ...) to `__name__`, sample type and unit like Pyroscope's
 * ingest adapter; pf_pyro_series_labels() builds the label set Pyroscope stores a series under.
 *
 * Everything returned is allocated in the caller's pf_arena. */
#ifndef PF_PYRO_NAME_H
#define PF_PYRO_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/base/arena.h"
#include "receivers/pyroscope/ingest/ingest.h"

bool pf_pyro_parse_name(const char *s, pf_arena *a, const char **app_name, pf_pyro_labels *labels, char *err,
                        size_t errlen);

typedef struct pf_pyro_legacy_type {
    const char *app;         /* name without the suffix ("my.app" for "my.app.cpu") */
    const char *metric;      /* __name__: process_cpu, memory, wall, mutex, block, goroutine, exceptions */
    const char *sample_type; /* samples, inuse_space, contentions, delay, ... */
    const char *unit;        /* count, bytes, nanoseconds */
    bool per_sample_period;  /* cpu/wall: values become nanoseconds via 1e9/sampleRate */
} pf_pyro_legacy_type;

/* A name without a '.' is a cpu profile; otherwise the part after the last '.' must be a known
 * suffix ("unknown profile type: X" otherwise). */
bool pf_pyro_legacy_type_of(const char *name, pf_arena *a, pf_pyro_legacy_type *out, char *err, size_t errlen);

/* __name__=metric, __delta__=false, pyroscope_spy, the user labels Pyroscope accepts (names starting
 * with "__" are dropped except __session_id__), service_name=app (or app_name=app when the user gave
 * service_name), and jfr_event when jfr_event is non-empty. */
void pf_pyro_series_labels(const pf_pyro_query *q, const char *app, const char *metric, const char *jfr_event,
                           pf_arena *a, pf_pyro_labels *out);

/* Value of a label, NULL when absent. */
const char *pf_pyro_label_get(const pf_pyro_labels *l, const char *name);

#endif
