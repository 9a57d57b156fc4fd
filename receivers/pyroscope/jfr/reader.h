/* reader.h — a bounds-checked decoder for Java Flight Recorder recordings (format 1.x/2.x):
 * chunk headers, the metadata event (class descriptions), constant pools from every checkpoint event
 * of a chunk (stack traces, frames, methods, classes, symbols, threads, packages, thread states),
 * compressed or fixed-width integers, and any number of chunks.
 *
 * It hands the profiling-relevant events to a callback with their constant-pool references
 * resolved: execution samples, async-profiler wall-clock samples, allocation events (in/outside
 * TLAB, ObjectAllocationSample), monitor enter, thread park, live objects and ActiveSetting.
 * Truncated or malformed input yields false and a message with the byte offset, never a crash.
 *
 * Ownership: every pointer in an event (strings, stacks) lives in the arena passed to
 * pf_jfr_read() and stays valid after it returns; the recording buffer is not referenced. */
#ifndef PF_PYRO_JFR_READER_H
#define PF_PYRO_JFR_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"

typedef struct pf_jfr_frame {
    const char *function; /* "package/Class.method", as Pyroscope names JVM frames */
    int64_t line;
} pf_jfr_frame;

typedef struct pf_jfr_stack {
    const pf_jfr_frame *frames; /* top of stack (leaf) first */
    size_t n_frames;
    bool truncated;
} pf_jfr_stack;

typedef enum pf_jfr_event_kind {
    PF_JFR_EXECUTION_SAMPLE,  /* jdk.ExecutionSample */
    PF_JFR_WALL_CLOCK_SAMPLE, /* profiler.WallClockSample (async-profiler) */
    PF_JFR_ALLOC_IN_NEW_TLAB, /* jdk.ObjectAllocationInNewTLAB */
    PF_JFR_ALLOC_OUTSIDE_TLAB,
    PF_JFR_ALLOC_SAMPLE,   /* jdk.ObjectAllocationSample */
    PF_JFR_MONITOR_ENTER,  /* jdk.JavaMonitorEnter */
    PF_JFR_THREAD_PARK,    /* jdk.ThreadPark */
    PF_JFR_LIVE_OBJECT,    /* profiler.LiveObject (async-profiler) */
    PF_JFR_ACTIVE_SETTING, /* jdk.ActiveSetting */
} pf_jfr_event_kind;

typedef struct pf_jfr_event {
    pf_jfr_event_kind kind;
    const pf_jfr_stack *stack; /* NULL when the event has none or it could not be resolved */
    const char *thread;        /* sampledThread or eventThread: Java name, else OS name; NULL if none */
    const char *thread_state;  /* execution samples: "STATE_RUNNABLE", ...; NULL if none */
    const char *object_class;  /* allocation objectClass / monitor monitorClass, NULL if none */
    int64_t size;              /* ObjectAllocationSample weight, TLAB tlabSize, outside-TLAB allocationSize */
    int64_t duration_ns;       /* monitor enter / park, converted from ticks */
    int64_t samples;           /* wall-clock samples (1 when the field is absent) */
    uint64_t context_id;       /* async-profiler contextId, 0 if none */
    const char *setting_name;  /* ActiveSetting */
    const char *setting_value;
} pf_jfr_event;

/* Return false to stop reading (pf_jfr_read then returns true). */
typedef bool (*pf_jfr_event_cb)(const pf_jfr_event *ev, void *data);

bool pf_jfr_read(const uint8_t *buf, size_t len, pf_arena *a, pf_jfr_event_cb cb, void *data, char *err, size_t errlen);

#endif
