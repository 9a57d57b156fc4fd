/* series_pb.c — series of pprofs as Pyroscope/Parca write requests, in protobuf wire format (see
 * series_pb.h). Sizes are computed first so every length prefix is known before its body. */
#include "exporters/helper/series_pb.h"

#include <string.h>

#define WIRE_LEN 2u
#define UUID_LEN 36u

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    for (; v >= 0x80; v >>= 7) n++;
    return n;
}

static void put_varint(pf_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    for (; v >= 0x80; v >>= 7) tmp[n++] = (uint8_t)(v | 0x80);
    tmp[n++] = (uint8_t)v;
    pf_buf_append(b, tmp, n);
}

/* A length-delimited field with a body of `len` bytes: tag, length, body. */
static size_t field_size(uint32_t field, size_t len)
{
    return varint_size(field << 3 | WIRE_LEN) + varint_size(len) + len;
}

static void put_header(pf_buf *b, uint32_t field, size_t len)
{
    put_varint(b, field << 3 | WIRE_LEN);
    put_varint(b, len);
}

/* A string or bytes field; proto3 leaves an empty one out. */
static size_t bytes_size(uint32_t field, size_t len) { return len ? field_size(field, len) : 0; }

static void put_bytes(pf_buf *b, uint32_t field, const void *p, size_t len)
{
    if (!len) return;
    put_header(b, field, len);
    pf_buf_append(b, p, len);
}

static size_t label_size(const pf_label *l) { return bytes_size(1, strlen(l->name)) + bytes_size(2, strlen(l->value)); }

static size_t labels_size(const pf_labels *ls)
{
    size_t n = 0;
    for (size_t i = 0; i < ls->n; i++) n += field_size(1, label_size(&ls->items[i]));
    return n;
}

static size_t sample_size(const pf_series_pprof *item, const pf_series_pb_shape *shape)
{
    return bytes_size(1, item->pprof.gzipped.len) + (shape->sample_id ? field_size(2, UUID_LEN) : 0);
}

/* RawProfileSeries of items[first, first + run). */
static size_t series_size(const pf_series_pprofs *s, size_t first, size_t run, const pf_series_pb_shape *shape)
{
    size_t labels = labels_size(&s->items[first].labels);
    size_t n = shape->label_set ? field_size(1, labels) : labels;
    for (size_t k = first; k < first + run; k++) n += field_size(2, sample_size(&s->items[k], shape));
    return n;
}

static void put_series(pf_buf *b, const pf_series_pprofs *s, size_t first, size_t run, const pf_series_pb_shape *shape)
{
    const pf_labels *ls = &s->items[first].labels;
    if (shape->label_set) put_header(b, 1, labels_size(ls));
    for (size_t i = 0; i < ls->n; i++) {
        const pf_label *l = &ls->items[i];
        put_header(b, 1, label_size(l));
        put_bytes(b, 1, l->name, strlen(l->name));
        put_bytes(b, 2, l->value, strlen(l->value));
    }
    for (size_t k = first; k < first + run; k++) {
        const pf_series_pprof *item = &s->items[k];
        put_header(b, 2, sample_size(item, shape));
        put_bytes(b, 1, item->pprof.gzipped.data, item->pprof.gzipped.len);
        if (shape->sample_id) {
            char id[UUID_LEN + 1];
            shape->sample_id(id);
            put_bytes(b, 2, id, UUID_LEN);
        }
    }
}

void pf_series_pb_encode(const pf_series_pprofs *s, const pf_series_pb_shape *shape, pf_buf *out)
{
    size_t total = 0;
    for (size_t i = 0; i < s->n; i += pf_series_run(s, i))
        total += field_size(shape->series_field, series_size(s, i, pf_series_run(s, i), shape));
    pf_buf_reserve(out, total);
    for (size_t i = 0; i < s->n;) {
        size_t run = pf_series_run(s, i);
        put_header(out, shape->series_field, series_size(s, i, run, shape));
        put_series(out, s, i, run, shape);
        i += run;
    }
}
