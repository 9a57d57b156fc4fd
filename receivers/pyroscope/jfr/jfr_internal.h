/* jfr_internal.h — types shared by the JFR decoder's files (wire.c: integer/string encoding,
 * metadata.c: class descriptions, reader.c: constant pools and events). Not a public API.
 *
 * All allocations go to the chunk's arena (see reader.h for ownership). */
#ifndef PF_PYRO_JFR_INTERNAL_H
#define PF_PYRO_JFR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/base/arena.h"
#include "pipeline/pprof/keymap.h"

/* A cursor over [p, end). Reads past the end or invalid encodings clear `ok`; later reads then
 * return zero, so callers check `ok` once per unit of work and never loop on garbage. */
typedef struct jfr_rd {
    const uint8_t *start, *p, *end;
    bool compressed; /* chunk feature bit 0: LEB128 integers instead of big-endian fixed width */
    bool ok;
    const char *why; /* first failure */
} jfr_rd;

typedef enum jfr_prim {
    JFR_STRUCT = 0,
    JFR_BOOLEAN,
    JFR_BYTE,
    JFR_CHAR,
    JFR_SHORT,
    JFR_INT,
    JFR_LONG,
    JFR_FLOAT,
    JFR_DOUBLE,
    JFR_STRING,
} jfr_prim;

typedef struct jfr_class jfr_class;

typedef struct jfr_field {
    const char *name;
    int64_t type_id;
    jfr_class *type;
    bool cpool; /* value is a constant-pool id */
    bool array;
} jfr_field;

/* One decoded value of a field. Constant-pool references keep the id in i. */
typedef struct jfr_val {
    int64_t i;
    double d;
    const char *s; /* strings; NULL for a null string */
} jfr_val;

struct jfr_class {
    int64_t id;
    const char *name;
    jfr_prim prim;
    jfr_field *fields;
    size_t n_fields, cap_fields;
    jfr_val *scratch; /* n_fields values for decoding one top-level object of this class */
    pf_keymap pool;   /* constant id -> (jfr_pool_entry *) */
};

/* A constant-pool entry: the top-level field values, plus the frames for stack traces and caches of
 * what was resolved from it (function name of a method, text of a class/symbol, a built stack). */
typedef struct jfr_frame_ref {
    int64_t method_id;
    int64_t line;
} jfr_frame_ref;

typedef struct jfr_pool_entry {
    jfr_val *vals;
    jfr_frame_ref *frames;
    size_t n_frames;
    bool truncated;
    const char *text_cache;
    const void *stack_cache;
} jfr_pool_entry;

typedef struct jfr_metadata {
    jfr_class **classes;
    size_t n_classes;
    pf_keymap by_id; /* class id -> index */
} jfr_metadata;

/* wire.c */
void jfr_rd_init(jfr_rd *r, const uint8_t *p, size_t len, bool compressed);
void jfr_rd_fail(jfr_rd *r, const char *why);
size_t jfr_rd_offset(const jfr_rd *r);
size_t jfr_rd_left(const jfr_rd *r);
uint8_t jfr_rd_u8(jfr_rd *r);
int64_t jfr_rd_long(jfr_rd *r);
int32_t jfr_rd_int(jfr_rd *r);
int16_t jfr_rd_short(jfr_rd *r);
float jfr_rd_float(jfr_rd *r);
double jfr_rd_double(jfr_rd *r);
/* A count that prefixes `min_item_bytes`-sized items: fails when negative or larger than what is left. */
size_t jfr_rd_count(jfr_rd *r, size_t min_item_bytes);
/* JFR string (null / empty / constant-pool ref / UTF-8 / UTF-16 char array / Latin-1). With a NULL
 * arena the string is skipped and NULL returned. A constant-pool reference is returned as *cp_id
 * (set to -1 otherwise) and the result is NULL. */
const char *jfr_rd_string(jfr_rd *r, pf_arena *a, int64_t *cp_id);

/* metadata.c: parses the metadata event body (after size and type). */
bool jfr_parse_metadata(jfr_rd *r, pf_arena *a, jfr_metadata *out, char *err, size_t errlen);
jfr_class *jfr_class_by_id(const jfr_metadata *m, int64_t id);
jfr_class *jfr_class_by_name(const jfr_metadata *m, const char *name);
/* Index of a field by name, -1 when absent. */
int jfr_field_index(const jfr_class *c, const char *name);

#endif
