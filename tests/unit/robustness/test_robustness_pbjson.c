/* test_robustness_pbjson.c — mutated OTLP/JSON (written by pf_pbjson_encode from requests built out
 * of the pprof fixtures) through pf_pbjson_decode, with the malloc allocator (where a failure must
 * free everything it allocated: LeakSanitizer checks) and with an arena, as the receivers use it.
 * An accepted document must re-encode to JSON that decodes to the same JSON again, and pack into
 * protobuf bytes that pf_batch_decode reads and whose batch validates or is rejected with a message. */
#include "pipeline/otlpjson/pbjson.h"
#include "tests/unit/test_robustness_seeds.h"

typedef struct json_ctx {
    size_t calls; /* alternates the allocator */
} json_ctx;

/* encode(decode(json)) == json for JSON we wrote ourselves. */
static void check_reencodes(const ProtobufCMessage *m)
{
    pf_buf first = {0}, second = {0};
    pf_pbjson_encode(m, &first);
    ProtobufCMessage *again = NULL;
    char err[512] = "";
    if (!pf_pbjson_decode(m->descriptor, first.data, first.len, NULL, &again, err, sizeof(err)))
        fail_msg("our own JSON does not decode: %s", err);
    pf_pbjson_encode(again, &second);
    assert_int_equal(first.len, second.len);
    assert_memory_equal(first.data, second.data, first.len);
    protobuf_c_message_free_unpacked(again, NULL);
    pf_buf_free(&first);
    pf_buf_free(&second);
}

static void check_as_batch(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *wire = malloc(n ? n : 1);
    assert_int_equal(protobuf_c_message_pack(m, wire), n);
    pf_batch *b = pf_batch_decode(wire, n);
    assert_non_null(b);
    char err[512] = "";
    if (pf_batch_validate(b, NULL, err, sizeof(err)))
        rb_check_validated_batch(b);
    else
        assert_true(err[0] != '\0');
    pf_batch_unref(b);
    free(wire);
}

static bool check_json(const uint8_t *data, size_t len, void *ctx)
{
    json_ctx *jc = ctx;
    bool use_arena = jc->calls++ % 2;
    pf_arena *a = use_arena ? pf_arena_create(1 << 14) : NULL;
    ProtobufCAllocator al = use_arena ? pf_arena_allocator(a) : (ProtobufCAllocator){0};
    ProtobufCMessage *m = (ProtobufCMessage *)&al; /* must be overwritten with NULL on failure */
    char err[512] = "";
    bool ok = pf_pbjson_decode(&otlp_request_descriptor, (const char *)data, len, use_arena ? &al : NULL, &m, err,
                               sizeof(err));
    if (!ok) {
        assert_null(m);
        assert_true(err[0] != '\0');
    } else {
        assert_non_null(m);
        check_reencodes(m);
        check_as_batch(m);
        if (!use_arena) protobuf_c_message_free_unpacked(m, NULL);
    }
    if (a) pf_arena_destroy(a);
    return ok;
}

static void otlp_json_corpus(rb_corpus *c)
{
    rb_corpus wire = {0};
    rb_otlp_corpus(&wire, 6);
    for (size_t i = 0; i < wire.n; i++) {
        pf_batch *b = pf_batch_decode((const uint8_t *)wire.items[i].data, wire.items[i].len);
        assert_non_null(b);
        pf_buf json = {0};
        pf_pbjson_encode(&b->req->base, &json);
        rb_corpus_add(c, json.data, json.len);
        pf_buf_free(&json);
        pf_batch_unref(b);
    }
    rb_corpus_free(&wire);
}

static void test_otlp_json_mutants(void **state)
{
    (void)state;
    rb_corpus c = {0};
    otlp_json_corpus(&c);
    json_ctx ctx = {0};
    rb_check_seeds(&c, check_json, &ctx);
    rb_tally t = rb_run(&c, RB_TEXT, false, 4000, 0x150f, check_json, &ctx);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

/* A request with one resource attribute nested `levels` array_values deep, as JSON. */
static void nested_json(size_t levels, pf_buf *out)
{
    pf_buf_reset(out);
    pf_buf_puts(out, "{\"resourceProfiles\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":");
    for (size_t i = 0; i < levels; i++) pf_buf_puts(out, "{\"arrayValue\":{\"values\":[");
    pf_buf_puts(out, "{\"intValue\":\"1\"}");
    for (size_t i = 0; i < levels; i++) pf_buf_puts(out, "]}}");
    pf_buf_puts(out, "}]}}]}");
}

/* JSON nests at most as deep as jansson allows (2048): whatever it accepts must pack into bytes
 * pf_batch_decode takes back (its nesting guard sits above that), beyond it a clean refusal. */
static void test_deeply_nested_json(void **state)
{
    (void)state;
    pf_buf json = {0};
    json_ctx ctx = {0};
    nested_json(600, &json);
    assert_true(check_json((const uint8_t *)json.data, json.len, &ctx));
    assert_true(check_json((const uint8_t *)json.data, json.len, &ctx)); /* both allocators */
    nested_json(5000, &json);
    assert_false(check_json((const uint8_t *)json.data, json.len, &ctx));
    pf_buf_free(&json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_otlp_json_mutants),
        cmocka_unit_test(test_deeply_nested_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
