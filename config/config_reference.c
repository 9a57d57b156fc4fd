/* config_reference.c — pf_cfg_print_reference: a config table as Markdown rows for the README and
 * `proflow components --reference` (config_map.h). */
#include <stdlib.h>
#include <string.h>

#include "config/config_map.h"
#include "config/config_map_internal.h"
#include "pipeline/base/xalloc.h"

static void put_cell(pf_buf *row, const char *text, bool code)
{
    pf_buf_puts(row, code && *text ? " `" : " ");
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            pf_buf_puts(row, "\\|");
        else
            pf_buf_append(row, p, 1);
    }
    pf_buf_puts(row, code && *text ? "` |" : " |");
}

static void type_text(const pf_cfg_entry *e, pf_buf *out)
{
    static const char *const names[] = {
        [PF_CFG_STRING] = "string",
        [PF_CFG_INT] = "int",
        [PF_CFG_BOOL] = "bool",
        [PF_CFG_DOUBLE] = "double",
        [PF_CFG_DURATION] = "duration",
        [PF_CFG_SIZE] = "size",
        [PF_CFG_STRING_LIST] = "string list",
        [PF_CFG_STRING_MAP] = "string map",
        [PF_CFG_SECTION] = "section",
        [PF_CFG_SECTION_LIST] = "section list",
        [PF_CFG_CUSTOM] = "custom",
    };
    pf_buf_puts(out, e->type == PF_CFG_CUSTOM && e->type_name ? e->type_name : names[e->type]);
    for (size_t i = 0; e->choices && e->choices[i]; i++)
        pf_buf_printf(out, "%s%s", i ? ", " : " (one of: ", e->choices[i]);
    if (e->choices && e->choices[0]) pf_buf_puts(out, ")");
}

static const char *default_text(const pf_cfg_entry *e)
{
    if (e->flags & PF_CFG_REQUIRED) return "required";
    if (e->def) return e->def;
    switch (e->type) {
    case PF_CFG_BOOL: return "false";
    case PF_CFG_INT:
    case PF_CFG_DOUBLE:
    case PF_CFG_SIZE: return "0";
    case PF_CFG_DURATION: return "0s";
    default: return "";
    }
}

static void print_row(const pf_cfg_entry *e, const char *key, FILE *out)
{
    pf_buf row = {0}, type = {0}, desc = {0};
    pf_buf_puts(&row, "|");
    put_cell(&row, key, true);
    type_text(e, &type);
    put_cell(&row, type.data, false);
    put_cell(&row, default_text(e), !(e->flags & PF_CFG_REQUIRED));
    pf_buf_puts(&desc, e->desc ? e->desc : "");
    if (e->min < e->max) {
        char lo[64], hi[64];
        pf_cfg_format_bound(e, e->min, lo, sizeof(lo));
        pf_cfg_format_bound(e, e->max, hi, sizeof(hi));
        pf_buf_printf(&desc, "%s(%s to %s)", desc.len ? " " : "", lo, hi);
    }
    put_cell(&row, desc.data ? desc.data : "", false);
    fprintf(out, "%s\n", row.data);
    pf_buf_free(&row);
    pf_buf_free(&type);
    pf_buf_free(&desc);
}

void pf_cfg_print_reference(const pf_cfg_entry *map, FILE *out, const char *prefix)
{
    for (const pf_cfg_entry *e = map; e->name; e++) {
        char *key = prefix && *prefix ? pf_xasprintf("%s.%s", prefix, e->name) : pf_xstrdup(e->name);
        if (e->type == PF_CFG_SECTION_LIST) {
            char *list_key = pf_xasprintf("%s[]", key);
            print_row(e, list_key, out);
            pf_cfg_print_reference(e->sub, out, list_key);
            free(list_key);
        } else {
            print_row(e, key, out);
            if (e->type == PF_CFG_SECTION) pf_cfg_print_reference(e->sub, out, key);
        }
        free(key);
    }
}

static void redact_value(pf_node *n)
{
    if (n->type == PF_NODE_SCALAR) {
        if (n->is_null) return;
        free(n->value);
        n->value = pf_xstrdup("[REDACTED]");
        n->quoted = false;
        return;
    }
    for (size_t i = 0; i < n->n_children; i++) redact_value(n->children[i]);
}

void pf_cfg_redact(const pf_cfg_entry *map, pf_node *node)
{
    if (!node || node->type != PF_NODE_MAP) return;
    for (size_t i = 0; i < node->n_children; i++) {
        pf_node *child = node->children[i];
        for (const pf_cfg_entry *e = map; e->name; e++) {
            if (strcmp(e->name, child->key) != 0) continue;
            if (e->flags & PF_CFG_SECRET)
                redact_value(child);
            else if (e->type == PF_CFG_SECTION)
                pf_cfg_redact(e->sub, child);
            else if (e->type == PF_CFG_SECTION_LIST && child->type == PF_NODE_SEQ)
                for (size_t k = 0; k < child->n_children; k++) pf_cfg_redact(e->sub, child->children[k]);
        }
    }
}
