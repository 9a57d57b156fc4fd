/* attr_refs.c — resolving string-table references in attributes to inline keys and values
 * (pf_batch_inline_attributes in batch.h).
 *
 * Since opentelemetry-proto v1.10, KeyValue.key_strindex and AnyValue.string_value_strindex let a
 * profiles request carry resource and scope attribute keys and string values as indices into
 * dictionary.string_table, with `key` left empty. The Collector's pdata (v0.160+) writes every
 * resource and scope attribute that way on the wire. Peers that read only the inline forms lose them:
 * Pyroscope takes KeyValue.key, Parca rejects an empty key. So proflow resolves the references once,
 * where a request enters (pf_batch_validate), and from then on every stage reads and writes inline
 * keys and values — which is also what every exporter then puts on the wire.
 * The resolved strings are the string table's own (same arena), not copies. */
#include "pipeline/model/batch.h"
#include "pipeline/model/wire.h"

/* Each returns whether it changed anything (the received bytes then no longer match the tree). */
static bool inline_value(const pf_batch *b, otlp_any_value *v, int depth);

static bool inline_kvs(const pf_batch *b, otlp_kv **kvs, size_t n, int depth)
{
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
        otlp_kv *kv = kvs[i];
        if (kv->key_strindex != 0) {
            if (!kv->key || !kv->key[0]) kv->key = (char *)pf_batch_string(b, kv->key_strindex);
            kv->key_strindex = 0;
            changed = true;
        }
        changed |= inline_value(b, kv->value, depth);
    }
    return changed;
}

static bool inline_value(const pf_batch *b, otlp_any_value *v, int depth)
{
    if (!v || depth > 64) return false; /* decoding already bounds nesting (pb_nesting.h) */
    bool changed = false;
    switch (v->value_case) {
    case OTLP_VALUE_STRINDEX: {
        const char *s = pf_batch_string(b, v->string_value_strindex);
        v->value_case = OTLP_VALUE_STRING;
        v->string_value = (char *)s;
        changed = true;
        break;
    }
    case OTLP_VALUE_ARRAY:
        for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++)
            changed |= inline_value(b, v->array_value->values[i], depth + 1);
        break;
    case OTLP_VALUE_KVLIST:
        if (v->kvlist_value) changed |= inline_kvs(b, v->kvlist_value->values, v->kvlist_value->n_values, depth + 1);
        break;
    default: break;
    }
    return changed;
}

void pf_batch_inline_attributes(pf_batch *b)
{
    otlp_request *r = b->req;
    bool changed = false;
    for (size_t i = 0; i < r->n_resource_profiles; i++) {
        otlp_resource_profiles *rp = r->resource_profiles[i];
        if (rp->resource) changed |= inline_kvs(b, rp->resource->attributes, rp->resource->n_attributes, 0);
        for (size_t j = 0; j < rp->n_scope_profiles; j++) {
            otlp_scope *sc = rp->scope_profiles[j]->scope;
            if (sc) changed |= inline_kvs(b, sc->attributes, sc->n_attributes, 0);
        }
    }
    /* KeyValueAndUnit keeps its key_strindex (that is its only key field); its value goes inline. */
    const otlp_dictionary *d = r->dictionary;
    for (size_t i = 0; i < d->n_attribute_table; i++) changed |= inline_value(b, d->attribute_table[i]->value, 0);
    /* The tree no longer is the bytes it was received as: exporters must encode it (wire.h). */
    if (changed) pf_batch_wire_drop(b);
}
