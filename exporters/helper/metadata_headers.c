/* metadata_headers.c — headers_from_metadata for the client exporters (see client_exporter.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exporters/helper/client_exporter.h"
#include "pipeline/base/xalloc.h"

void pf_client_exporter_set_metadata_headers(pf_client_exporter *e, const pf_strlist *keys)
{
    pf_strlist_free(&e->metadata_headers);
    if (!keys || !keys->n) return;
    e->metadata_headers.items = pf_xcalloc(keys->n, sizeof(char *));
    for (size_t i = 0; i < keys->n; i++) {
        char *k = pf_xstrdup(keys->items[i]);
        for (char *p = k; *p; p++) *p = (char)tolower((unsigned char)*p);
        e->metadata_headers.items[e->metadata_headers.n++] = k;
    }
}

char *pf_client_metadata_capture(const pf_client_exporter *e, const pf_batch *b)
{
    pf_buf out = {0};
    for (size_t i = 0; i < e->metadata_headers.n; i++) {
        const char *key = e->metadata_headers.items[i];
        const char *v = pf_batch_meta_get(b, key);
        if (!v || !*v || strchr(v, '\n')) continue;
        pf_buf_printf(&out, "%s\n%s\n", key, v);
    }
    if (!out.len) return NULL;
    pf_buf_append(&out, "", 1);
    return (char *)out.data;
}

size_t pf_client_metadata_headers(const char *captured, char *scratch, size_t scratch_len, pf_http_header *h, size_t n,
                                  size_t max)
{
    if (!captured || !scratch_len) return n;
    snprintf(scratch, scratch_len, "%s", captured);
    char *p = scratch;
    while (n < max) {
        char *name_end = strchr(p, '\n');
        if (!name_end) break;
        char *value_end = strchr(name_end + 1, '\n');
        if (!value_end) break;
        *name_end = *value_end = '\0';
        /* A header already set (the exporter's own, e.g. a configured tenant) is replaced. */
        size_t j = 0;
        while (j < n && strcasecmp(h[j].name, p) != 0) j++;
        h[j] = (pf_http_header){p, name_end + 1};
        if (j == n) n++;
        p = value_end + 1;
    }
    return n;
}
