/* loader.h — turns config sources into one YAML tree, the way the Collector's confmap does:
 *   - each --config file is parsed (libyaml) and merged over the previous ones (mappings merge key by
 *     key, recursively; scalars and sequences from later files replace earlier ones);
 *   - ${env:VAR}, ${env:VAR:-default}, ${VAR} and ${file:path} are expanded inside scalars ($$ is a
 *     literal $); an unset variable without default expands to "" (as the Collector does);
 *   - each --set a.b.c=value is applied last (value parsed as a YAML scalar/flow value).
 * Errors name file:line:col. The returned tree is owned by the caller (pf_node_free). */
#ifndef PF_LOADER_H
#define PF_LOADER_H

#include <stdio.h>

#include "config/config_map.h"
#include "config/node.h"

typedef struct pf_config_sources {
    const char *const *files; /* --config paths, in order */
    size_t n_files;
    const char *const *sets; /* --set "a.b.c=value" strings, in order */
    size_t n_sets;
    const char *fallback_yaml; /* used when n_files == 0 (the embedded default config) */
} pf_config_sources;

pf_node *pf_config_load(const pf_config_sources *src, pf_cfg_error *err);
/* Parses one YAML document; `name` is used in positions. */
pf_node *pf_yaml_parse(const char *text, size_t len, const char *name, pf_cfg_error *err);
/* Prints a tree back as YAML (print-config). */
void pf_node_print_yaml(const pf_node *n, FILE *out);

#endif
