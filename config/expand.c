/* expand.c — ${...} references in scalars, as the Collector's confmap resolves them (node_build.h).
 *
 * Supported: ${env:VAR}, ${env:VAR:-default}, the bare ${VAR} / ${VAR:-default} shorthand,
 * ${file:path} (content with one trailing newline removed) and $$ for a literal $. References nest
 * (${env:A:-${env:B}}). An unset variable without a default expands to "" like the Collector.
 * A scalar that is exactly one reference is plain afterwards, so its text decides its type; text that
 * starts with "[" or "{" is read as a YAML flow collection (so ${env:EXPORTERS} may hold "[a, b]").
 * Block YAML is not promoted: a value such as "Bearer: x" stays a string. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "config/node_build.h"
#include "pipeline/base/xalloc.h"

typedef struct expand_ctx {
    const pf_node *node; /* for error positions */
    const char *path;
    pf_cfg_error *err;
} expand_ctx;

static bool expand_into(const expand_ctx *cx, const char *s, size_t len, pf_buf *out, int depth);

static bool valid_env_name(const char *s, size_t len)
{
    if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
    for (size_t i = 1; i < len; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return false;
    return true;
}

/* Index of the '}' closing the "${" at s[0], or len when there is none. */
static size_t matching_brace(const char *s, size_t len)
{
    int open = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '$' && i + 1 < len && s[i + 1] == '$') {
            i++;
        } else if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
            open++;
            i++;
        } else if (s[i] == '}' && --open == 0) {
            return i;
        }
    }
    return len;
}

static bool resolve_env(const expand_ctx *cx, const char *name, size_t name_len, const char *def, pf_buf *out)
{
    if (!valid_env_name(name, name_len)) {
        pf_cfg_errorf(cx->err, cx->node, cx->path, "invalid environment variable name \"%.*s\"", (int)name_len, name);
        return false;
    }
    char *key = pf_xstrndup(name, name_len);
    const char *value = getenv(key);
    free(key);
    if (!value) value = def ? def : "";
    pf_buf_puts(out, value);
    return true;
}

static bool resolve_file(const expand_ctx *cx, const char *file_path, pf_buf *out)
{
    pf_buf content = {0};
    if (!pf_config_read_file(file_path, &content)) {
        pf_cfg_errorf(cx->err, cx->node, cx->path, "cannot read \"%s\" for ${file:...}: %s", file_path,
                      strerror(errno));
        pf_buf_free(&content);
        return false;
    }
    size_t len = content.len;
    if (len && content.data[len - 1] == '\n') len--;
    if (len && content.data[len - 1] == '\r') len--;
    pf_buf_append(out, content.data, len);
    pf_buf_free(&content);
    return true;
}

/* `inner` is what stood between "${" and "}", already expanded. */
static bool resolve(const expand_ctx *cx, const char *inner, pf_buf *out)
{
    const char *colon = strchr(inner, ':');
    if (!colon) return resolve_env(cx, inner, strlen(inner), NULL, out);
    size_t scheme_len = (size_t)(colon - inner);
    const char *rest = colon + 1;
    if (scheme_len == 3 && !memcmp(inner, "env", 3)) {
        const char *dflt = strstr(rest, ":-");
        return resolve_env(cx, rest, dflt ? (size_t)(dflt - rest) : strlen(rest), dflt ? dflt + 2 : NULL, out);
    }
    if (scheme_len == 4 && !memcmp(inner, "file", 4)) return resolve_file(cx, rest, out);
    if (rest[0] == '-' && valid_env_name(inner, scheme_len)) return resolve_env(cx, inner, scheme_len, rest + 1, out);
    pf_cfg_errorf(cx->err, cx->node, cx->path, "unknown expansion scheme \"%.*s\" in \"${%s}\" (supported: env, file)",
                  (int)scheme_len, inner, inner);
    return false;
}

static bool expand_reference(const expand_ctx *cx, const char *inner, size_t len, pf_buf *out, int depth)
{
    if (depth > 8) {
        pf_cfg_errorf(cx->err, cx->node, cx->path, "${...} references nested too deeply");
        return false;
    }
    pf_buf expanded = {0};
    pf_buf_reserve(&expanded, 0);
    expanded.data[0] = '\0';
    bool ok = expand_into(cx, inner, len, &expanded, depth + 1) && resolve(cx, expanded.data, out);
    pf_buf_free(&expanded);
    return ok;
}

static bool expand_into(const expand_ctx *cx, const char *s, size_t len, pf_buf *out, int depth)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] == '$' && i + 1 < len && s[i + 1] == '$') {
            pf_buf_append(out, "$", 1);
            i += 2;
        } else if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
            size_t close = i + matching_brace(s + i, len - i);
            if (close >= len) {
                pf_cfg_errorf(cx->err, cx->node, cx->path, "unterminated \"${\" in \"%.*s\"", (int)len, s);
                return false;
            }
            if (!expand_reference(cx, s + i + 2, close - i - 2, out, depth)) return false;
            i = close + 1;
        } else {
            pf_buf_append(out, s + i, 1);
            i++;
        }
    }
    return true;
}

/* A whole-reference result that looks like a flow collection becomes that collection. */
static void promote_collection(pf_node *n, const char *text)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t') p++;
    if (*p != '[' && *p != '{') return;
    pf_cfg_error ignored;
    pf_node *parsed = pf_yaml_parse(text, strlen(text), n->file, &ignored);
    if (!parsed) return; /* not YAML after all: it stays a string */
    if (parsed->type != PF_NODE_SCALAR) {
        pf_node_set_position(parsed, n->file, n->line, n->col);
        free(n->value);
        n->value = NULL;
        n->is_null = n->quoted = false;
        n->type = parsed->type;
        n->children = parsed->children;
        n->n_children = parsed->n_children;
        parsed->children = NULL;
        parsed->n_children = 0;
    }
    pf_node_free(parsed);
}

static bool expand_scalar(pf_node *n, const char *path, pf_cfg_error *err)
{
    if (!strchr(n->value, '$')) return true;
    size_t len = strlen(n->value);
    expand_ctx cx = {n, path, err};
    pf_buf out = {0};
    pf_buf_reserve(&out, len);
    out.data[0] = '\0';
    if (!expand_into(&cx, n->value, len, &out, 0)) {
        pf_buf_free(&out);
        return false;
    }
    bool whole = len > 2 && !memcmp(n->value, "${", 2) && matching_brace(n->value, len) == len - 1;
    free(n->value);
    n->value = out.data;
    if (whole) {
        n->quoted = false;
        n->is_null = pf_node_is_null_text(n->value);
        promote_collection(n, n->value);
    }
    return true;
}

bool pf_node_expand(pf_node *n, const char *path, pf_cfg_error *err)
{
    if (n->type == PF_NODE_SCALAR) return expand_scalar(n, path, err);
    for (size_t i = 0; i < n->n_children; i++) {
        pf_node *child = n->children[i];
        char *child_path =
            child->key ? pf_xasprintf("%s%s%s", path, *path ? "." : "", child->key) : pf_xasprintf("%s[%zu]", path, i);
        bool ok = pf_node_expand(child, child_path, err);
        free(child_path);
        if (!ok) return false;
    }
    return true;
}
