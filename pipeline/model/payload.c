/* payload.c — encoded batches as sending queues hold them (see payload.h). */
#include "pipeline/model/payload.h"

#include <string.h>
#include <strings.h>

#include "net/compress.h"
#include "pipeline/base/memory_budget.h"

typedef struct pf_batch_encoded {
    char *key;
    pf_payload *payload;
    struct pf_batch_encoded *next;
} pf_batch_encoded;

static char *dup_or_null(const char *s) { return s && *s ? pf_xstrdup(s) : NULL; }

pf_payload *pf_payload_new(pf_buf *body, const char *content_type, const char *content_encoding, const char *meta,
                           uint64_t samples, uint64_t profiles)
{
    pf_payload *p = pf_xcalloc(1, sizeof(*p));
    p->refs = 1;
    p->data = (uint8_t *)body->data;
    p->len = body->len;
    if (!p->data) p->data = pf_xcalloc(1, 1);
    *body = (pf_buf){0};
    p->content_type = dup_or_null(content_type);
    p->content_encoding = dup_or_null(content_encoding);
    p->meta = dup_or_null(meta);
    p->samples = samples;
    p->profiles = profiles;
    pf_memory_add(PF_MEM_QUEUED, (int64_t)p->len);
    return p;
}

pf_payload *pf_payload_ref(pf_payload *p)
{
    p->refs++;
    return p;
}

void pf_payload_unref(pf_payload *p)
{
    if (!p || --p->refs > 0) return;
    pf_memory_add(PF_MEM_QUEUED, -(int64_t)p->len);
    free(p->data);
    free(p->content_type);
    free(p->content_encoding);
    free(p->meta);
    free(p);
}

const char *pf_payload_compress(pf_buf *body, const char *encoding, int level)
{
    if (!encoding || !*encoding || strcasecmp(encoding, "none") == 0 || pf_encoding_is_identity(encoding)) return NULL;
    pf_buf out = {0};
    if (!pf_compress_level(encoding, level, body->data, body->len, &out)) {
        pf_buf_free(&out);
        return NULL;
    }
    pf_buf_free(body);
    *body = out;
    return encoding;
}

pf_payload *pf_batch_encoded_get(const pf_batch *b, const char *key)
{
    if (!key) return NULL;
    for (const pf_batch_encoded *e = b->encoded; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e->payload;
    return NULL;
}

void pf_batch_encoded_put(pf_batch *b, const char *key, pf_payload *p)
{
    if (!key || pf_batch_encoded_get(b, key)) return;
    pf_batch_encoded *e = pf_xmalloc(sizeof(*e));
    e->key = pf_xstrdup(key);
    e->payload = pf_payload_ref(p);
    e->next = b->encoded;
    b->encoded = e;
}

void pf_batch_encoded_release(pf_batch *b)
{
    for (pf_batch_encoded *e = b->encoded, *n; e; e = n) {
        n = e->next;
        pf_payload_unref(e->payload);
        free(e->key);
        free(e);
    }
    b->encoded = NULL;
}

/* Record: u8 version, u64 samples, u64 profiles, then four length-prefixed (u32) fields:
 * content_type, content_encoding, meta, body. Little-endian. */
static void put_u32(pf_buf *out, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pf_buf_append(out, b, 4);
}

static void put_u64(pf_buf *out, uint64_t v)
{
    put_u32(out, (uint32_t)v);
    put_u32(out, (uint32_t)(v >> 32));
}

static void put_field(pf_buf *out, const void *p, size_t n)
{
    put_u32(out, (uint32_t)n);
    if (n) pf_buf_append(out, p, n);
}

void pf_payload_serialize(const pf_payload *p, pf_buf *out)
{
    pf_buf_reserve(out, p->len + 64);
    uint8_t v = PF_PAYLOAD_RECORD_VERSION;
    pf_buf_append(out, &v, 1);
    put_u64(out, p->samples);
    put_u64(out, p->profiles);
    put_field(out, p->content_type, p->content_type ? strlen(p->content_type) : 0);
    put_field(out, p->content_encoding, p->content_encoding ? strlen(p->content_encoding) : 0);
    put_field(out, p->meta, p->meta ? strlen(p->meta) : 0);
    put_field(out, p->data, p->len);
}

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static bool get_u32(reader *r, uint32_t *v)
{
    if (r->left < 4) return false;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    r->left -= 4;
    return true;
}

static bool get_u64(reader *r, uint64_t *v)
{
    uint32_t lo, hi;
    if (!get_u32(r, &lo) || !get_u32(r, &hi)) return false;
    *v = (uint64_t)hi << 32 | lo;
    return true;
}

static bool get_field(reader *r, const uint8_t **p, size_t *n)
{
    uint32_t len;
    if (!get_u32(r, &len) || len > r->left) return false;
    *p = r->p;
    *n = len;
    r->p += len;
    r->left -= len;
    return true;
}

static char *field_str(const uint8_t *p, size_t n) { return n ? pf_xstrndup((const char *)p, n) : NULL; }

pf_payload *pf_payload_deserialize(const uint8_t *rec, size_t len, char *err, size_t err_len)
{
    reader r = {rec, len};
    if (len < 1 || rec[0] != PF_PAYLOAD_RECORD_VERSION) {
        snprintf(err, err_len, "record version %u is not %u (written by another proflow version)", len ? rec[0] : 0,
                 PF_PAYLOAD_RECORD_VERSION);
        return NULL;
    }
    r.p++;
    r.left--;
    uint64_t samples, profiles;
    const uint8_t *ct, *ce, *meta, *body;
    size_t nct, nce, nmeta, nbody;
    if (!get_u64(&r, &samples) || !get_u64(&r, &profiles) || !get_field(&r, &ct, &nct) || !get_field(&r, &ce, &nce) ||
        !get_field(&r, &meta, &nmeta) || !get_field(&r, &body, &nbody) || r.left != 0) {
        snprintf(err, err_len, "malformed payload record (%zu bytes)", len);
        return NULL;
    }
    pf_buf b = {0};
    pf_buf_append(&b, body, nbody);
    char *sct = field_str(ct, nct), *sce = field_str(ce, nce), *smeta = field_str(meta, nmeta);
    pf_payload *p = pf_payload_new(&b, sct, sce, smeta, samples, profiles);
    free(sct);
    free(sce);
    free(smeta);
    return p;
}
