/* component.h — the component model, after the OpenTelemetry Collector's factory/config/lifecycle.
 *
 * A factory (one per component type, one per folder under receivers/, processors/, exporters/,
 * pipeline/extensions/) gives the type name, its config table (config_map.h), optional cross-key
 * validation, and create(). The service (service.c) creates one component per id used in the
 * pipelines ("otlp", "otlp/secondary"), wires them, starts them exporters-first and shuts them down
 * receivers-first.
 *
 * Data flows through pf_consumer: consume() takes over the caller's reference to the batch (whatever
 * it returns) and answers
 *   PF_OK         accepted (queued or delivered) — the receiver may acknowledge
 *   PF_RETRYABLE  refused for now (queue full, backend down) — receivers answer 429/503 +
 *                 Retry-After or RESOURCE_EXHAUSTED/UNAVAILABLE
 *   PF_PERMANENT  refused for good (invalid data) — receivers answer 400 / INVALID_ARGUMENT
 * consume() runs on the loop thread and must not block.
 *
 * Lifecycle (libuv handle style): create → start → … → shutdown(done) → destroy.
 * shutdown stops intake, flushes, and calls done exactly once when drained (possibly synchronously).
 * The component frees everything in destroy(); its config struct is owned and freed by the service. */
#ifndef PF_COMPONENT_H
#define PF_COMPONENT_H

#include <stdbool.h>
#include <uv.h>

#include "config/config_map.h"
#include "net/http_server.h"
#include "pipeline/model/batch.h"
#include "pipeline/model/status.h"

typedef enum pf_kind {
    PF_KIND_RECEIVER,
    PF_KIND_PROCESSOR,
    PF_KIND_EXPORTER,
    PF_KIND_EXTENSION,
} pf_kind;

typedef struct pf_error {
    char msg[512];
    uint32_t retry_after_s; /* PF_RETRYABLE: suggested delay, 0 = unknown */
} pf_error;

void pf_error_set(pf_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct pf_consumer {
    pf_status (*consume)(struct pf_consumer *self, pf_batch *b, pf_error *err);
    void *data;
    /* Readiness probe: a cheap hint that consume() would take a batch now (e.g. an exporter's queue
     * has room). Receivers ask before decoding a request, so an overloaded pipeline refuses in
     * microseconds instead of after the decode. Either a function, or `ready_via`: "ready when that
     * consumer is" (what pass-through processors set to their next); neither = always ready.
     * consume() may still refuse: readiness is advice, not a reservation. */
    bool (*ready)(struct pf_consumer *self);
    struct pf_consumer *ready_via;
    /* consume() takes lazy batches (pipeline/model/wire.h: validated bytes, not decoded yet) and
     * decodes them itself where it needs the tree; without it pf_consumer_consume decodes first. */
    bool wire_ok;
    /* Durability: true when something downstream stores data durably and acknowledges it only then
     * (a persistent sending queue; pipeline/model/ack.h), so components that hold data in memory on the
     * way (the batch processor) must hold the acks too. Found like readiness: this function, else
     * ready_via's, else false. */
    bool (*durable)(struct pf_consumer *self);
} pf_consumer;

/* Decodes a lazy batch, then hands it to c (PF_PERMANENT if it does not decode). */
pf_status pf_consumer_consume_decoded(pf_consumer *c, pf_batch *b, pf_error *err);

static inline pf_status pf_consumer_consume(pf_consumer *c, pf_batch *b, pf_error *err)
{
    if (!b->req && !c->wire_ok) return pf_consumer_consume_decoded(c, b, err);
    return c->consume(c, b, err);
}

static inline bool pf_consumer_ready(pf_consumer *c)
{
    while (c && !c->ready && c->ready_via) c = c->ready_via;
    return !c || !c->ready || c->ready(c);
}

static inline bool pf_consumer_durable(pf_consumer *c)
{
    while (c && !c->durable && c->ready_via) c = c->ready_via;
    return c && c->durable && c->durable(c);
}

typedef struct pf_component pf_component;
typedef void (*pf_done_cb)(pf_component *c, void *data);

/* What a component may ask of the service that runs it (the Collector's component.Host). The service
 * fills it; components use it only through the functions below, never through service.h. */
typedef struct pf_host pf_host;
struct pf_host {
    uv_loop_t *loop;
    void *data; /* the service */
    bool (*healthy)(const pf_host *host);
    void (*telemetry_route)(pf_host *host, const char *method, const char *path, bool prefix, pf_http_handler fn,
                            void *data);
    /* The started extension with this id ("type" or "type/name"), or NULL. */
    pf_component *(*extension)(pf_host *host, const char *id);
    bool (*telemetry_has_route)(const pf_host *host, const char *method, const char *path);
};

/* True when every component started and none reported a fatal error. */
static inline bool pf_host_healthy(const pf_host *host) { return host && host->healthy && host->healthy(host); }

/* Mounts a handler on the telemetry listener (service.telemetry.metrics address); call from start().
 * A NULL host (unit tests) mounts nothing. */
static inline void pf_host_telemetry_route(pf_host *host, const char *method, const char *path, bool prefix,
                                           pf_http_handler fn, void *data)
{
    if (host && host->telemetry_route) host->telemetry_route(host, method, path, prefix, fn, data);
}

/* True when a route with this method and path is mounted already (components that share a path
 * mount it once). */
static inline bool pf_host_telemetry_has_route(const pf_host *host, const char *method, const char *path)
{
    return host && host->telemetry_has_route && host->telemetry_has_route(host, method, path);
}

typedef struct pf_component_ops {
    /* Opens listeners, timers, connections. Returns false with err set on failure. */
    bool (*start)(pf_component *c, pf_host *host, pf_error *err);
    /* Stops intake, flushes, drains; calls done(c, data) once finished. `deadline_ms` is the time
     * left before the service gives up waiting (exporters should stop retrying by then). */
    void (*shutdown)(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data);
    /* Frees the component. Called after shutdown completed (or after a failed start). */
    void (*destroy)(pf_component *c);
    /* Processors and exporters: their input, which pf_component_init() makes c->consumer (its data is
     * the component). `ready` as in pf_consumer; a processor without one is ready when its next is. */
    pf_status (*consume)(pf_consumer *self, pf_batch *b, pf_error *err);
    bool (*ready)(pf_consumer *self);
    /* Extensions: what they offer other components by name (e.g. PF_FILE_STORAGE_CAPABILITY), or NULL.
     * Others find it through pf_host_capability(). */
    const void *(*capability)(pf_component *c, const char *name);
    /* As pf_consumer.durable; a processor without one is durable when its next is. */
    bool (*durable)(pf_consumer *self);
} pf_component_ops;

/* Embedded as the first member of every component's own struct. */
struct pf_component {
    const pf_component_ops *ops;
    const struct pf_factory *factory;
    const char *id;           /* "type" or "type/name"; owned by the service */
    pf_consumer consumer;     /* processors, exporters: their input (set by create) */
    pf_component_ops own_ops; /* what ops points to after pf_component_init(): the defaults filled in */
    pf_done_cb shutdown_done; /* pf_component_shutdown_begin() until pf_component_shutdown_end() */
    void *shutdown_data;
};

typedef struct pf_create_args {
    const char *id;
    const void *config; /* the parsed config struct; owned by the service, lives until destroy */
    pf_consumer *next;  /* receivers, processors: where to send (a fan-out when several) */
    uv_loop_t *loop;
    const struct pf_factory *factory; /* the factory whose create() this is (NULL in some unit tests) */
} pf_create_args;

/* Fills what every component has, from create()'s arguments: ops (NULL entries get the defaults
 * below, so a component writes only what it needs), id, factory and, when ops->consume is set, its
 * input consumer {consume, ready, data = c, ready_via = args->next}. `c` is the component's embedded
 * base (first member of its zeroed struct); `ops` must outlive it. */
void pf_component_init(pf_component *c, const pf_component_ops *ops, const pf_create_args *args);

/* For a shutdown that finishes later: remembers done(c, data) for pf_component_shutdown_end(). */
void pf_component_shutdown_begin(pf_component *c, pf_done_cb done, void *data);
/* Calls the remembered done once (later calls, or calls without a begin, do nothing). Takes the
 * component as void * so that it can itself be the callback of what shutdown waits for (a server's or
 * client's close, a writer's flush). */
void pf_component_shutdown_end(void *component);

/* The defaults: start does nothing; shutdown calls done at once; destroy frees the struct (free(c)). */
bool pf_component_start_nothing(pf_component *c, pf_host *host, pf_error *err);
void pf_component_shutdown_now(pf_component *c, uint64_t deadline_ms, pf_done_cb done, void *data);
void pf_component_free(pf_component *c);

typedef struct pf_factory {
    const char *type;
    pf_kind kind;
    const char *stability; /* "development" | "alpha" | "beta" | "stable" */
    const char *description;
    const pf_cfg_entry *config_map;
    size_t config_size;
    /* Cross-key validation after the map is applied (optional). `node` is the component's node. */
    bool (*validate)(const void *config, const pf_node *node, const char *path, pf_cfg_error *err);
    /* Returns NULL with err set on failure. */
    pf_component *(*create)(const pf_create_args *args, pf_error *err);
} pf_factory;

const char *pf_kind_name(pf_kind kind); /* "receiver", ... */

/* What the extension `id` offers under `capability`, or NULL when there is no such started
 * extension or it offers nothing by that name (the Collector's host.GetExtensions + a type check). */
static inline const void *pf_host_capability(pf_host *host, const char *id, const char *capability)
{
    pf_component *ext = host && host->extension ? host->extension(host, id) : NULL;
    return ext && ext->ops->capability ? ext->ops->capability(ext, capability) : NULL;
}

#endif
