/* config.c — the resource processor's config table: lists of contrib resource/attributes actions for
 * resource attributes and for profile attributes, each compiled once at load so a bad pattern or
 * missing field is reported with its position. */
#include <stddef.h>
#include <stdlib.h>

#include "processors/resource/resource_processor.h"

/* Each action is compiled once here so a bad pattern or missing field is reported at load, with its
 * position. */
static bool check_action(void *section, const pf_node *node, const char *path, pf_cfg_error *err)
{
    pf_list one = {section, 1};
    char msg[400];
    attr_actions *a = attr_actions_compile(&one, msg, sizeof(msg));
    if (!a) {
        pf_cfg_errorf(err, node, path, "%s", msg);
        return false;
    }
    attr_actions_free(a);
    return true;
}

static const char *const converted_types[] = {"int", "double", "string", NULL};

static const pf_cfg_entry action_map[] = {
    {.type = PF_CFG_STRING,
     .name = "key",
     .offset = offsetof(attr_action_config, key),
     .desc = "Attribute the action works on"},
    {.type = PF_CFG_STRING,
     .name = "value",
     .offset = offsetof(attr_action_config, value),
     .desc = "Value for insert/update/upsert"},
    {.type = PF_CFG_STRING,
     .name = "from_attribute",
     .offset = offsetof(attr_action_config, from_attribute),
     .desc = "Take the value of this attribute instead of value"},
    {.type = PF_CFG_STRING,
     .name = "pattern",
     .offset = offsetof(attr_action_config, pattern),
     .desc = "Regex: attribute names for delete/hash, named groups for extract"},
    {.type = PF_CFG_STRING,
     .name = "action",
     .offset = offsetof(attr_action_config, action),
     .flags = PF_CFG_REQUIRED,
     .desc = "insert, update, upsert, delete, hash, extract or convert"},
    {.type = PF_CFG_STRING,
     .name = "converted_type",
     .offset = offsetof(attr_action_config, converted_type),
     .choices = converted_types,
     .desc = "convert: int, double or string"},
    PF_CFG_END,
};

const pf_cfg_entry resource_processor_cfg_map[] = {
    {.type = PF_CFG_SECTION_LIST,
     .name = "attributes",
     .offset = offsetof(resource_processor_config, attributes),
     .sub = action_map,
     .elem_size = sizeof(attr_action_config),
     .check = check_action,
     .desc = "Actions on resource attributes, in order"},
    {.type = PF_CFG_SECTION_LIST,
     .name = "profile_attributes",
     .offset = offsetof(resource_processor_config, profile_attributes),
     .sub = action_map,
     .elem_size = sizeof(attr_action_config),
     .check = check_action,
     .desc = "Actions on each profile's attributes, in order"},
    PF_CFG_END,
};
