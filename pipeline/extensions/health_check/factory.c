/* health_check extension — answers 200 on its endpoint while every component is started, 503
 * otherwise (starting, shutting down, reloading), like the Collector's healthcheckextension. This
 * file is the registration; the table is in config.c, the behaviour in health_check.c. */
#include "pipeline/extensions/health_check/health_check.h"

const pf_factory pf_extension_health_check_factory = {
    .type = "health_check",
    .kind = PF_KIND_EXTENSION,
    .stability = "beta",
    .description = "HTTP health endpoint: 200 while every component runs, 503 otherwise.",
    .config_map = health_check_cfg_map,
    .config_size = sizeof(health_config),
    .create = health_check_create,
};
