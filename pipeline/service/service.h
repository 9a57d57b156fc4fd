/* service.h — builds and runs the component graph described by a config tree (the Collector's
 * `receivers/processors/exporters/extensions` + `service.pipelines` schema).
 *
 * Two steps, so SIGHUP can check a new config before touching the running one:
 *   pf_service_config_parse()  validates the whole tree: every component config through its factory's
 *                              config_map, every pipeline reference; errors name file:line:col + path.
 *   pf_service_new()/start()   creates components (exporters first), wires consumers (processors are
 *                              instantiated per pipeline, receivers and exporters shared; fan-outs where
 *                              a receiver feeds several pipelines or a pipeline several exporters) and
 *                              starts extensions, exporters, processors, receivers in that order.
 *   pf_service_shutdown()      stops receivers first, then processors (flush), then exporters (drain up to
 *                              shutdown_timeout), then extensions; calls back when done.
 *
 * Ownership: pf_service_config_parse returns a config the caller frees with pf_service_config_free
 * unless it is handed to pf_service_new (which then owns it). pf_service_free after shutdown. */
#ifndef PF_SERVICE_H
#define PF_SERVICE_H

#include <stdbool.h>
#include <uv.h>

#include "config/config_map.h"
#include "net/http_server.h"
#include "pipeline/component/component.h"

typedef struct pf_service_config pf_service_config;
typedef struct pf_service pf_service;

pf_service_config *pf_service_config_parse(const pf_node *root, pf_cfg_error *err);
void pf_service_config_free(pf_service_config *cfg);
/* Non-fatal findings of parse (e.g. components defined but unused), one per line; "" when none. */
const char *pf_service_config_warnings(const pf_service_config *cfg);

/* Hides secret values (keys flagged PF_CFG_SECRET in each component's table) in a config tree, for
 * print-config. Components of unknown types are left as they are. */
void pf_service_config_redact(pf_node *root);

pf_service *pf_service_new(uv_loop_t *loop, pf_service_config *cfg);
bool pf_service_start(pf_service *s, pf_error *err);
void pf_service_shutdown(pf_service *s, void (*done)(pf_service *s, void *data), void *data);
void pf_service_free(pf_service *s);

/* The started extension with this id ("file_storage", "file_storage/q"), or NULL when there is none
 * (or it is not listed in service.extensions). For components' start(). */
pf_component *pf_service_extension(pf_service *s, const char *id);

/* Health: true when every component started and none reported a fatal error. */
bool pf_service_healthy(const pf_service *s);
/* Mounts a handler on the telemetry listener (service.telemetry.metrics address); call from a
 * component's start(). Used by e.g. the sampling processor's control API. */
void pf_service_telemetry_route(pf_service *s, const char *method, const char *path, bool prefix, pf_http_handler fn,
                                void *data);
/* True when a route with this method and path was mounted already (components that share a path
 * mount it once). */
bool pf_service_telemetry_has_route(const pf_service *s, const char *method, const char *path);

#endif
