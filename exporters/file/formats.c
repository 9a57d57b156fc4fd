/* formats.c — what the file exporter writes for one batch, per `format:` value (file_exporter.h).
 *   proto: the serialized ExportProfilesServiceRequest, one .binpb file per batch;
 *   json:  OTLP/JSON of the request on one line, appended to a rotating .jsonl file;
 *   pprof: one gzipped pprof per group of Profiles that belong together (pf_pprof_from_batch), one
 *          .pb.gz file each, named after the profile type, readable by `go tool pprof`. */
#include <stdlib.h>
#include <string.h>

#include "exporters/file/file_exporter.h"
#include "pipeline/otlpjson/pbjson.h"
#include "pipeline/pprof/pprof.h"

file_piece *file_pieces_add(file_pieces *out, size_t samples, const char *name_tag)
{
    out->items = pf_xrealloc(out->items, (out->n + 1) * sizeof(*out->items));
    file_piece *p = &out->items[out->n++];
    *p = (file_piece){.samples = samples, .name_tag = name_tag ? pf_xstrdup(name_tag) : NULL};
    return p;
}

void file_pieces_free(file_pieces *p)
{
    for (size_t i = 0; i < p->n; i++) {
        pf_buf_free(&p->items[i].data);
        free(p->items[i].name_tag);
    }
    free(p->items);
    *p = (file_pieces){0};
}

static bool serialize_proto(const pf_batch *b, file_pieces *out, pf_error *err)
{
    (void)err;
    pf_batch_pack(b, &file_pieces_add(out, pf_batch_sample_count(b), NULL)->data);
    return true;
}

static bool serialize_json(const pf_batch *b, file_pieces *out, pf_error *err)
{
    (void)err;
    pf_buf *line = &file_pieces_add(out, pf_batch_sample_count(b), NULL)->data;
    pf_pbjson_encode(&b->req->base, line);
    pf_buf_append(line, "\n", 1);
    return true;
}

/* A pprof merges the Profiles of several sample types, so OTLP samples do not divide over the files;
 * the batch's samples are credited to its last file, which is written after the others. */
static bool serialize_pprof(const pf_batch *b, file_pieces *out, pf_error *err)
{
    pf_pprof_items items = {0};
    if (!pf_pprof_from_batch(b, &items, err->msg, sizeof(err->msg))) return false;
    /* Each file carries its own profiles' samples (the last takes what rounding left), so a file
     * that cannot be written is reported with the samples really lost. */
    size_t left = pf_batch_sample_count(b);
    for (size_t i = 0; i < items.n; i++) {
        size_t samples = i + 1 == items.n ? left : items.items[i].n_samples < left ? items.items[i].n_samples : left;
        left -= samples;
        file_piece *p = file_pieces_add(out, samples, items.items[i].name);
        p->data = items.items[i].gzipped;
        items.items[i].gzipped = (pf_buf){0};
    }
    pf_pprof_items_free(&items);
    return true;
}

static const file_format formats[] = {
    {.name = "proto", .extension = "binpb", .append = false, .serialize = serialize_proto},
    {.name = "json", .extension = "jsonl", .append = true, .serialize = serialize_json},
    {.name = "pprof", .extension = "pb.gz", .append = false, .serialize = serialize_pprof},
};

const char *const file_format_names[] = {"proto", "json", "pprof", NULL};

const file_format *file_format_find(const char *name)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i].name, name) == 0) return &formats[i];
    return NULL;
}
