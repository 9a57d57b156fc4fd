/* test_translate.c — pipeline/pprof: a synthetic pprof using every field survives
 * pprof → OTLP → pprof field by field; the OTLP side carries them where docs/pprof-mapping.md says;
 * malformed input (bad ids, bad string indices, truncation, gzip bombs, text) fails with a message;
 * OTLP-only shapes (misaligned samples, timestamps, several profiles per scope) convert correctly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "net/compress.h"
#include "pipeline/model/dict.h"
#include "pipeline/pprof/pprof.h"
#include "tests/unit/fixture.h"

/* ---- a synthetic pprof with every field set ---- */

enum {
    S_EMPTY,
    S_SAMPLES,
    S_COUNT,
    S_CPU,
    S_NANOS,
    S_MAIN,
    S_MAIN_GO,
    S_FOO,
    S_FOO_SYS,
    S_APP,
    S_BUILD_ID,
    S_WORKER,
    S_W1,
    S_BYTES,
    S_SIZE,
    S_COMMENT1,
    S_COMMENT2,
    S_DROP,
    S_KEEP,
    S_DOC,
    S_TAG,
    S_T1,
    S_T2,
    S_VDSO,
    S_COUNT_OF_STRINGS
};
static char *strings[] = {"",
                          "samples",
                          "count",
                          "cpu",
                          "nanoseconds",
                          "main",
                          "main.go",
                          "runtime.foo",
                          "foo_sys",
                          "/bin/app",
                          "abc123",
                          "worker",
                          "w1",
                          "bytes",
                          "size",
                          "comment one",
                          "comment two",
                          "drop.*",
                          "keep.*",
                          "https://doc.example/",
                          "tag",
                          "t1",
                          "t2",
                          "[vdso]"};

typedef struct synth {
    pprof_profile p;
    pprof_value_type st[2], period_type;
    pprof_mapping m[2], *mp[2];
    pprof_function f[2], *fp[2];
    pprof_line lines[3], *l100[2], *l200[1];
    pprof_location loc[2], *lp[2];
    pprof_label labels[4], *s1_labels[2], *s2_labels[2];
    pprof_sample samples[3], *sp[3];
    pprof_value_type *stp[2];
    uint64_t s1_locs[2], s2_locs[1];
    int64_t values[3][2];
    int64_t comments[2];
} synth;

static void synth_init(synth *s)
{
    memset(s, 0, sizeof(*s));
    s->p = (pprof_profile)PERFTOOLS__PROFILES__PROFILE__INIT;
    for (int i = 0; i < 2; i++) s->st[i] = (pprof_value_type)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
    s->st[0].type = S_SAMPLES, s->st[0].unit = S_COUNT;
    s->st[1].type = S_CPU, s->st[1].unit = S_NANOS;
    s->stp[0] = &s->st[0], s->stp[1] = &s->st[1];
    s->p.sample_type = s->stp, s->p.n_sample_type = 2;
    s->period_type = (pprof_value_type)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
    s->period_type.type = S_CPU, s->period_type.unit = S_NANOS;
    s->p.period_type = &s->period_type;
    s->p.period = 10000000;
    s->p.time_nanos = 1795254123837600630;
    s->p.duration_nanos = 3142346713;
    s->comments[0] = S_COMMENT1, s->comments[1] = S_COMMENT2;
    s->p.comment = s->comments, s->p.n_comment = 2;
    s->p.drop_frames = S_DROP, s->p.keep_frames = S_KEEP, s->p.doc_url = S_DOC;
    s->p.default_sample_type = S_CPU;
    s->p.string_table = strings, s->p.n_string_table = S_COUNT_OF_STRINGS;

    /* Ids deliberately not sequential: the output must renumber them 1..n. */
    for (int i = 0; i < 2; i++) s->m[i] = (pprof_mapping)PERFTOOLS__PROFILES__MAPPING__INIT, s->mp[i] = &s->m[i];
    s->m[0].id = 10, s->m[0].memory_start = 0x400000, s->m[0].memory_limit = 0x674000, s->m[0].file_offset = 0x1000;
    s->m[0].filename = S_APP, s->m[0].build_id = S_BUILD_ID, s->m[0].has_functions = true,
    s->m[0].has_line_numbers = true;
    s->m[1].id = 20, s->m[1].memory_start = 0x7ff000, s->m[1].memory_limit = 0x7ff800, s->m[1].filename = S_VDSO;
    s->p.mapping = s->mp, s->p.n_mapping = 2;

    for (int i = 0; i < 2; i++) s->f[i] = (pprof_function)PERFTOOLS__PROFILES__FUNCTION__INIT, s->fp[i] = &s->f[i];
    s->f[0].id = 7, s->f[0].name = S_MAIN, s->f[0].filename = S_MAIN_GO, s->f[0].start_line = 3;
    s->f[1].id = 8, s->f[1].name = S_FOO, s->f[1].system_name = S_FOO_SYS, s->f[1].filename = S_MAIN_GO,
    s->f[1].start_line = 10;
    s->p.function = s->fp, s->p.n_function = 2;

    for (int i = 0; i < 3; i++) s->lines[i] = (pprof_line)PERFTOOLS__PROFILES__LINE__INIT;
    s->lines[0].function_id = 8, s->lines[0].line = 12, s->lines[0].column = 4; /* inlined callee first */
    s->lines[1].function_id = 7, s->lines[1].line = 5;
    s->lines[2].function_id = 7, s->lines[2].line = 7;
    s->l100[0] = &s->lines[0], s->l100[1] = &s->lines[1], s->l200[0] = &s->lines[2];
    for (int i = 0; i < 2; i++) s->loc[i] = (pprof_location)PERFTOOLS__PROFILES__LOCATION__INIT, s->lp[i] = &s->loc[i];
    s->loc[0].id = 100, s->loc[0].mapping_id = 10, s->loc[0].address = 0x401100, s->loc[0].is_folded = true;
    s->loc[0].line = s->l100, s->loc[0].n_line = 2;
    s->loc[1].id = 200, s->loc[1].mapping_id = 20, s->loc[1].address = 0x7ff100;
    s->loc[1].line = s->l200, s->loc[1].n_line = 1;
    s->p.location = s->lp, s->p.n_location = 2;

    for (int i = 0; i < 4; i++) s->labels[i] = (pprof_label)PERFTOOLS__PROFILES__LABEL__INIT;
    s->labels[0].key = S_WORKER, s->labels[0].str = S_W1;
    s->labels[1].key = S_SIZE, s->labels[1].num = 64, s->labels[1].num_unit = S_BYTES;
    s->labels[2].key = S_TAG, s->labels[2].str = S_T1;
    s->labels[3].key = S_TAG, s->labels[3].str = S_T2;
    s->s1_labels[0] = &s->labels[0], s->s1_labels[1] = &s->labels[1];
    s->s2_labels[0] = &s->labels[2], s->s2_labels[1] = &s->labels[3];

    for (int i = 0; i < 3; i++) {
        s->samples[i] = (pprof_sample)PERFTOOLS__PROFILES__SAMPLE__INIT, s->sp[i] = &s->samples[i];
        s->values[i][0] = i + 1, s->values[i][1] = (i + 1) * 10000000;
        s->samples[i].value = s->values[i], s->samples[i].n_value = 2;
    }
    s->s1_locs[0] = 100, s->s1_locs[1] = 200, s->s2_locs[0] = 200;
    s->samples[0].location_id = s->s1_locs, s->samples[0].n_location_id = 2;
    s->samples[0].label = s->s1_labels, s->samples[0].n_label = 2;
    s->samples[1].location_id = s->s2_locs, s->samples[1].n_location_id = 1;
    s->samples[1].label = s->s2_labels, s->samples[1].n_label = 2;
    /* samples[2] has an empty stack, like Go's threadcreate profile. */
    s->p.sample = s->sp, s->p.n_sample = 3;
}

static void synth_pack(const synth *s, pf_buf *out)
{
    size_t len = perftools__profiles__profile__get_packed_size(&s->p);
    pf_buf_reserve(out, len);
    perftools__profiles__profile__pack(&s->p, (uint8_t *)out->data + out->len);
    out->len += len;
}

/* ---- helpers ---- */

static const char *str(const pf_pprof *pp, int64_t i) { return pf_pprof_string(pp, i); }

static pf_batch *import(pf_arena *a, const pf_buf *bytes, const char *name)
{
    pf_pprof pp;
    char err[256] = "";
    assert_true(pf_pprof_parse(a, bytes->data, bytes->len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err)));
    pf_batch *b = pf_batch_new();
    pf_pprof_to_otlp(b, pf_batch_add_resource(b), &pp, name);
    assert_true(pf_batch_validate(b, NULL, err, sizeof(err)));
    return b;
}

/* Converts b back and parses the single resulting pprof into out. */
static void export_one(pf_arena *a, const pf_batch *b, pf_pprof *out, pf_series_pprof_items *items)
{
    char err[256] = "";
    assert_true(pf_pprof_from_batch(b, items, err, sizeof(err)));
    assert_int_equal(items->n, 1);
    assert_true(pf_pprof_parse(a, items->items[0].gzipped.data, items->items[0].gzipped.len, PF_PPROF_DEFAULT_MAX_BYTES,
                               out, err, sizeof(err)));
}

static const otlp_kvu *find_attr(const pf_batch *b, const int32_t *idx, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        const otlp_kvu *kv = b->req->dictionary->attribute_table[idx[i]];
        if (strcmp(pf_batch_string(b, kv->key_strindex), key) == 0) return kv;
    }
    return NULL;
}

static const pprof_label *find_label(const pf_pprof *pp, const pprof_sample *s, const char *key, size_t nth)
{
    for (size_t i = 0; i < s->n_label; i++)
        if (strcmp(str(pp, s->label[i]->key), key) == 0 && nth-- == 0) return s->label[i];
    return NULL;
}

/* ---- tests ---- */

static void otlp_side_carries_every_field(void **state)
{
    (void)state;
    synth s;
    synth_init(&s);
    pf_buf bytes = {0};
    synth_pack(&s, &bytes);
    pf_arena *a = pf_arena_create(4096);
    pf_batch *b = import(a, &bytes, "process_cpu");

    assert_int_equal(pf_batch_profile_count(b), 2);
    const otlp_scope_profiles *sp = b->req->resource_profiles[0]->scope_profiles[0];
    assert_string_equal(sp->scope->name, PF_PPROF_SCOPE_NAME);
    assert_string_equal(pf_kv_list_get(b, sp->scope->attributes, sp->scope->n_attributes, PF_ATTR_PROFILE_NAME),
                        "process_cpu");
    assert_string_equal(pf_kv_list_get(b, sp->scope->attributes, sp->scope->n_attributes, PF_ATTR_DEFAULT_SAMPLE_TYPE),
                        "cpu");
    const otlp_profile *cpu = sp->profiles[1];
    assert_string_equal(pf_batch_string(b, cpu->sample_type->type_strindex), "cpu");
    assert_string_equal(pf_batch_string(b, cpu->period_type->unit_strindex), "nanoseconds");
    assert_int_equal(cpu->n_samples, 3);
    assert_int_equal(cpu->samples[2]->values[0], 30000000);
    assert_int_equal(cpu->time_unix_nano, 1795254123837600630ull);
    assert_int_equal(cpu->profile_id.len, 16);

    const otlp_kvu *comment = find_attr(b, cpu->attribute_indices, cpu->n_attribute_indices, PF_ATTR_COMMENT);
    assert_non_null(comment);
    assert_int_equal(comment->value->value_case, OTLP_VALUE_ARRAY);
    assert_int_equal(comment->value->array_value->n_values, 2);
    assert_non_null(find_attr(b, cpu->attribute_indices, cpu->n_attribute_indices, PF_ATTR_DOC_URL));

    const otlp_sample *s0 = cpu->samples[0];
    const otlp_kvu *size = find_attr(b, s0->attribute_indices, s0->n_attribute_indices, "size");
    assert_non_null(size);
    assert_int_equal(size->value->int_value, 64);
    assert_string_equal(pf_batch_string(b, size->unit_strindex), "bytes");
    const otlp_sample *s1 = cpu->samples[1];
    assert_int_equal(s1->n_attribute_indices, 1); /* two "tag" labels → one array attribute */
    const otlp_kvu *tag = find_attr(b, s1->attribute_indices, s1->n_attribute_indices, "tag");
    assert_int_equal(tag->value->value_case, OTLP_VALUE_ARRAY);

    const otlp_stack *stack = b->req->dictionary->stack_table[s0->stack_index];
    assert_int_equal(stack->n_location_indices, 2);
    const otlp_location *leaf = b->req->dictionary->location_table[stack->location_indices[0]];
    assert_int_equal(leaf->address, 0x401100);
    assert_int_equal(leaf->n_lines, 2);
    assert_non_null(find_attr(b, leaf->attribute_indices, leaf->n_attribute_indices, PF_ATTR_IS_FOLDED));
    const otlp_mapping *m = b->req->dictionary->mapping_table[leaf->mapping_index];
    const otlp_kvu *build_id = find_attr(b, m->attribute_indices, m->n_attribute_indices, PF_ATTR_BUILD_ID);
    assert_string_equal(build_id->value->string_value, "abc123");
    assert_non_null(find_attr(b, m->attribute_indices, m->n_attribute_indices, PF_ATTR_HAS_FUNCTIONS));
    assert_null(find_attr(b, m->attribute_indices, m->n_attribute_indices, PF_ATTR_HAS_FILENAMES));

    pf_batch_unref(b);
    pf_arena_destroy(a);
    pf_buf_free(&bytes);
}

static void round_trip_keeps_every_field(void **state)
{
    (void)state;
    synth s;
    synth_init(&s);
    pf_buf bytes = {0};
    synth_pack(&s, &bytes);
    pf_arena *a = pf_arena_create(4096);
    pf_batch *b = import(a, &bytes, NULL);
    pf_series_pprof_items items = {0};
    pf_pprof back;
    export_one(a, b, &back, &items);
    const pprof_profile *p = back.p;
    assert_string_equal(items.items[0].name, "process_cpu"); /* derived from the "cpu" sample type */
    assert_ptr_equal(items.items[0].resource, b->req->resource_profiles[0]);

    assert_string_equal(p->string_table[0], "");
    assert_int_equal(p->n_sample_type, 2);
    assert_string_equal(str(&back, p->sample_type[0]->type), "samples");
    assert_string_equal(str(&back, p->sample_type[1]->unit), "nanoseconds");
    assert_string_equal(str(&back, p->default_sample_type), "cpu");
    assert_string_equal(str(&back, p->period_type->type), "cpu");
    assert_int_equal(p->period, 10000000);
    assert_int_equal(p->time_nanos, 1795254123837600630);
    assert_int_equal(p->duration_nanos, 3142346713);
    assert_int_equal(p->n_comment, 2);
    assert_string_equal(str(&back, p->comment[0]), "comment one");
    assert_string_equal(str(&back, p->comment[1]), "comment two");
    assert_string_equal(str(&back, p->drop_frames), "drop.*");
    assert_string_equal(str(&back, p->keep_frames), "keep.*");
    assert_string_equal(str(&back, p->doc_url), "https://doc.example/");

    assert_int_equal(p->n_sample, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(p->sample[i]->value[0], (int64_t)i + 1);
        assert_int_equal(p->sample[i]->value[1], (int64_t)(i + 1) * 10000000);
    }
    assert_int_equal(p->sample[2]->n_location_id, 0);
    const pprof_label *worker = find_label(&back, p->sample[0], "worker", 0);
    assert_string_equal(str(&back, worker->str), "w1");
    const pprof_label *size = find_label(&back, p->sample[0], "size", 0);
    assert_int_equal(size->num, 64);
    assert_string_equal(str(&back, size->num_unit), "bytes");
    assert_string_equal(str(&back, find_label(&back, p->sample[1], "tag", 0)->str), "t1");
    assert_string_equal(str(&back, find_label(&back, p->sample[1], "tag", 1)->str), "t2");

    /* Sequential ids, mapping order kept (main binary first). */
    assert_int_equal(p->n_mapping, 2);
    assert_int_equal(p->n_location, 2);
    assert_int_equal(p->n_function, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(p->mapping[i]->id, i + 1);
        assert_int_equal(p->location[i]->id, i + 1);
        assert_int_equal(p->function[i]->id, i + 1);
    }
    const pprof_mapping *m = p->mapping[0];
    assert_string_equal(str(&back, m->filename), "/bin/app");
    assert_string_equal(str(&back, m->build_id), "abc123");
    assert_int_equal(m->memory_start, 0x400000);
    assert_int_equal(m->memory_limit, 0x674000);
    assert_int_equal(m->file_offset, 0x1000);
    assert_true(m->has_functions && m->has_line_numbers && !m->has_filenames && !m->has_inline_frames);
    assert_string_equal(str(&back, p->mapping[1]->filename), "[vdso]");

    const pprof_location *leaf = pf_pprof_location(&back, p->sample[0]->location_id[0]);
    assert_int_equal(leaf->address, 0x401100);
    assert_int_equal(leaf->mapping_id, 1);
    assert_true(leaf->is_folded);
    assert_int_equal(leaf->n_line, 2);
    assert_int_equal(leaf->line[0]->line, 12);
    assert_int_equal(leaf->line[0]->column, 4);
    const pprof_function *foo = pf_pprof_function(&back, leaf->line[0]->function_id);
    assert_string_equal(str(&back, foo->name), "runtime.foo");
    assert_string_equal(str(&back, foo->system_name), "foo_sys");
    assert_string_equal(str(&back, foo->filename), "main.go");
    assert_int_equal(foo->start_line, 10);
    assert_string_equal(str(&back, pf_pprof_function(&back, leaf->line[1]->function_id)->name), "main");
    const pprof_location *caller = pf_pprof_location(&back, p->sample[0]->location_id[1]);
    assert_false(caller->is_folded);
    assert_int_equal(caller->mapping_id, 2);

    pf_pprof_items_free(&items);
    pf_batch_unref(b);
    pf_arena_destroy(a);
    pf_buf_free(&bytes);
}

/* Each mutation of the synthetic profile must be refused with a message containing `want`. */
static void expect_parse_error(const pf_buf *bytes, size_t max, const char *want)
{
    pf_arena *a = pf_arena_create(4096);
    pf_pprof pp;
    char err[256] = "";
    assert_false(pf_pprof_parse(a, bytes->data, bytes->len, max, &pp, err, sizeof(err)));
    if (!strstr(err, want)) fail_msg("error \"%s\" does not mention \"%s\"", err, want);
    pf_arena_destroy(a);
}

static void expect_mutation_error(void (*mutate)(synth *s), const char *want)
{
    synth s;
    synth_init(&s);
    mutate(&s);
    pf_buf bytes = {0};
    synth_pack(&s, &bytes);
    expect_parse_error(&bytes, PF_PPROF_DEFAULT_MAX_BYTES, want);
    pf_buf_free(&bytes);
}

static void bad_sample_location(synth *s) { s->s1_locs[1] = 999; }
static void bad_value_count(synth *s) { s->samples[1].n_value = 1; }
static void bad_function_name(synth *s) { s->f[1].name = 9999; }
static void bad_label_key(synth *s) { s->labels[2].key = -1; }
static void bad_mapping_ref(synth *s) { s->loc[1].mapping_id = 99; }
static void bad_function_ref(synth *s) { s->lines[2].function_id = 12345; }
static void zero_function_id(synth *s) { s->f[0].id = 0; }
static void duplicate_location_id(synth *s) { s->loc[1].id = 100; }
static void nonempty_first_string(synth *s)
{
    s->p.string_table = strings + 1;
    s->p.n_string_table--;
}
static void no_sample_types(synth *s)
{
    s->p.n_sample_type = 0;
    s->samples[0].n_value = s->samples[1].n_value = s->samples[2].n_value = 0;
}
static void bad_default_type(synth *s) { s->p.default_sample_type = 1000; }

static void malformed_references_are_refused(void **state)
{
    (void)state;
    expect_mutation_error(bad_sample_location, "sample[0].location_id[1]: 999 is not a location id");
    expect_mutation_error(bad_value_count, "sample[1]: 1 values for 2 sample types");
    expect_mutation_error(bad_function_name, "function.name (#1): string index 9999 out of range");
    expect_mutation_error(bad_label_key, "sample.label.key");
    expect_mutation_error(bad_mapping_ref, "location[1].mapping_id: 99 is not a mapping id");
    expect_mutation_error(bad_function_ref, "location[1].line[0].function_id: 12345 is not a function id");
    expect_mutation_error(zero_function_id, "function[0]: id 0 is not allowed");
    expect_mutation_error(duplicate_location_id, "location[1]: duplicate id 100");
    expect_mutation_error(nonempty_first_string, "string_table[0] must be the empty string");
    expect_mutation_error(no_sample_types, "no sample_type");
    expect_mutation_error(bad_default_type, "default_sample_type");
}

static void malformed_bytes_are_refused(void **state)
{
    (void)state;
    synth s;
    synth_init(&s);
    pf_buf whole = {0}, cut = {0}, gz = {0}, bomb = {0}, zeros = {0};
    synth_pack(&s, &whole);
    pf_buf_append(&cut, whole.data, whole.len - 7);
    expect_parse_error(&cut, PF_PPROF_DEFAULT_MAX_BYTES, "not a pprof protobuf");

    assert_true(pf_compress("gzip", whole.data, whole.len, &gz));
    gz.len -= 10; /* truncated gzip stream */
    expect_parse_error(&gz, PF_PPROF_DEFAULT_MAX_BYTES, "bad gzip");

    pf_buf_reserve(&zeros, 8u << 20);
    memset(zeros.data, 0, 8u << 20);
    zeros.len = 8u << 20;
    assert_true(pf_compress("gzip", zeros.data, zeros.len, &bomb));
    expect_parse_error(&bomb, 1u << 20, "larger than 1048576 bytes after decompression");
    expect_parse_error(&whole, 100, "larger than the 100-byte limit");

    pf_buf text = {0};
    pf_buf_puts(&text, "goroutine profile: total 17\n1 @ 0x43a5d6 0x4054ae\n#\t0x672d6b\tmain.main+0x2cb\n");
    expect_parse_error(&text, PF_PPROF_DEFAULT_MAX_BYTES, "not a pprof protobuf");
    pf_buf empty = {0};
    expect_parse_error(&empty, PF_PPROF_DEFAULT_MAX_BYTES, "string_table[0]");

    pf_buf_free(&whole), pf_buf_free(&cut), pf_buf_free(&gz), pf_buf_free(&bomb), pf_buf_free(&zeros);
    pf_buf_free(&text);
}

static int64_t profile_sum(const otlp_profile *p)
{
    int64_t sum = 0;
    for (size_t i = 0; i < p->n_samples; i++) sum += p->samples[i]->values[0];
    return sum;
}

/* Reversing one Profile's samples breaks alignment, forcing the merge-by-identity path. */
static void misaligned_profiles_merge_by_identity(void **state)
{
    (void)state;
    pf_buf bytes = fixture_read("pprof/go/cpu.pb.gz");
    pf_arena *a = pf_arena_create(4096);
    pf_batch *b = import(a, &bytes, NULL);
    otlp_profile *cpu = b->req->resource_profiles[0]->scope_profiles[0]->profiles[1];
    assert_int_equal(profile_sum(b->req->resource_profiles[0]->scope_profiles[0]->profiles[0]), 530);
    assert_int_equal(profile_sum(cpu), 5300000000);
    for (size_t i = 0, j = cpu->n_samples - 1; i < j; i++, j--) {
        otlp_sample *t = cpu->samples[i];
        cpu->samples[i] = cpu->samples[j];
        cpu->samples[j] = t;
    }
    pf_series_pprof_items items = {0};
    pf_pprof back;
    export_one(a, b, &back, &items);
    int64_t sums[2] = {0, 0};
    size_t labelled = 0;
    for (size_t i = 0; i < back.p->n_sample; i++) {
        sums[0] += back.p->sample[i]->value[0];
        sums[1] += back.p->sample[i]->value[1];
        /* Same stack and labels in both columns: 10 ms of CPU per sample count. */
        assert_int_equal(back.p->sample[i]->value[1], back.p->sample[i]->value[0] * 10000000);
        labelled += back.p->sample[i]->n_label > 0;
    }
    assert_int_equal(sums[0], 530);
    assert_int_equal(sums[1], 5300000000);
    assert_true(back.p->n_sample <= 348 && back.p->n_sample > 0);
    assert_true(labelled > 0);
    pf_pprof_items_free(&items);
    pf_batch_unref(b);
    pf_arena_destroy(a);
    pf_buf_free(&bytes);
}

static otlp_profile *hand_profile(pf_batch *b, otlp_scope_profiles *sp, const char *type, const char *unit,
                                  uint64_t time)
{
    otlp_profile *p = pf_batch_add_profile(b, sp);
    p->sample_type = pf_arena_alloc(b->arena, sizeof(*p->sample_type));
    *p->sample_type = (otlp_value_type)OTLP_VALUE_TYPE_INIT;
    p->sample_type->type_strindex = pf_dict_string(b, type);
    p->sample_type->unit_strindex = pf_dict_string(b, unit);
    p->time_unix_nano = time;
    return p;
}

static void hand_sample(pf_batch *b, otlp_profile *p, const char *fn, const int64_t *values, size_t n_values,
                        size_t n_timestamps)
{
    otlp_line line = OTLP_LINE_INIT;
    line.function_index = pf_dict_function(b, pf_dict_string(b, fn), 0, 0, 0);
    int32_t loc = pf_dict_location(b, 0, 0, &line, 1, NULL, 0);
    otlp_sample *s = pf_arena_alloc(b->arena, sizeof(*s));
    *s = (otlp_sample)OTLP_SAMPLE_INIT;
    s->stack_index = pf_dict_stack(b, &loc, 1);
    s->values = pf_arena_memdup(b->arena, values, n_values * sizeof(*values));
    s->n_values = n_values;
    s->timestamps_unix_nano = pf_arena_alloc(b->arena, (n_timestamps + 1) * sizeof(uint64_t));
    s->n_timestamps_unix_nano = n_timestamps;
    p->samples = pf_arena_grow(b->arena, p->samples, p->n_samples * sizeof(*p->samples),
                               (p->n_samples + 1) * sizeof(*p->samples));
    p->samples[p->n_samples++] = s;
}

/* Scope with: cpu@T1 and wall@T1 (one pprof), cpu@T2 (another), cpu@T1 again (a third: same type). */
static void profiles_of_a_scope_are_grouped(void **state)
{
    (void)state;
    pf_batch *b = pf_batch_new();
    otlp_scope_profiles *sp = pf_batch_add_scope(b, pf_batch_add_resource(b), "ebpf", "1");
    int64_t v7 = 7, v3[3] = {1, 2, 3};
    hand_sample(b, hand_profile(b, sp, "cpu", "nanoseconds", 1000), "a", &v7, 1, 0);
    hand_sample(b, hand_profile(b, sp, "cpu", "nanoseconds", 2000), "b", v3, 3, 3);
    hand_sample(b, hand_profile(b, sp, "wall", "nanoseconds", 1000), "a", NULL, 0, 4); /* timestamps only */
    hand_sample(b, hand_profile(b, sp, "cpu", "nanoseconds", 1000), "c", &v7, 1, 0);
    char err[256] = "";
    assert_true(pf_batch_validate(b, NULL, err, sizeof(err)));

    pf_series_pprof_items items = {0};
    assert_true(pf_pprof_from_batch(b, &items, err, sizeof(err)));
    assert_int_equal(items.n, 3);
    pf_arena *a = pf_arena_create(4096);
    pf_pprof p0, p1, p2;
    assert_true(
        pf_pprof_parse(a, items.items[0].gzipped.data, items.items[0].gzipped.len, 1u << 20, &p0, err, sizeof(err)));
    assert_true(
        pf_pprof_parse(a, items.items[1].gzipped.data, items.items[1].gzipped.len, 1u << 20, &p1, err, sizeof(err)));
    assert_true(
        pf_pprof_parse(a, items.items[2].gzipped.data, items.items[2].gzipped.len, 1u << 20, &p2, err, sizeof(err)));
    assert_int_equal(p0.p->n_sample_type, 2); /* cpu + wall at T1 */
    assert_string_equal(str(&p0, p0.p->sample_type[1]->type), "wall");
    assert_int_equal(p0.p->n_sample, 1);
    assert_int_equal(p0.p->sample[0]->value[0], 7);
    assert_int_equal(p0.p->sample[0]->value[1], 4); /* four timestamps count four */
    assert_int_equal(p0.p->time_nanos, 1000);
    assert_int_equal(p1.p->n_sample_type, 1);
    assert_int_equal(p1.p->sample[0]->value[0], 6); /* values summed */
    assert_int_equal(p1.p->time_nanos, 2000);
    assert_int_equal(p2.p->n_sample_type, 1);
    assert_string_equal(
        str(&p2, pf_pprof_function(&p2, pf_pprof_location(&p2, p2.p->sample[0]->location_id[0])->line[0]->function_id)
                     ->name),
        "c");
    assert_string_equal(items.items[0].name, "process_cpu");
    assert_int_equal(p0.p->n_mapping, 0);
    assert_int_equal(p0.p->location[0]->mapping_id, 0);

    pf_pprof_items_free(&items);
    pf_arena_destroy(a);
    pf_batch_unref(b);
}

static void unresolvable_batch_reference_fails_cleanly(void **state)
{
    (void)state;
    pf_batch *b = pf_batch_new();
    otlp_scope_profiles *sp = pf_batch_add_scope(b, pf_batch_add_resource(b), "x", "1");
    int64_t v = 1;
    otlp_profile *p = hand_profile(b, sp, "cpu", "nanoseconds", 1);
    hand_sample(b, p, "a", &v, 1, 0);
    p->samples[0]->stack_index = 4242;
    pf_series_pprof_items items = {0};
    char err[256] = "";
    assert_false(pf_pprof_from_batch(b, &items, err, sizeof(err)));
    assert_non_null(strstr(err, "stack_index 4242 out of range"));
    assert_int_equal(items.n, 0);
    pf_pprof_items_free(&items);
    pf_batch_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(otlp_side_carries_every_field),
        cmocka_unit_test(round_trip_keeps_every_field),
        cmocka_unit_test(malformed_references_are_refused),
        cmocka_unit_test(malformed_bytes_are_refused),
        cmocka_unit_test(misaligned_profiles_merge_by_identity),
        cmocka_unit_test(profiles_of_a_scope_are_grouped),
        cmocka_unit_test(unresolvable_batch_reference_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
