/* formats.c — what the file exporter writes for one batch, per `format:` value (file_exporter.h).
 *   proto: the serialized ExportProfilesServiceRequest, one .binpb file per batch;
 *   json:  OTLP/JSON of the request on one line, appended to a rotating .jsonl file. */
#include <string.h>

#include "exporters/file/file_exporter.h"
#include "pipeline/pbjson.h"

static bool serialize_proto(const pf_batch *b, pf_buf *out, pf_error *err)
{
    (void)err;
    pf_batch_pack(b, out);
    return true;
}

static bool serialize_json(const pf_batch *b, pf_buf *out, pf_error *err)
{
    (void)err;
    pf_pbjson_encode(&b->req->base, out);
    pf_buf_append(out, "\n", 1);
    return true;
}

static const file_format formats[] = {
    {.name = "proto", .extension = "binpb", .append = false, .serialize = serialize_proto},
    {.name = "json", .extension = "jsonl", .append = true, .serialize = serialize_json},
};

const char *const file_format_names[] = {"proto", "json", NULL};

const file_format *file_format_find(const char *name)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i].name, name) == 0) return &formats[i];
    return NULL;
}
