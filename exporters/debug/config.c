/* config.c — the debug exporter's config table: verbosity (basic, normal or detailed). */
#include <stddef.h>

#include "exporters/debug/debug_exporter.h"

const char *const debug_exporter_verbosities[] = {"basic", "normal", "detailed", NULL};

const pf_cfg_entry debug_exporter_cfg_map[] = {
    {.type = PF_CFG_STRING,
     .name = "verbosity",
     .def = "basic",
     .offset = offsetof(debug_config, verbosity),
     .desc = "basic: a line per batch; normal: plus a line per profile; detailed: plus the top 10 functions by "
             "flat and by cumulative value.",
     .choices = debug_exporter_verbosities},
    PF_CFG_END,
};
