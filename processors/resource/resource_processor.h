/* resource_processor.h — config, action engine and create() of the resource processor (factory in
 * factory.c). Actions follow the contrib resource/attributes processors: insert, update, upsert,
 * delete, hash (SHA-256 hex), extract (named regex groups become attributes), convert.
 *
 * Ownership: the config struct is owned by the service (pf_cfg_release frees it); compiled patterns
 * (attr_actions) are owned by the component and freed in destroy. */
#ifndef PF_RESOURCE_PROCESSOR_H
#define PF_RESOURCE_PROCESSOR_H

#include "pipeline/component/component.h"

typedef struct attr_action_config {
    char *key;
    char *value;
    char *from_attribute;
    char *pattern;
    char *action;
    char *converted_type;
} attr_action_config;

typedef struct resource_processor_config {
    pf_list attributes;         /* attr_action_config, applied to resource attributes */
    pf_list profile_attributes; /* attr_action_config, applied to each profile's attributes */
} resource_processor_config;

/* The attributes being edited: keys and values point into the batch (or its arena). */
typedef struct attr_entry {
    const char *key;
    const otlp_any_value *value;
    int32_t unit_strindex;
    int32_t index; /* attribute_table index it came from; -1 when new */
    bool changed;
} attr_entry;

typedef struct attr_set {
    attr_entry *items;
    size_t n, cap;
} attr_set;

typedef struct attr_actions attr_actions;

/* Compiles the patterns of a list of actions; NULL with err set when one does not compile. */
attr_actions *attr_actions_compile(const pf_list *configs, char *err, size_t err_len);
void attr_actions_free(attr_actions *a);
/* Applies every action in order; new values are allocated in b's arena. */
void attr_actions_apply(const attr_actions *a, pf_batch *b, attr_set *set);

/* config.c */
extern const pf_cfg_entry resource_processor_cfg_map[];

pf_component *resource_processor_create(const pf_create_args *args, pf_error *err);
/* Processes a writable batch in place (tests call it directly). */
void resource_process_batch(const attr_actions *resource, const attr_actions *profile, pf_batch *b);

#endif
