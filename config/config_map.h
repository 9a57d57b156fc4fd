/* config_map.h — declarative configuration tables (Fluent Bit's config_map, typed for C).
 *
 * Each component lists its keys once, as a table of pf_cfg_entry: type, name, default, offset into its
 * config struct, description. From that one table the core
 *   - fills a struct with defaults             (pf_cfg_defaults)
 *   - parses and validates a YAML node into it (pf_cfg_apply) with errors "file:line:col: path: msg"
 *   - frees what it allocated                  (pf_cfg_release)
 *   - prints help / the README reference       (pf_cfg_print_reference)
 * Tables end with an entry whose name is NULL (PF_CFG_END).
 *
 * Ownership: strings and lists written into a config struct are malloc'd by the core and freed by
 * pf_cfg_release(); component code treats them as read-only. */
#ifndef PF_CONFIG_MAP_H
#define PF_CONFIG_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/node.h"

typedef enum pf_cfg_type {
    PF_CFG_STRING,       /* char *            ("" default when def is NULL → NULL) */
    PF_CFG_INT,          /* int64_t */
    PF_CFG_BOOL,         /* bool */
    PF_CFG_DOUBLE,       /* double */
    PF_CFG_DURATION,     /* int64_t nanoseconds; accepts Go durations "1h2m3.5s", "200ms", "0" */
    PF_CFG_SIZE,         /* int64_t bytes; accepts 1048576, "20MiB", "64KB", "1GiB" */
    PF_CFG_STRING_LIST,  /* pf_strlist; accepts a sequence of scalars (or one scalar) */
    PF_CFG_STRING_MAP,   /* pf_strmap; a mapping of scalar values (order kept) */
    PF_CFG_SECTION,      /* nested struct at offset, keys in .sub */
    PF_CFG_SECTION_LIST, /* pf_list of structs of .elem_size, each parsed with .sub */
    PF_CFG_CUSTOM,       /* .parse/.release callbacks do the work */
} pf_cfg_type;

enum {
    PF_CFG_REQUIRED = 1u << 0, /* error when the key is absent */
    PF_CFG_PRESENCE = 1u << 1, /* set bool at .presence_offset when the key appears (even empty) */
    PF_CFG_SECRET = 1u << 2,   /* value printed as "[REDACTED]" by print-config */
};

typedef struct pf_strlist {
    char **items;
    size_t n;
} pf_strlist;

typedef struct pf_strmap {
    char **keys;
    char **values;
    size_t n;
} pf_strmap;

typedef struct pf_list {
    void *items; /* n elements of the entry's elem_size */
    size_t n;
} pf_list;

typedef struct pf_cfg_error {
    char msg[1024];
} pf_cfg_error;

struct pf_cfg_entry;
/* CUSTOM: parse `node` (never NULL) into `field`. path is the dotted key path for error messages. */
typedef bool (*pf_cfg_parse_fn)(const struct pf_cfg_entry *e, const pf_node *node, void *field, const char *path,
                                pf_cfg_error *err);
typedef void (*pf_cfg_release_fn)(const struct pf_cfg_entry *e, void *field);
/* Section/element validator: runs after the section's keys are applied. */
typedef bool (*pf_cfg_check_fn)(void *section, const pf_node *node, const char *path, pf_cfg_error *err);

typedef struct pf_cfg_entry {
    pf_cfg_type type;
    const char *name;
    const char *def;  /* default, as YAML scalar text; NULL = zero value */
    size_t offset;    /* offsetof(config struct, field) */
    const char *desc; /* one line; goes to help and README */
    unsigned flags;
    const struct pf_cfg_entry *sub; /* SECTION, SECTION_LIST */
    size_t elem_size;               /* SECTION_LIST */
    pf_cfg_check_fn check;          /* SECTION, SECTION_LIST: per-struct validation */
    const char *const *choices;     /* STRING: allowed values, NULL-terminated */
    double min, max;                /* INT, DOUBLE, DURATION(ns), SIZE: inclusive range when min < max */
    size_t presence_offset;         /* with PF_CFG_PRESENCE: offset of a bool */
    pf_cfg_parse_fn parse;          /* CUSTOM */
    pf_cfg_release_fn release;      /* CUSTOM */
    const char *type_name;          /* CUSTOM: shown in the reference, e.g. "relabel_config list" */
} pf_cfg_entry;

#define PF_CFG_END                                                                                                     \
    {                                                                                                                  \
        .name = NULL                                                                                                   \
    }

/* Writes defaults of every entry (recursively into SECTIONs) into `cfg` (which is zeroed first).
 * Returns false only if a default text fails to parse (a bug in the table, reported in err). */
bool pf_cfg_defaults(const pf_cfg_entry *map, void *cfg, pf_cfg_error *err);

/* Applies a YAML mapping node over `cfg` (which must hold defaults already). `node` may be NULL or a
 * null scalar (= keep defaults). Unknown keys, wrong types, bad values, missing required keys are
 * errors naming node position and `path.key`. Runs .check callbacks. */
bool pf_cfg_apply(const pf_cfg_entry *map, const pf_node *node, void *cfg, const char *path, pf_cfg_error *err);

/* Frees strings, lists and maps that pf_cfg_defaults/pf_cfg_apply put into cfg (not cfg itself). */
void pf_cfg_release(const pf_cfg_entry *map, void *cfg);

/* Markdown table rows "| key | type | default | description |" (nested keys dotted), for README and
 * `proflow components --reference`. */
void pf_cfg_print_reference(const pf_cfg_entry *map, FILE *out, const char *prefix);

/* Replaces, in a YAML tree the map would apply to, the values of keys flagged PF_CFG_SECRET with
 * "[REDACTED]" (maps and lists too), walking SECTIONs and SECTION_LISTs. For print-config. */
void pf_cfg_redact(const pf_cfg_entry *map, pf_node *node);

/* Formats an error "file:line:col: path: message" (position from node; node may be NULL). */
void pf_cfg_errorf(pf_cfg_error *err, const pf_node *node, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Scalar parsers shared with the rest of proflow (flags, HTTP APIs). Return false on bad input. */
bool pf_parse_duration(const char *s, int64_t *out_ns);
bool pf_parse_size(const char *s, int64_t *out_bytes);
bool pf_parse_bool(const char *s, bool *out);
bool pf_parse_int(const char *s, int64_t *out);

void pf_strlist_free(pf_strlist *l);
void pf_strmap_free(pf_strmap *m);
/* NULL when absent. */
const char *pf_strmap_get(const pf_strmap *m, const char *key);

#endif
