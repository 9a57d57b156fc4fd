/* test_from_profile.c — pipeline/pprof: pf_pprof_from_profile() (an already unpacked Profile)
 * gives exactly what pf_pprof_parse() gives for the same Profile's bytes: the same OTLP translation
 * for real Go and Node.js profiles, and the same refusals, word for word, for broken references and
 * for a Profile over the size limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/compress.h"
#include "pipeline/pprof/pprof.h"
#include "tests/unit/fixture.h"

/* The fixture, gunzipped: the bytes pf_pprof_parse reads and the Profile the other entry point gets. */
static pf_buf read_fixture(const char *rel)
{
    pf_buf gz = fixture_read(rel), raw = {0};
    char why[256];
    assert_int_equal(pf_decompress("gzip", gz.data, gz.len, PF_PPROF_DEFAULT_MAX_BYTES, &raw, why, sizeof(why)),
                     PF_DECOMPRESS_OK);
    pf_buf_free(&gz);
    return raw;
}

static pprof_profile *unpack(pf_arena *a, const pf_buf *bytes)
{
    ProtobufCAllocator al = pf_arena_allocator(a);
    pprof_profile *p = perftools__profiles__profile__unpack(&al, bytes->len, (const uint8_t *)bytes->data);
    assert_non_null(p);
    return p;
}

/* The serialized OTLP request pf_pprof_to_otlp makes of pp, with the (random) profile ids zeroed. */
static void translate(const pf_pprof *pp, pf_buf *out)
{
    pf_batch *b = pf_batch_new();
    otlp_scope_profiles *sp = pf_pprof_to_otlp(b, pf_batch_add_resource(b), pp, "process_cpu");
    assert_true(sp->n_profiles > 0);
    for (size_t i = 0; i < sp->n_profiles; i++)
        memset(sp->profiles[i]->profile_id.data, 0, sp->profiles[i]->profile_id.len);
    pf_batch_pack(b, out);
    pf_batch_unref(b);
}

static void same_translation(const char *rel)
{
    pf_buf bytes = read_fixture(rel);
    pf_arena *a = pf_arena_create(1 << 16);
    pf_pprof parsed, given;
    char err[256] = "";
    assert_true(pf_pprof_parse(a, bytes.data, bytes.len, PF_PPROF_DEFAULT_MAX_BYTES, &parsed, err, sizeof(err)));
    pprof_profile *p = unpack(a, &bytes);
    assert_true(pf_pprof_from_profile(a, p, PF_PPROF_DEFAULT_MAX_BYTES, &given, err, sizeof(err)));
    assert_ptr_equal(given.p, p);
    assert_true(p->n_sample > 0);

    pf_buf from_bytes = {0}, from_profile = {0};
    translate(&parsed, &from_bytes);
    translate(&given, &from_profile);
    assert_true(from_bytes.len > 0);
    assert_int_equal(from_bytes.len, from_profile.len);
    assert_memory_equal(from_bytes.data, from_profile.data, from_bytes.len);
    pf_buf_free(&from_bytes);
    pf_buf_free(&from_profile);
    pf_arena_destroy(a);
    pf_buf_free(&bytes);
}

static void real_profiles_translate_the_same(void **state)
{
    (void)state;
    same_translation("pprof/go/cpu.pb.gz");
    same_translation("pprof/go/allocs.pb.gz");
    same_translation("pprof/node/cpu.pb.gz");
    same_translation("pprof/node/heap.pb.gz");
}

/* Both entry points refuse p (after `mutate`) with the same message, which mentions `want`. */
static void same_refusal(void (*mutate)(pprof_profile *p), size_t max, const char *want)
{
    pf_buf bytes = read_fixture("pprof/go/cpu.pb.gz");
    pf_arena *a = pf_arena_create(1 << 16);
    pprof_profile *p = unpack(a, &bytes);
    if (mutate) mutate(p);
    pf_buf packed = {0};
    pf_buf_reserve(&packed, perftools__profiles__profile__get_packed_size(p));
    packed.len = perftools__profiles__profile__pack(p, (uint8_t *)packed.data);

    pf_pprof pp;
    char from_bytes[256] = "", from_profile[256] = "";
    assert_false(
        pf_pprof_parse(a, packed.data, packed.len, max ? max : packed.len, &pp, from_bytes, sizeof(from_bytes)));
    assert_false(pf_pprof_from_profile(a, p, max ? max : packed.len, &pp, from_profile, sizeof(from_profile)));
    assert_string_equal(from_bytes, from_profile);
    if (!strstr(from_profile, want)) fail_msg("error \"%s\" does not mention \"%s\"", from_profile, want);
    pf_buf_free(&packed);
    pf_arena_destroy(a);
    pf_buf_free(&bytes);
}

static void unknown_location(pprof_profile *p) { p->sample[0]->location_id[0] = 987654; }
static void missing_value(pprof_profile *p) { p->sample[1]->n_value = 1; }
static void bad_function_name(pprof_profile *p) { p->function[0]->name = (int64_t)p->n_string_table; }
static void duplicate_location(pprof_profile *p) { p->location[1]->id = p->location[0]->id; }

static void broken_profiles_are_refused_alike(void **state)
{
    (void)state;
    same_refusal(unknown_location, 0, "sample[0].location_id[0]: 987654 is not a location id");
    same_refusal(missing_value, 0, "sample[1]: 1 values for 2 sample types");
    same_refusal(bad_function_name, 0, "function.name (#0): string index");
    same_refusal(duplicate_location, 0, "location[1]: duplicate id");
}

/* A limit one byte under the encoded size: refused by both, as "larger than the N-byte limit". */
static void oversized_profile_is_refused_alike(void **state)
{
    (void)state;
    pf_buf bytes = read_fixture("pprof/go/cpu.pb.gz");
    pf_arena *a = pf_arena_create(1 << 16);
    size_t limit = perftools__profiles__profile__get_packed_size(unpack(a, &bytes)) - 1;
    char want[64];
    snprintf(want, sizeof(want), "larger than the %zu-byte limit", limit);
    same_refusal(NULL, limit, want);
    pf_arena_destroy(a);
    pf_buf_free(&bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_profiles_translate_the_same),
        cmocka_unit_test(broken_profiles_are_refused_alike),
        cmocka_unit_test(oversized_profile_is_refused_alike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
