/* test_robustness_otlp.c — mutated OTLP ExportProfilesServiceRequest bytes (built from the pprof
 * fixtures) through what the otlp receiver and the exporters do with them: pf_batch_decode →
 * pf_batch_validate (strict, and partial on a copy) → pf_pprof_from_batch → pf_batch_pack, and the
 * receiver's v1.9-layout scan of the raw bytes (which must read any input safely). Every mutant is
 * either rejected with a message or comes out as a batch every later stage accepts; what the
 * receiver's wire validation (pf_wire_validate) accepts, the tree path accepts too, unchanged. Also
 * AnyValues nested past protobuf-c's stack depth. */
#include "pipeline/model/batch.h"
#include "pipeline/model/pb_nesting.h"
#include "pipeline/model/wire.h"
#include "receivers/otlp/otlp_receiver.h"
#include "tests/unit/test_robustness_seeds.h"

/* Validates b in one mode; an accepted batch must pass the later stages. */
static bool validate(pf_batch *b, bool partial)
{
    char err[512] = "";
    size_t rejected = 0;
    bool ok = pf_batch_validate(b, partial ? &rejected : NULL, err, sizeof(err));
    if (!ok || rejected) assert_true(err[0] != '\0');
    if (ok) rb_check_validated_batch(b);
    return ok;
}

static size_t wire_accepted; /* inputs pf_wire_validate accepted */

/* Differential check of the receiver's fast path (pipeline/model/wire.h): what pf_wire_validate
 * accepts, decoding and strict validation accept too, with the same counts, and a lazy batch of it
 * decodes to the same request. */
static void check_wire_agrees(const uint8_t *data, size_t len, pf_batch *strict, bool strict_ok, bool wire_ok,
                              const pf_wire_counts *wc)
{
    if (!wire_ok) return;
    wire_accepted++;
    assert_non_null(strict);
    assert_true(strict_ok);
    assert_int_equal(wc->samples, pf_batch_sample_count(strict));
    assert_int_equal(wc->profiles, pf_batch_profile_count(strict));
    pf_batch *lazy = pf_batch_new_lazy(data, len, NULL, NULL, 0, wc);
    assert_true(pf_batch_is_lazy(lazy));
    assert_int_equal(pf_batch_sample_count(lazy), wc->samples);
    assert_true(pf_batch_materialize(lazy));
    pf_buf a = {0}, b = {0};
    lazy->wire = NULL; /* pack the tree, not the kept bytes */
    pf_batch_pack(lazy, &a);
    pf_batch_pack(strict, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    pf_buf_free(&a);
    pf_buf_free(&b);
    pf_batch_unref(lazy);
}

static bool check_request(const uint8_t *data, size_t len, void *ctx)
{
    (void)ctx;
    bool v1_9 = otlp_request_is_v1_9_layout(data, len);
    pf_wire_counts wc = {0};
    bool wire_ok = pf_wire_validate(data, len, &wc);
    if (wire_ok) assert_int_equal(wc.v1_9_layout, v1_9); /* the receiver trusts the wire scan's verdict */
    pf_batch *strict = pf_batch_decode(data, len);
    if (!strict) {
        assert_false(wire_ok);
        return false;
    }
    assert_non_null(strict->req);
    assert_non_null(strict->req->dictionary);
    pf_batch *partial = pf_batch_clone(strict);
    bool strict_ok = validate(strict, false);
    bool partial_ok = validate(partial, true);
    /* Partial mode only ever keeps more. */
    if (strict_ok) assert_true(partial_ok);
    check_wire_agrees(data, len, strict, strict_ok, wire_ok, &wc);
    pf_batch_unref(partial);
    pf_batch_unref(strict);
    return strict_ok || partial_ok;
}

static void test_otlp_request_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    rb_otlp_corpus(&c, RB_N_PPROF_FIXTURES);
    rb_check_seeds(&c, check_request, NULL);
    size_t seeds_accepted = wire_accepted;
    assert_true(seeds_accepted > 0); /* the fixtures' requests take the fast path */
    rb_tally t = rb_run(&c, RB_PROTOBUF, false, 5000, 0x07a9, check_request, NULL);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    assert_true(wire_accepted > seeds_accepted); /* and some mutants do too */
    rb_corpus_free(&c);
}

/* Prepends a length-delimited field: tag and length in front of what `b` holds. */
static void wrap_field(pf_buf *b, unsigned field)
{
    uint8_t head[16];
    head[0] = (uint8_t)(field << 3 | 2);
    rb_replace(b, 0, 0, head, 1 + rb_put_varint(head + 1, b->len));
}

/* A request whose one resource attribute is an AnyValue holding `levels` nested array_values (the
 * innermost holding one empty AnyValue):
 * 2 * levels + 5 messages deep counting the request. */
static void nested_request(size_t levels, pf_buf *out)
{
    pf_buf_reset(out);
    for (size_t i = 0; i < levels; i++) {
        wrap_field(out, 1); /* ArrayValue.values */
        wrap_field(out, 5); /* AnyValue.array_value */
    }
    wrap_field(out, 2);                    /* KeyValue.value */
    rb_replace(out, 0, 0, "\x0a\x01k", 3); /* KeyValue.key = "k" */
    wrap_field(out, 1);                    /* Resource.attributes */
    wrap_field(out, 1);                    /* ResourceProfiles.resource */
    wrap_field(out, 1);                    /* ExportProfilesServiceRequest.resource_profiles */
}

/* protobuf-c's unpacker recurses once per nested message: 50000 nested array_values (400 KB) used
 * to exhaust the stack (SIGSEGV in protobuf_c_message_unpack). pf_batch_decode now refuses more
 * than PF_PB_MAX_NESTING levels up front and still takes everything up to it. */
static void test_deeply_nested_values(void **state)
{
    (void)state;
    pf_buf wire = {0};
    size_t at_limit = (PF_PB_MAX_NESTING - 5) / 2;
    nested_request(at_limit, &wire);
    assert_true(check_request((const uint8_t *)wire.data, wire.len, NULL));
    pf_batch *b = pf_batch_decode((const uint8_t *)wire.data, wire.len);
    assert_non_null(b);
    pf_batch *copy = pf_batch_clone(b); /* packs and decodes again */
    assert_int_equal(pf_batch_packed_size(copy), pf_batch_packed_size(b));
    pf_batch_unref(copy);
    pf_batch_unref(b);
    for (size_t levels = at_limit + 1; levels <= 50000; levels *= 7) {
        nested_request(levels, &wire);
        assert_null(pf_batch_decode((const uint8_t *)wire.data, wire.len));
    }
    pf_buf_free(&wire);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_otlp_request_mutants),
        cmocka_unit_test(test_deeply_nested_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
