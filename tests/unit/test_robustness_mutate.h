/* test_robustness_mutate.h — shared by the test_robustness_*.c tests: a seeded PRNG, fixture
 * loading, and the mutations each of them applies to real inputs so that every decoder is shown to
 * answer bad input with an error or a valid result, never a crash, leak or out-of-bounds read
 * (ASan/UBSan do the checking in a PROFLOW_SANITIZE build).
 *
 * Mutations: truncation, bit flips, byte insertion (random bytes, syntax tokens, or a copy of a slice
 * of the input), deletion of a range, corruption of a length field (protobuf: a real length prefix
 * found by walking the wire format; text: a digit run; other binary: an integer-sized overwrite) and
 * splices of a prefix of one input with a suffix of another. On protobuf input the structural ones
 * are mostly applied inside a nested field with every enclosing length re-encoded (and splices
 * become grafts of another input's submessage), so they get past the outermost length check.
 *
 * Header-only (static inline) because each unit test is its own executable.
 * Ownership: rb_corpus items and rb_case data are malloc'd here and freed by the caller with
 * rb_corpus_free() / rb_case_free(). A case holds exactly `len` bytes (plus a NUL only when asked
 * for), so ASan flags a decoder reading even one byte past the end. */
#ifndef TEST_ROBUSTNESS_MUTATE_H
#define TEST_ROBUSTNESS_MUTATE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/base/xalloc.h"
#include "tests/unit/fixture.h"

/* ---- deterministic PRNG (splitmix64) ---- */

typedef struct rb_rng {
    uint64_t state;
} rb_rng;

static inline uint64_t rb_next(rb_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform-enough in [0, n); 0 when n is 0. */
static inline size_t rb_below(rb_rng *r, size_t n) { return n ? (size_t)(rb_next(r) % n) : 0; }

/* ---- inputs ---- */

typedef struct rb_corpus {
    pf_buf *items;
    size_t n;
} rb_corpus;

static inline void rb_corpus_add(rb_corpus *c, const void *data, size_t len)
{
    c->items = pf_xrealloc(c->items, (c->n + 1) * sizeof(*c->items));
    c->items[c->n] = (pf_buf){0};
    pf_buf_append(&c->items[c->n], data, len);
    c->n++;
}

static inline void rb_corpus_free(rb_corpus *c)
{
    for (size_t i = 0; i < c->n; i++) pf_buf_free(&c->items[i]);
    free(c->items);
    *c = (rb_corpus){0};
}

/* Adds the file `rel` under the directory named by environment variable `dir_env`
 * (PROFLOW_FIXTURES or PROFLOW_SOURCE_DIR); fails the test when it is missing. */
static inline void rb_corpus_add_file(rb_corpus *c, const char *dir_env, const char *rel)
{
    char *path = fixture_path_in(dir_env, rel);
    pf_buf b = fixture_read_path(path);
    free(path);
    rb_corpus_add(c, b.data, b.len);
    pf_buf_free(&b);
}

/* ---- editing a buffer in place ---- */

/* Replaces b[pos, pos+del) with ins[0, ins_len). */
static inline void rb_replace(pf_buf *b, size_t pos, size_t del, const void *ins, size_t ins_len)
{
    pf_buf_reserve(b, ins_len);
    memmove(b->data + pos + ins_len, b->data + pos + del, b->len - pos - del);
    if (ins_len) memcpy(b->data + pos, ins, ins_len);
    b->len = b->len - del + ins_len;
    b->data[b->len] = '\0';
}

/* ---- protobuf wire format: where the length prefixes are ---- */

#define RB_MAX_FIELDS 4096

typedef struct rb_pb_fields {
    size_t tag_off[RB_MAX_FIELDS]; /* start of a length-delimited field (its tag) */
    size_t len_off[RB_MAX_FIELDS]; /* start of its length varint */
    size_t n;
} rb_pb_fields;

static inline bool rb_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t byte = p[(*pos)++];
        *v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return true;
    }
    return false;
}

/* Writes v as a varint into out (room for 10 bytes); returns its length. */
static inline size_t rb_put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    for (;; v >>= 7) {
        out[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        if (v <= 0x7f) return n;
    }
}

/* Records the length-delimited fields of p[0, len) (offsets relative to `base`), descending into
 * payloads that themselves parse as messages. False when p is not a well-formed message; what was
 * recorded for it is then dropped. */
static inline bool rb_pb_walk(const uint8_t *p, size_t len, size_t base, int depth, rb_pb_fields *out)
{
    size_t pos = 0, mark = out->n;
    while (pos < len) {
        size_t tag_off = pos;
        uint64_t tag, n;
        if (!rb_varint(p, len, &pos, &tag) || (tag >> 3) == 0) goto bad;
        switch (tag & 7) {
        case 0:
            if (!rb_varint(p, len, &pos, &n)) goto bad;
            break;
        case 1:
            if (len - pos < 8) goto bad;
            pos += 8;
            break;
        case 5:
            if (len - pos < 4) goto bad;
            pos += 4;
            break;
        case 2: {
            size_t len_off = pos;
            if (!rb_varint(p, len, &pos, &n) || n > len - pos) goto bad;
            if (out->n < RB_MAX_FIELDS) {
                out->tag_off[out->n] = base + tag_off;
                out->len_off[out->n] = base + len_off;
                out->n++;
            }
            if (depth < 8 && n > 0) (void)rb_pb_walk(p + pos, (size_t)n, base + pos, depth + 1, out);
            pos += (size_t)n;
            break;
        }
        default: goto bad;
        }
    }
    return true;
bad:
    out->n = mark;
    return false;
}

/* ---- the mutations ---- */

typedef enum rb_format {
    RB_PROTOBUF, /* protobuf wire bytes: length corruption targets real length prefixes */
    RB_BINARY,   /* other binary (gzip, zstd, ...): integer-sized overwrites, often at the tail */
    RB_TEXT,     /* text: length corruption rewrites a number */
} rb_format;

typedef enum rb_mutation {
    RB_TRUNCATE,
    RB_FLIP_BITS,
    RB_INSERT,
    RB_DELETE,
    RB_CORRUPT_LENGTH,
    RB_SPLICE,
    RB_N_MUTATIONS,
} rb_mutation;

static inline void rb_truncate(rb_rng *r, pf_buf *b)
{
    b->len = rb_below(r, b->len);
    if (b->data) b->data[b->len] = '\0';
}

static inline void rb_flip_bits(rb_rng *r, pf_buf *b)
{
    if (!b->len) return;
    for (size_t flips = 1 + rb_below(r, 8); flips > 0; flips--)
        b->data[rb_below(r, b->len)] ^= (char)(1u << rb_below(r, 8));
}

/* Bytes that mean something to one of the formats under test. */
static const char *const rb_tokens[] = {
    "\0",       "\xff", "\x80",   "\"",     "\\",       "{",       "}",         "[",     "]",       ",",
    ":",        ";",    " ",      "\n",     "\r\n",     "\t",      "%",         "%zz",   "%00",     "%7B",
    "=",        "&",    "--",     "\r\n--", "null",     "true",    "-",         "1e999", "\\u0000", "\\ud800",
    "\xc3\x28", "${",   "${env:", "*",      "&anchor ", "*anchor", "!!binary ", "? ",    "- ",      "|",
    ">",        "#",    "'",      "{a=b}",  "\"\"",     "[]",      "{}",
};

static inline void rb_insert(rb_rng *r, pf_buf *b)
{
    size_t pos = rb_below(r, b->len + 1);
    switch (rb_below(r, 3)) {
    case 0: {
        uint8_t bytes[16];
        size_t n = 1 + rb_below(r, sizeof(bytes));
        for (size_t i = 0; i < n; i++) bytes[i] = (uint8_t)rb_next(r);
        rb_replace(b, pos, 0, bytes, n);
        break;
    }
    case 1: {
        const char *t = rb_tokens[rb_below(r, sizeof(rb_tokens) / sizeof(rb_tokens[0]))];
        rb_replace(b, pos, 0, t, *t ? strlen(t) : 1);
        break;
    }
    default: { /* a repeated slice: duplicated fields, lines, parts */
        if (!b->len) return;
        size_t from = rb_below(r, b->len), n = 1 + rb_below(r, b->len - from < 256 ? b->len - from : 256);
        char *copy = pf_xmalloc(n);
        memcpy(copy, b->data + from, n);
        rb_replace(b, pos, 0, copy, n);
        free(copy);
        break;
    }
    }
}

static inline void rb_delete(rb_rng *r, pf_buf *b)
{
    if (!b->len) return;
    size_t pos = rb_below(r, b->len), max = b->len - pos < 64 ? b->len - pos : 64;
    rb_replace(b, pos, 1 + rb_below(r, max), NULL, 0);
}

static inline uint64_t rb_interesting_length(rb_rng *r, uint64_t old)
{
    static const uint64_t fixed[] = {0,
                                     1,
                                     0x7f,
                                     0x80,
                                     0xffff,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x100000000ULL,
                                     0x7fffffffffffffffULL,
                                     0xffffffffffffffffULL};
    switch (rb_below(r, 4)) {
    case 0: return old + 1;
    case 1: return old ? old - 1 : 0;
    case 2: return old + 1 + rb_below(r, 64);
    default: return fixed[rb_below(r, sizeof(fixed) / sizeof(fixed[0]))];
    }
}

static inline void rb_corrupt_pb_length(rb_rng *r, pf_buf *b)
{
    rb_pb_fields *f = pf_xcalloc(1, sizeof(*f));
    (void)rb_pb_walk((const uint8_t *)b->data, b->len, 0, 0, f);
    if (f->n) {
        size_t off = f->len_off[rb_below(r, f->n)], end = off;
        uint64_t old;
        (void)rb_varint((const uint8_t *)b->data, b->len, &end, &old);
        uint8_t enc[11];
        size_t n = 0;
        if (rb_below(r, 8) == 0) { /* a varint that never ends */
            while (n < sizeof(enc)) enc[n++] = 0xff;
        } else {
            n = rb_put_varint(enc, rb_interesting_length(r, old));
        }
        rb_replace(b, off, end - off, enc, n);
    }
    free(f);
}

static inline void rb_corrupt_number(rb_rng *r, pf_buf *b)
{
    static const char *const numbers[] = {"0",
                                          "-1",
                                          "1",
                                          "-0",
                                          "4294967295",
                                          "4294967296",
                                          "9223372036854775807",
                                          "9223372036854775808",
                                          "-9223372036854775809",
                                          "18446744073709551616",
                                          "1e308",
                                          "1e999",
                                          "-1e999",
                                          "0x10",
                                          "1.5",
                                          "99999999999999999999999999999",
                                          ""};
    size_t runs = 0;
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] >= '0' && b->data[i] <= '9' && (i == 0 || b->data[i - 1] < '0' || b->data[i - 1] > '9')) runs++;
    if (!runs) return;
    size_t want = rb_below(r, runs), start = 0;
    for (size_t i = 0, seen = 0; i < b->len; i++) {
        if (b->data[i] >= '0' && b->data[i] <= '9' && (i == 0 || b->data[i - 1] < '0' || b->data[i - 1] > '9')) {
            if (seen++ == want) {
                start = i;
                break;
            }
        }
    }
    size_t end = start;
    while (end < b->len && b->data[end] >= '0' && b->data[end] <= '9') end++;
    char random_digits[24];
    const char *n = numbers[rb_below(r, sizeof(numbers) / sizeof(numbers[0]))];
    if (rb_below(r, 2)) { /* any magnitude up to 20 digits: finds sums and products that overflow */
        size_t len = 1 + rb_below(r, 20);
        for (size_t i = 0; i < len; i++) random_digits[i] = (char)('0' + rb_below(r, 10));
        random_digits[len] = '\0';
        n = random_digits;
    }
    rb_replace(b, start, end - start, n, strlen(n));
}

static inline void rb_corrupt_integer(rb_rng *r, pf_buf *b)
{
    if (!b->len) return;
    size_t width = (size_t)1 << rb_below(r, 4); /* 1, 2, 4 or 8 bytes */
    if (width > b->len) width = b->len;
    /* Half of the time the trailer, where gzip keeps CRC32 and ISIZE and zstd its checksum. */
    size_t tail = b->len < 8 ? b->len : 8;
    size_t pos = rb_below(r, 2) ? b->len - tail + rb_below(r, tail - width + 1) : rb_below(r, b->len - width + 1);
    uint8_t fill = (uint8_t[]){0x00, 0xff, 0x7f, 0x80}[rb_below(r, 4)];
    memset(b->data + pos, fill, width);
    if (width > 1 && rb_below(r, 2)) b->data[pos + (rb_below(r, 2) ? 0 : width - 1)] ^= (char)0x80;
}

static inline void rb_corrupt_length(rb_rng *r, rb_format f, pf_buf *b)
{
    if (f == RB_PROTOBUF)
        rb_corrupt_pb_length(r, b);
    else if (f == RB_TEXT)
        rb_corrupt_number(r, b);
    else
        rb_corrupt_integer(r, b);
}

/* A cut point of b: for protobuf, half of the time the start of a length-delimited field. */
static inline size_t rb_cut(rb_rng *r, rb_format f, const pf_buf *b)
{
    if (f == RB_PROTOBUF && rb_below(r, 2)) {
        rb_pb_fields *fields = pf_xcalloc(1, sizeof(*fields));
        (void)rb_pb_walk((const uint8_t *)b->data, b->len, 0, 0, fields);
        size_t cut = fields->n ? fields->tag_off[rb_below(r, fields->n)] : rb_below(r, b->len + 1);
        free(fields);
        return cut;
    }
    return rb_below(r, b->len + 1);
}

/* b := b[0, cut) + other[cut', len). */
static inline void rb_splice(rb_rng *r, rb_format f, pf_buf *b, const pf_buf *other)
{
    size_t head = rb_cut(r, f, b), from = rb_cut(r, f, other);
    b->len = head;
    pf_buf_append(b, other->data + from, other->len - from);
}

/* The length-delimited fields directly inside one message (not nested ones). */
typedef struct rb_pb_level {
    size_t tag_off[RB_MAX_FIELDS], len_off[RB_MAX_FIELDS], payload_off[RB_MAX_FIELDS], payload_len[RB_MAX_FIELDS];
    size_t n;
} rb_pb_level;

static inline bool rb_pb_is_message(const uint8_t *p, size_t len)
{
    rb_pb_fields *f = pf_xcalloc(1, sizeof(*f));
    bool ok = rb_pb_walk(p, len, 0, 8, f); /* depth 8: check this level only */
    free(f);
    return ok;
}

static inline void rb_pb_level_of(const pf_buf *b, rb_pb_level *out)
{
    rb_pb_fields *f = pf_xcalloc(1, sizeof(*f));
    out->n = 0;
    if (rb_pb_walk((const uint8_t *)b->data, b->len, 0, 8, f)) {
        for (size_t i = 0; i < f->n; i++) {
            size_t pos = f->len_off[i];
            uint64_t n;
            (void)rb_varint((const uint8_t *)b->data, b->len, &pos, &n);
            out->tag_off[out->n] = f->tag_off[i];
            out->len_off[out->n] = f->len_off[i];
            out->payload_off[out->n] = pos;
            out->payload_len[out->n] = (size_t)n;
            out->n++;
        }
    }
    free(f);
}

static inline void rb_apply_flat(rb_rng *r, rb_mutation m, rb_format f, const rb_corpus *c, pf_buf *b)
{
    switch (m) {
    case RB_TRUNCATE: rb_truncate(r, b); break;
    case RB_FLIP_BITS: rb_flip_bits(r, b); break;
    case RB_INSERT: rb_insert(r, b); break;
    case RB_DELETE: rb_delete(r, b); break;
    case RB_CORRUPT_LENGTH: rb_corrupt_length(r, f, b); break;
    default: rb_splice(r, f, b, &c->items[rb_below(r, c->n)]); break;
    }
}

/* Replaces b with the payload of a random length-delimited field of a random corpus input (a graft:
 * a submessage from elsewhere); leaves b alone when that input has none. */
static inline void rb_graft(rb_rng *r, const rb_corpus *c, pf_buf *b)
{
    const pf_buf *donor = &c->items[rb_below(r, c->n)];
    rb_pb_fields *f = pf_xcalloc(1, sizeof(*f));
    (void)rb_pb_walk((const uint8_t *)donor->data, donor->len, 0, 0, f);
    if (f->n) {
        size_t pos = f->len_off[rb_below(r, f->n)];
        uint64_t n;
        (void)rb_varint((const uint8_t *)donor->data, donor->len, &pos, &n);
        b->len = 0;
        pf_buf_append(b, donor->data + pos, (size_t)n);
    }
    free(f);
}

/* Whole-field edits of a message: what a sender with a bug in its encoder produces (a field cut
 * off, dropped or repeated), still well-formed on the wire. */
static inline void rb_apply_fields(rb_rng *r, rb_mutation m, const rb_pb_level *lv, pf_buf *msg)
{
    size_t i = rb_below(r, lv->n), end = lv->payload_off[i] + lv->payload_len[i];
    switch (m) {
    case RB_TRUNCATE:
        msg->len = lv->tag_off[i];
        msg->data[msg->len] = '\0';
        break;
    case RB_DELETE: rb_replace(msg, lv->tag_off[i], end - lv->tag_off[i], NULL, 0); break;
    default: { /* a repeated field */
        size_t n = end - lv->tag_off[i], at = rb_below(r, 2) ? msg->len : lv->tag_off[rb_below(r, lv->n)];
        char *copy = pf_xmalloc(n);
        memcpy(copy, msg->data + lv->tag_off[i], n);
        rb_replace(msg, at, 0, copy, n);
        free(copy);
        break;
    }
    }
}

/* Protobuf: applies m inside the payload of a field chosen at a random depth and re-encodes every
 * enclosing length prefix, so the damage reaches the decoder's semantic checks instead of failing
 * the outermost length check. */
static inline void rb_apply_nested(rb_rng *r, rb_mutation m, const rb_corpus *c, pf_buf *msg, int depth)
{
    rb_pb_level *lv = pf_xcalloc(1, sizeof(*lv));
    rb_pb_level_of(msg, lv);
    if (!lv->n || (depth > 0 && rb_below(r, 4) == 0)) {
        if (m == RB_SPLICE)
            rb_graft(r, c, msg);
        else if (lv->n && rb_below(r, 2))
            rb_apply_fields(r, m, lv, msg);
        else
            rb_apply_flat(r, m, RB_PROTOBUF, c, msg);
        free(lv);
        return;
    }
    size_t i = rb_below(r, lv->n);
    pf_buf payload = {0};
    pf_buf_append(&payload, msg->data + lv->payload_off[i], lv->payload_len[i]);
    if (rb_pb_is_message((const uint8_t *)payload.data, payload.len) && rb_below(r, 8) != 0)
        rb_apply_nested(r, m, c, &payload, depth + 1);
    else if (m == RB_SPLICE)
        rb_graft(r, c, &payload);
    else
        rb_apply_flat(r, m, RB_PROTOBUF, c, &payload);
    uint8_t enc[10];
    size_t n = rb_put_varint(enc, payload.len);
    size_t end = lv->payload_off[i] + lv->payload_len[i];
    rb_replace(msg, lv->len_off[i], end - lv->len_off[i], enc, n);
    rb_replace(msg, lv->len_off[i] + n, 0, payload.data, payload.len);
    pf_buf_free(&payload);
    free(lv);
}

/* Structural mutations of protobuf input are applied nested (lengths fixed up) three times in four;
 * the rest, and every mutation of other formats, to the bytes as they are. */
static inline void rb_apply(rb_rng *r, rb_mutation m, rb_format f, const rb_corpus *c, pf_buf *b)
{
    bool structural = m != RB_FLIP_BITS && m != RB_CORRUPT_LENGTH;
    if (f == RB_PROTOBUF && structural && rb_below(r, 4) != 0)
        rb_apply_nested(r, m, c, b, 0);
    else
        rb_apply_flat(r, m, f, c, b);
}

/* One mutated input, exactly `len` bytes long in its own allocation (with one NUL after them when
 * the decoder under test takes a C string). */
typedef struct rb_case {
    uint8_t *data;
    size_t len;
} rb_case;

static inline void rb_case_free(rb_case *k)
{
    free(k->data);
    *k = (rb_case){0};
}

/* Case number `i` of a run: input i % n, primary mutation cycling through all kinds, and a second
 * random mutation on a third of the cases. */
static inline rb_case rb_mutant(rb_rng *r, const rb_corpus *c, rb_format f, size_t i, bool nul_terminated)
{
    pf_buf b = {0};
    const pf_buf *seed = &c->items[i % c->n];
    pf_buf_append(&b, seed->data, seed->len);
    rb_apply(r, (rb_mutation)((i / c->n) % RB_N_MUTATIONS), f, c, &b);
    if (rb_below(r, 3) == 0) rb_apply(r, (rb_mutation)rb_below(r, RB_N_MUTATIONS), f, c, &b);
    rb_case k = {.data = malloc(b.len + (nul_terminated ? 1 : 0)), .len = b.len};
    assert_non_null(k.data);
    if (b.len) memcpy(k.data, b.data, b.len);
    if (nul_terminated) k.data[b.len] = '\0';
    pf_buf_free(&b);
    return k;
}

/* Outcome counts of a run, so a test can show its mutants reached both verdicts. */
typedef struct rb_tally {
    size_t accepted, rejected;
} rb_tally;

/* Feeds n_cases mutants of the corpus to check(), which returns true when the decoder accepted the
 * input (and checked the result) and false when it rejected it (and checked the error).
 * PROFLOW_ROBUSTNESS_SEED (xor'ed into the seed) and PROFLOW_ROBUSTNESS_SCALE (multiplies the count)
 * in the environment explore further. */
static inline rb_tally rb_run(const rb_corpus *c, rb_format f, bool nul_terminated, size_t n_cases, uint64_t seed,
                              bool (*check)(const uint8_t *data, size_t len, void *ctx), void *ctx)
{
    assert_true(c->n > 0);
    /* For longer hunts by hand; CI runs the fixed seed and count. */
    const char *env_seed = getenv("PROFLOW_ROBUSTNESS_SEED"), *env_scale = getenv("PROFLOW_ROBUSTNESS_SCALE");
    if (env_seed) seed ^= strtoull(env_seed, NULL, 0);
    if (env_scale) n_cases *= strtoull(env_scale, NULL, 0);
    rb_rng r = {seed};
    rb_tally t = {0};
    for (size_t i = 0; i < n_cases; i++) {
        rb_case k = rb_mutant(&r, c, f, i, nul_terminated);
        if (check(k.data, k.len, ctx))
            t.accepted++;
        else
            t.rejected++;
        rb_case_free(&k);
    }
    print_message("%zu mutants: %zu accepted, %zu rejected\n", n_cases, t.accepted, t.rejected);
    return t;
}

/* Every unmutated input must be accepted: the run starts from valid data. */
static inline void rb_check_seeds(const rb_corpus *c, bool (*check)(const uint8_t *data, size_t len, void *ctx),
                                  void *ctx)
{
    for (size_t i = 0; i < c->n; i++)
        if (!check((const uint8_t *)c->items[i].data, c->items[i].len, ctx)) fail_msg("input %zu was rejected", i);
}

#endif
