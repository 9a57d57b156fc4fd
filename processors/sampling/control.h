/* control.h — the sampling control API on the telemetry listener, shared by every sampling processor
 * of a service:
 *   POST   /api/v1/sampling/overrides          add a dynamic override → 201 {"id": ...}
 *   GET    /api/v1/sampling/overrides          list them (with kept/dropped counts)
 *   DELETE /api/v1/sampling/overrides/<id>     remove one → 200, unknown id → 404
 *   POST   /api/v1/sampling/alertmanager       Alertmanager webhook: firing alerts add overrides,
 *                                              resolved ones remove them
 * Requests pick a processor with ?processor=<id>; it may be left out when the service has one
 * sampling processor id. All instances of one id (the same processor used in several pipelines) share
 * its overrides. Override ids are unique within the service, so DELETE needs no processor.
 *
 * Lifecycle: an instance attaches in start() (the first one of a service mounts the routes through
 * pf_host_telemetry_route), detaches in shutdown() (the last of an id closes its expiry timer and
 * then calls done) and releases in destroy() (the last one frees the shared state, which the routes
 * point at — the service closes the listener before destroying components).
 * Ownership: the shared state is owned by this module; callers hold sampling_target pointers. */
#ifndef PF_SAMPLING_CONTROL_H
#define PF_SAMPLING_CONTROL_H

#include <uv.h>

#include "pipeline/component/component.h"
#include "processors/sampling/overrides.h"

typedef struct sampling_target sampling_target;
typedef struct sampling_control sampling_control;

/* host may be NULL (tests): nothing is mounted, sampling_control_call still works. */
sampling_target *sampling_control_attach(pf_host *host, uv_loop_t *loop, const char *id, const sampling_config *cfg);
override_store *sampling_target_overrides(sampling_target *t);
sampling_control *sampling_target_control(sampling_target *t);
void sampling_control_detach(sampling_target *t, void (*done)(void *data), void *data);
void sampling_control_release(sampling_target *t);

/* Serves one API request without HTTP (the route handlers use it; so do tests). path excludes the
 * query string. Returns the HTTP status and appends a JSON body to out. */
int sampling_control_call(sampling_control *c, const char *method, const char *path, const char *query,
                          const void *body, size_t body_len, pf_buf *out);

#endif
