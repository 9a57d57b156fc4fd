/* yaml_print.c — pf_node trees back to block-style YAML for `print-config` (loader.h).
 * Strings are double-quoted only when plain style would be misread: YAML syntax characters, or a
 * quoted value that plain would turn into a bool/number/null. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "config/node_build.h"

static bool looks_typed(const char *s)
{
    static const char *const words[] = {"true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES",
                                        "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", ".inf",
                                        "-.inf", "+.inf", ".nan", ".NaN", ".NAN", NULL};
    if (pf_node_is_null_text(s)) return true;
    for (size_t i = 0; words[i]; i++)
        if (!strcmp(s, words[i])) return true;
    char *end;
    strtod(s, &end);
    return end != s && *end == '\0';
}

static bool needs_quotes(const char *s, bool quoted)
{
    if (!*s || (quoted && looks_typed(s))) return true;
    if (strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]) && !(s[0] == '-' && looks_typed(s))) return true;
    if (!strncmp(s, "...", 3)) return true;
    size_t len = strlen(s);
    if (s[len - 1] == ' ' || s[len - 1] == ':') return true;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) return true;
        if ((p[0] == ':' && p[1] == ' ') || (p[0] == ' ' && p[1] == '#')) return true;
    }
    return false;
}

static void print_quoted(const char *s, FILE *out)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\x%02x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void print_text(const char *s, bool quoted, FILE *out)
{
    if (needs_quotes(s, quoted))
        print_quoted(s, out);
    else
        fputs(s, out);
}

static void print_scalar(const pf_node *n, FILE *out)
{
    if (n->is_null)
        fputs("null", out);
    else
        print_text(n->value, n->quoted, out);
}

static void indent_to(int indent, FILE *out) { fprintf(out, "%*s", indent, ""); }

static void print_block(const pf_node *n, int indent, bool first_line_indented, FILE *out);

/* The part after "key:" or "-": inline for scalars and empty collections, else a nested block. */
static void print_value(const pf_node *n, int indent, bool after_dash, FILE *out)
{
    if (n->type == PF_NODE_SCALAR || n->n_children == 0) {
        fputc(' ', out);
        if (n->type == PF_NODE_SCALAR)
            print_scalar(n, out);
        else
            fputs(n->type == PF_NODE_MAP ? "{}" : "[]", out);
        fputc('\n', out);
    } else if (after_dash && n->type == PF_NODE_MAP) {
        fputc(' ', out);
        print_block(n, indent + 2, true, out);
    } else {
        fputc('\n', out);
        print_block(n, indent + 2, false, out);
    }
}

static void print_block(const pf_node *n, int indent, bool first_line_indented, FILE *out)
{
    for (size_t i = 0; i < n->n_children; i++) {
        const pf_node *child = n->children[i];
        if (i > 0 || !first_line_indented) indent_to(indent, out);
        if (n->type == PF_NODE_MAP) {
            print_text(child->key, false, out);
            fputc(':', out);
            print_value(child, indent, false, out);
        } else {
            fputc('-', out);
            print_value(child, indent, true, out);
        }
    }
}

void pf_node_print_yaml(const pf_node *n, FILE *out)
{
    if (n->type == PF_NODE_SCALAR) {
        print_scalar(n, out);
        fputc('\n', out);
    } else if (n->n_children == 0) {
        fputs(n->type == PF_NODE_MAP ? "{}\n" : "[]\n", out);
    } else {
        print_block(n, 0, false, out);
    }
}
