/* yaml_print.c — pf_node trees back to block-style YAML for `print-config` (loader.h).
 * Strings are double-quoted only when plain style would be misread: YAML syntax characters, or a
 * quoted value that plain would turn into a bool/number/null. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "config/node_build.h"
#include "pipeline/base/utf8.h"

static bool looks_typed(const char *s)
{
    static const char *const words[] = {"true", "True",  "TRUE",  "false", "False", "FALSE", "yes", "Yes", "YES",
                                        "no",   "No",    "NO",    "on",    "On",    "ON",    "off", "Off", "OFF",
                                        ".inf", "-.inf", "+.inf", ".nan",  ".NaN",  ".NAN",  NULL};
    if (pf_node_is_null_text(s)) return true;
    for (size_t i = 0; words[i]; i++)
        if (!strcmp(s, words[i])) return true;
    char *end;
    strtod(s, &end);
    return end != s && *end == '\0';
}

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0. p is NUL-terminated, and a NUL ends any
 * sequence, so reading stops there. */
static size_t utf8_len(const unsigned char *p) { return pf_utf8_seq_len(p, 4); }

static uint32_t utf8_cp(const unsigned char *p, size_t n) { return pf_utf8_decode(p, n); }

/* YAML's printable set (what libyaml accepts in a document), tab and newline aside. */
static bool yaml_printable(uint32_t cp)
{
    return (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) ||
           (cp >= 0xe000 && cp <= 0xfffd && cp != 0xfeff) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/* A character that print_quoted writes as an escape: not UTF-8, or not printable in YAML. */
static bool needs_escape(const unsigned char *p)
{
    size_t n = utf8_len(p);
    return !n || !yaml_printable(utf8_cp(p, n));
}

static bool needs_quotes(const char *s, bool quoted)
{
    if (!*s || (quoted && looks_typed(s))) return true;
    if (strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]) && !(s[0] == '-' && looks_typed(s))) return true;
    if (!strncmp(s, "...", 3)) return true;
    if (!strcmp(s, "<<")) return true; /* plain, it is the merge key */
    size_t len = strlen(s);
    if (s[len - 1] == ' ' || s[len - 1] == ':') return true;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) return true;
        /* Bytes that are not UTF-8 (from --set, ${env:…} or ${file:…}) would make the output unreadable
         * as YAML; quoted, they are written as escapes. */
        if (needs_escape((const unsigned char *)p)) return true;
        if ((p[0] == ':' && p[1] == ' ') || (p[0] == ' ' && p[1] == '#')) return true;
        p += utf8_len((const unsigned char *)p) - 1;
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
            if (!utf8_len(p)) {
                fprintf(out, "\\x%02x", *p);
            } else {
                size_t n = utf8_len(p);
                uint32_t cp = utf8_cp(p, n);
                if (!yaml_printable(cp))
                    fprintf(out, cp > 0xffff ? "\\U%08lx" : "\\u%04lx", (unsigned long)cp);
                else
                    fwrite(p, 1, n, out);
                p += n - 1;
            }
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
            /* YAML limits implicit keys to 1024 characters; longer ones take the explicit "? key" form. */
            if (strlen(child->key) > 100) {
                fputs("? ", out);
                print_text(child->key, false, out);
                fputc('\n', out);
                indent_to(indent, out);
            } else {
                print_text(child->key, false, out);
            }
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
