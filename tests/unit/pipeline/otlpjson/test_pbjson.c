/* test_pbjson.c — OTLP/JSON mapping (pipeline/otlpjson/pbjson.h): round trip of a realistic request, the
 * individual mapping rules, and error messages that name the JSON path. The cross-check against
 * Python's json_format is tests/integration/test_pbjson_python.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/otlpjson/pbjson.h"
#include "tests/unit/export_test_batch.h"

static const ProtobufCMessageDescriptor *request_desc = &otlp_request_descriptor;

static void pack_message(const ProtobufCMessage *m, pf_buf *out)
{
    pf_buf_reserve(out, protobuf_c_message_get_packed_size(m));
    out->len += protobuf_c_message_pack(m, (uint8_t *)out->data + out->len);
}

/* Decodes JSON with an arena allocator and returns the re-packed bytes in out. */
static bool json_to_packed(const char *json, size_t len, pf_buf *out, char *err, size_t errlen)
{
    pf_arena *a = pf_arena_create(4096);
    ProtobufCAllocator al = pf_arena_allocator(a);
    ProtobufCMessage *m;
    bool ok = pf_pbjson_decode(request_desc, json, len, &al, &m, err, errlen);
    if (ok) pack_message(m, out);
    pf_arena_destroy(a);
    return ok;
}

static void expect_error(const char *json, const char *expected)
{
    char err[512] = "";
    ProtobufCMessage *m = (ProtobufCMessage *)1;
    assert_false(pf_pbjson_decode(request_desc, json, strlen(json), NULL, &m, err, sizeof(err)));
    assert_null(m);
    assert_string_equal(err, expected);
}

static void test_round_trip_realistic_request(void **state)
{
    (void)state;
    pf_batch *b = export_test_batch();
    pf_buf original = {0}, json = {0}, again = {0};
    pf_batch_pack(b, &original);
    pf_pbjson_encode(&b->req->base, &json);
    assert_null(memchr(json.data, '\n', json.len));

    char err[512];
    assert_true(json_to_packed(json.data, json.len, &again, err, sizeof(err)));
    assert_int_equal(again.len, original.len);
    assert_memory_equal(again.data, original.data, original.len);

    /* With the malloc allocator the tree must free cleanly (ASan checks for leaks). */
    ProtobufCMessage *m;
    assert_true(pf_pbjson_decode(request_desc, json.data, json.len, NULL, &m, err, sizeof(err)));
    assert_int_equal(protobuf_c_message_get_packed_size(m), original.len);
    protobuf_c_message_free_unpacked(m, NULL);

    pf_buf_free(&original);
    pf_buf_free(&json);
    pf_buf_free(&again);
    pf_batch_unref(b);
}

static void test_mapping_rules_on_output(void **state)
{
    (void)state;
    pf_batch *b = export_test_batch();
    pf_buf json = {0};
    pf_pbjson_encode(&b->req->base, &json);
    const char *expected[] = {
        "{\"resourceProfiles\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\"",
        "\"timeUnixNano\":\"1700000000123456789\"",           /* fixed64 as a string */
        "\"durationNano\":\"10000000000\"",                   /* uint64 as a string */
        "\"period\":\"10000000\"",                            /* int64 as a string */
        "\"profileId\":\"deadbeef0102030405060708090a0bff\"", /* hex, not base64 */
        "\"traceId\":\"5b8efff798038103d269b633813fc60c\"",
        "\"spanId\":\"eee19b7ec3c1b174\"",
        "\"originalPayload\":\"H4sIAA==\"", /* other bytes: base64 */
        "\"bytesValue\":\"AP8QaGk=\"",
        "{\"boolValue\":false}", /* a set oneof member is kept */
        "{\"intValue\":\"-9007199254740993\"}",
        "{\"doubleValue\":0.1}",
        "\"stringValue\":\"tab\\there \\\"quoted\\\" \xc3\xa9\"",
        "\"stringValueStrindex\":",
        "\"stringTable\":[\"\",", /* repeated strings keep the empty one */
        "\"values\":[\"30\"]",    /* repeated int64 as strings */
        "\"timestampsUnixNano\":[\"1700000000123456790\"]",
        "\"schemaUrl\":\"https://opentelemetry.io/schemas/1.30.0\"",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        if (!strstr(json.data, expected[i])) fail_msg("missing %s in %s", expected[i], json.data);
    }
    /* Zero values are omitted: the cart profile has no duration, no id and no payload. */
    assert_null(strstr(json.data, "\"durationNano\":\"0\""));
    assert_null(strstr(json.data, "\"droppedAttributesCount\""));
    assert_null(strstr(json.data, "_strindex\":"));
    assert_null(strstr(json.data, "_unix_nano\":"));
    pf_buf_free(&json);
    pf_batch_unref(b);
}

static void test_decoder_leniency(void **state)
{
    (void)state;
    /* snake_case names, 64-bit values as numbers, 32-bit values as strings, upper-case hex, URL-safe
     * unpadded base64, unknown fields and nulls ignored. */
    const char *lenient =
        "{\"resource_profiles\":[{\"scope_profiles\":[{\"profiles\":[{\"time_unix_nano\":1700000000,"
        "\"period\":\"100\",\"dropped_attributes_count\":\"3\",\"profileId\":\"DEADBEEF0102030405060708090A0BFF\","
        "\"originalPayload\":\"_-8\",\"futureField\":{\"x\":[1,2]},\"periodType\":null,"
        "\"samples\":[{\"values\":[1,\"2\",3.0]}]}]}]}],\"dictionary\":{\"string_table\":[\"\",\"a\"]}}";
    const char *canonical =
        "{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{\"samples\":[{\"values\":[\"1\",\"2\",\"3\"]}],"
        "\"timeUnixNano\":\"1700000000\",\"period\":\"100\",\"profileId\":\"deadbeef0102030405060708090a0bff\","
        "\"droppedAttributesCount\":3,\"originalPayload\":\"/"
        "+8=\"}]}]}],\"dictionary\":{\"stringTable\":[\"\",\"a\"]}}";
    pf_buf a = {0}, c = {0}, json = {0};
    char err[512] = "";
    if (!json_to_packed(lenient, strlen(lenient), &a, err, sizeof(err))) fail_msg("%s", err);
    assert_true(json_to_packed(canonical, strlen(canonical), &c, err, sizeof(err)));
    assert_int_equal(a.len, c.len);
    assert_memory_equal(a.data, c.data, a.len);

    ProtobufCMessage *m;
    assert_true(pf_pbjson_decode(request_desc, lenient, strlen(lenient), NULL, &m, err, sizeof(err)));
    pf_pbjson_encode(m, &json);
    assert_string_equal(json.data, canonical);
    protobuf_c_message_free_unpacked(m, NULL);
    pf_buf_free(&a);
    pf_buf_free(&c);
    pf_buf_free(&json);
}

static void test_errors_name_the_path(void **state)
{
    (void)state;
    expect_error("{\"resourceProfiles\":[{\"scopeProfiles\":[{\"profiles\":[{},{\"timeUnixNano\":true}]}]}]}",
                 "resourceProfiles[0].scopeProfiles[0].profiles[1].timeUnixNano: expected an integer");
    expect_error("{\"dictionary\":{\"stackTable\":[{\"locationIndices\":[1,2147483648]}]}}",
                 "dictionary.stackTable[0].locationIndices[1]: 2147483648 out of range [-2147483648, 2147483647]");
    expect_error("{\"dictionary\":{\"linkTable\":[{\"traceId\":\"xyz0\"}]}}",
                 "dictionary.linkTable[0].traceId: invalid hex string");
    expect_error("{\"dictionary\":{\"attributeTable\":[{},{\"value\":{\"stringValue\":\"a\",\"intValue\":\"1\"}}]}}",
                 "dictionary.attributeTable[1].value.intValue: conflicts with \"string_value\" (only one member "
                 "of a oneof may be set)");
    expect_error("{\"dictionary\":{\"stringTable\":\"abc\"}}", "dictionary.stringTable: expected an array");
    expect_error("{\"dictionary\":{\"stringTable\":[\"\",7]}}", "dictionary.stringTable[1]: expected a string");
    expect_error("{\"dictionary\":{\"mappingTable\":[{\"memoryStart\":\"-5\"}]}}",
                 "dictionary.mappingTable[0].memoryStart: -5 out of range [0, 18446744073709551615]");
    expect_error("{\"resourceProfiles\":[{\"schemaUrl\":\"a\",\"schema_url\":\"b\"}]}",
                 "resourceProfiles[0].schemaUrl: both \"schemaUrl\" and \"schema_url\" given");
    expect_error("{\"resourceProfiles\":[{\"resource\":[]}]}", "resourceProfiles[0].resource: expected an object");
    expect_error("{\"resourceProfiles\":[null]}", "resourceProfiles[0]: null is not allowed in an array");
    expect_error("[1]", "expected an object");
    expect_error("{\"a\":", "invalid JSON at line 1 column 5: unexpected token near end of file");
}

static void test_invalid_utf8_stays_valid_json(void **state)
{
    (void)state;
    otlp_request req = OTLP_REQUEST_INIT;
    otlp_dictionary dict = OTLP_DICTIONARY_INIT;
    char *strings[] = {"", "bad\xff"
                           "byte\x01"};
    dict.string_table = strings;
    dict.n_string_table = 2;
    req.dictionary = &dict;
    pf_buf json = {0};
    pf_pbjson_encode(&req.base, &json);
    assert_string_equal(json.data, "{\"dictionary\":{\"stringTable\":[\"\",\"bad\\ufffdbyte\\u0001\"]}}");
    pf_buf_free(&json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_realistic_request),
        cmocka_unit_test(test_mapping_rules_on_output),
        cmocka_unit_test(test_decoder_leniency),
        cmocka_unit_test(test_errors_name_the_path),
        cmocka_unit_test(test_invalid_utf8_stays_valid_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
