/* parse.c — pprof bytes, or an unpacked Profile → validated pf_pprof (see pprof.h). Everything a later stage dereferences
 * (ids, string indices, value counts) is checked here once, so translation never reads out of range. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "net/compress.h"
#include "pipeline/pprof/pprof.h"

static bool fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t err_len, const char *fmt, ...)
{
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

typedef struct check_ctx {
    const pprof_profile *p;
    char *err;
    size_t err_len;
} check_ctx;

static bool check_str(check_ctx *c, int64_t idx, const char *what, size_t i)
{
    if (idx >= 0 && (uint64_t)idx < c->p->n_string_table) return true;
    return fail(c->err, c->err_len, "%s (#%zu): string index %lld out of range (string_table has %zu entries)", what, i,
                (long long)idx, c->p->n_string_table);
}

static bool check_value_type(check_ctx *c, const pprof_value_type *vt, const char *what, size_t i)
{
    return !vt || (check_str(c, vt->type, what, i) && check_str(c, vt->unit, what, i));
}

typedef uint64_t (*id_at_fn)(const pprof_profile *p, size_t i);
static uint64_t mapping_id_at(const pprof_profile *p, size_t i) { return p->mapping[i]->id; }
static uint64_t location_id_at(const pprof_profile *p, size_t i) { return p->location[i]->id; }
static uint64_t function_id_at(const pprof_profile *p, size_t i) { return p->function[i]->id; }

/* Builds an id → position map, refusing id 0 and duplicates. */
static bool index_ids(pf_arena *a, const pprof_profile *p, size_t n, id_at_fn id_at, const char *what,
                      pf_idmap **map_out, char *err, size_t err_len)
{
    pf_idmap *m = pf_idmap_new(a, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t id = id_at(p, i);
        if (id == 0) return fail(err, err_len, "%s[%zu]: id 0 is not allowed", what, i);
        if (!pf_idmap_put(m, id, (uint32_t)i))
            return fail(err, err_len, "%s[%zu]: duplicate id %llu", what, i, (unsigned long long)id);
    }
    *map_out = m;
    return true;
}

static bool check_tables(check_ctx *c, const pf_pprof *pp)
{
    const pprof_profile *p = c->p;
    for (size_t i = 0; i < p->n_mapping; i++) {
        if (!check_str(c, p->mapping[i]->filename, "mapping.filename", i) ||
            !check_str(c, p->mapping[i]->build_id, "mapping.build_id", i))
            return false;
    }
    for (size_t i = 0; i < p->n_function; i++) {
        const pprof_function *f = p->function[i];
        if (!check_str(c, f->name, "function.name", i) || !check_str(c, f->system_name, "function.system_name", i) ||
            !check_str(c, f->filename, "function.filename", i))
            return false;
    }
    for (size_t i = 0; i < p->n_location; i++) {
        const pprof_location *l = p->location[i];
        if (l->mapping_id && !pf_pprof_mapping(pp, l->mapping_id))
            return fail(c->err, c->err_len, "location[%zu].mapping_id: %llu is not a mapping id", i,
                        (unsigned long long)l->mapping_id);
        for (size_t j = 0; j < l->n_line; j++) {
            uint64_t fid = l->line[j]->function_id;
            if (fid && !pf_pprof_function(pp, fid))
                return fail(c->err, c->err_len, "location[%zu].line[%zu].function_id: %llu is not a function id", i, j,
                            (unsigned long long)fid);
        }
    }
    return true;
}

static bool check_samples(check_ctx *c, const pf_pprof *pp)
{
    const pprof_profile *p = c->p;
    for (size_t i = 0; i < p->n_sample; i++) {
        const pprof_sample *s = p->sample[i];
        if (s->n_value != p->n_sample_type)
            return fail(c->err, c->err_len, "sample[%zu]: %zu values for %zu sample types", i, s->n_value,
                        p->n_sample_type);
        for (size_t j = 0; j < s->n_location_id; j++) {
            if (!pf_pprof_location(pp, s->location_id[j]))
                return fail(c->err, c->err_len, "sample[%zu].location_id[%zu]: %llu is not a location id", i, j,
                            (unsigned long long)s->location_id[j]);
        }
        for (size_t j = 0; j < s->n_label; j++) {
            const pprof_label *l = s->label[j];
            if (!check_str(c, l->key, "sample.label.key", i) || !check_str(c, l->str, "sample.label.str", i) ||
                !check_str(c, l->num_unit, "sample.label.num_unit", i))
                return false;
        }
    }
    return true;
}

static bool check_profile(check_ctx *c, const pf_pprof *pp)
{
    const pprof_profile *p = c->p;
    if (p->n_string_table == 0 || p->string_table[0][0] != '\0')
        return fail(c->err, c->err_len, "string_table[0] must be the empty string");
    if (p->n_sample_type == 0) return fail(c->err, c->err_len, "profile has no sample_type");
    for (size_t i = 0; i < p->n_sample_type; i++)
        if (!check_value_type(c, p->sample_type[i], "sample_type", i)) return false;
    if (!check_value_type(c, p->period_type, "period_type", 0)) return false;
    for (size_t i = 0; i < p->n_comment; i++)
        if (!check_str(c, p->comment[i], "comment", i)) return false;
    return check_str(c, p->drop_frames, "drop_frames", 0) && check_str(c, p->keep_frames, "keep_frames", 0) &&
           check_str(c, p->default_sample_type, "default_sample_type", 0) && check_str(c, p->doc_url, "doc_url", 0) &&
           check_tables(c, pp) && check_samples(c, pp);
}

static bool is_gzip(const uint8_t *d, size_t len) { return len >= 2 && d[0] == 0x1f && d[1] == 0x8b; }

/* The checks shared by both entry points: p is decoded, out is zeroed. */
static bool index_and_check(pf_arena *a, pprof_profile *p, pf_pprof *out, char *err, size_t err_len)
{
    out->p = p;
    if (!index_ids(a, p, p->n_mapping, mapping_id_at, "mapping", &out->mapping_pos, err, err_len) ||
        !index_ids(a, p, p->n_location, location_id_at, "location", &out->location_pos, err, err_len) ||
        !index_ids(a, p, p->n_function, function_id_at, "function", &out->function_pos, err, err_len))
        return false;
    check_ctx c = {p, err, err_len};
    return check_profile(&c, out);
}

bool pf_pprof_parse(pf_arena *a, const void *data, size_t len, size_t max_bytes, pf_pprof *out, char *err,
                    size_t err_len)
{
    memset(out, 0, sizeof(*out));
    pf_buf plain = {0};
    const uint8_t *bytes = data;
    if (is_gzip(bytes, len)) {
        char why[256];
        pf_decompress_result r = pf_decompress("gzip", data, len, max_bytes, &plain, why, sizeof(why));
        if (r != PF_DECOMPRESS_OK) {
            pf_buf_free(&plain);
            if (r == PF_DECOMPRESS_TOO_LARGE)
                return fail(err, err_len, "pprof larger than %zu bytes after decompression", max_bytes);
            return fail(err, err_len, "bad gzip: %s", why);
        }
        bytes = (const uint8_t *)plain.data;
        len = plain.len;
    } else if (len > max_bytes) {
        return fail(err, err_len, "pprof of %zu bytes is larger than the %zu-byte limit", len, max_bytes);
    }

    ProtobufCAllocator alloc = pf_arena_allocator(a);
    pprof_profile *p = perftools__profiles__profile__unpack(&alloc, len, bytes);
    pf_buf_free(&plain);
    if (!p) return fail(err, err_len, "not a pprof protobuf (perftools.profiles.Profile failed to decode)");
    return index_and_check(a, p, out, err, err_len);
}

bool pf_pprof_from_profile(pf_arena *a, pprof_profile *p, size_t max_bytes, pf_pprof *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    size_t len = perftools__profiles__profile__get_packed_size(p);
    if (len > max_bytes)
        return fail(err, err_len, "pprof of %zu bytes is larger than the %zu-byte limit", len, max_bytes);
    return index_and_check(a, p, out, err, err_len);
}

const pprof_location *pf_pprof_location(const pf_pprof *pp, uint64_t id)
{
    uint32_t pos;
    return pf_idmap_get(pp->location_pos, id, &pos) ? pp->p->location[pos] : NULL;
}

const pprof_mapping *pf_pprof_mapping(const pf_pprof *pp, uint64_t id)
{
    uint32_t pos;
    return pf_idmap_get(pp->mapping_pos, id, &pos) ? pp->p->mapping[pos] : NULL;
}

const pprof_function *pf_pprof_function(const pf_pprof *pp, uint64_t id)
{
    uint32_t pos;
    return pf_idmap_get(pp->function_pos, id, &pos) ? pp->p->function[pos] : NULL;
}

const char *pf_pprof_string(const pf_pprof *pp, int64_t idx)
{
    if (idx < 0 || (uint64_t)idx >= pp->p->n_string_table) return "";
    return pp->p->string_table[idx];
}
