/* test_robustness_push.c — mutated push.v1.PushRequest messages (Pyroscope's /push.v1.PusherService/
 * Push), in protobuf and in the Connect JSON codec, decoded the way the pyroscope receiver does it:
 * unpacked into an arena (or pf_pbjson_decode), then every RawSample's raw_profile through
 * pyro_batch_add_pprof into one batch. The seeds carry the pprof bodies the Node.js SDK sent
 * (gzipped, as SDKs send them, and gunzipped so mutations reach inside the pprof). A decoded request
 * must give a batch that validates strictly and exports again; refusals carry a message. */
#include "pipeline/otlpjson/pbjson.h"
#include "push/v1/push.pb-c.h"
#include "receivers/pyroscope/pyroscope_receiver.h"
#include "tests/unit/test_robustness_seeds.h"

#define MAX_BODY (8u << 20)

/* The receiver's step after decoding. True when every sample became part of the batch. */
static bool push_to_batch(const Push__V1__PushRequest *pr, pf_arena *a)
{
    pf_batch *b = pf_batch_new();
    char err[512] = "";
    for (size_t i = 0; i < pr->n_series; i++) {
        const Push__V1__RawProfileSeries *s = pr->series[i];
        pf_pyro_labels labels = {pf_arena_alloc(a, (s->n_labels + 1) * sizeof(pf_pyro_label)), s->n_labels};
        for (size_t k = 0; k < s->n_labels; k++)
            labels.items[k] = (pf_pyro_label){s->labels[k]->name ? s->labels[k]->name : "",
                                              s->labels[k]->value ? s->labels[k]->value : ""};
        for (size_t j = 0; j < s->n_samples; j++) {
            const ProtobufCBinaryData *raw = &s->samples[j]->raw_profile;
            if (!pyro_batch_add_pprof(b, a, &labels, raw->data, raw->len, MAX_BODY, err, sizeof(err))) {
                assert_true(err[0] != '\0');
                pf_batch_unref(b);
                return false;
            }
        }
    }
    if (!pf_batch_validate(b, NULL, err, sizeof(err))) fail_msg("decoded push is not a valid batch: %s", err);
    rb_check_validated_batch(b);
    pf_batch_unref(b);
    return true;
}

static bool check_push_proto(const uint8_t *data, size_t len, void *ctx)
{
    (void)ctx;
    pf_arena *a = pf_arena_create(1 << 14);
    ProtobufCAllocator al = pf_arena_allocator(a);
    Push__V1__PushRequest *pr = push__v1__push_request__unpack(&al, len, data);
    bool ok = pr && push_to_batch(pr, a);
    pf_arena_destroy(a);
    return ok;
}

static bool check_push_json(const uint8_t *data, size_t len, void *ctx)
{
    (void)ctx;
    pf_arena *a = pf_arena_create(1 << 14);
    ProtobufCAllocator al = pf_arena_allocator(a);
    ProtobufCMessage *m = NULL;
    char err[512] = "";
    bool ok = pf_pbjson_decode(&push__v1__push_request__descriptor, (const char *)data, len, &al, &m, err, sizeof(err));
    if (!ok) assert_true(err[0] != '\0');
    ok = ok && push_to_batch((Push__V1__PushRequest *)m, a);
    pf_arena_destroy(a);
    return ok;
}

/* Requests of two series each (wall, then heap, as the SDK alternates them), from consecutive
 * captured bodies; gunzipped when asked. Serialized as protobuf or as JSON. */
static void push_corpus(rb_corpus *c, bool gunzip, bool json)
{
    static const char *const dirs[] = {"nodejs", "nodejs-cpu-auth-tenant"};
    for (size_t d = 0; d < 2; d++) {
        for (int seq = 1; seq + 1 <= (d == 0 ? 9 : 5); seq += 2) {
            pf_buf bodies[2] = {{0}, {0}};
            Push__V1__RawProfileSeries series[2], *series_ptrs[2];
            Push__V1__RawSample samples[2], *sample_ptrs[2];
            Types__V1__LabelPair pairs[2][3], *pair_ptrs[2][3];
            static const char *const names[] = {"wall", "memory"};
            for (int k = 0; k < 2; k++) {
                char rel[256], err[256];
                snprintf(rel, sizeof(rel), "pyroscope-push/%s/req-%03d.body", dirs[d], seq + k);
                pf_buf gz = fixture_read(rel);
                if (gunzip)
                    assert_int_equal(pf_decompress("gzip", gz.data, gz.len, MAX_BODY, &bodies[k], err, sizeof(err)),
                                     PF_DECOMPRESS_OK);
                else
                    pf_buf_append(&bodies[k], gz.data, gz.len);
                pf_buf_free(&gz);
                const char *kv[3][2] = {{"__name__", names[k]}, {"service_name", "fixture-app"}, {"env", "test"}};
                for (int l = 0; l < 3; l++) {
                    pairs[k][l] = (Types__V1__LabelPair)TYPES__V1__LABEL_PAIR__INIT;
                    pairs[k][l].name = (char *)kv[l][0];
                    pairs[k][l].value = (char *)kv[l][1];
                    pair_ptrs[k][l] = &pairs[k][l];
                }
                samples[k] = (Push__V1__RawSample)PUSH__V1__RAW_SAMPLE__INIT;
                samples[k].raw_profile = (ProtobufCBinaryData){bodies[k].len, (uint8_t *)bodies[k].data};
                sample_ptrs[k] = &samples[k];
                series[k] = (Push__V1__RawProfileSeries)PUSH__V1__RAW_PROFILE_SERIES__INIT;
                series[k].n_labels = 3;
                series[k].labels = pair_ptrs[k];
                series[k].n_samples = 1;
                series[k].samples = &sample_ptrs[k];
                series_ptrs[k] = &series[k];
            }
            Push__V1__PushRequest pr = PUSH__V1__PUSH_REQUEST__INIT;
            pr.n_series = 2;
            pr.series = series_ptrs;
            pf_buf out = {0};
            if (json) {
                pf_pbjson_encode(&pr.base, &out);
            } else {
                pf_buf_reserve(&out, push__v1__push_request__get_packed_size(&pr));
                out.len = push__v1__push_request__pack(&pr, (uint8_t *)out.data);
            }
            rb_corpus_add(c, out.data, out.len);
            pf_buf_free(&out);
            pf_buf_free(&bodies[0]);
            pf_buf_free(&bodies[1]);
        }
    }
}

static void run_push(bool gunzip, bool json, size_t n_cases, uint64_t seed)
{
    rb_corpus c = {0};
    push_corpus(&c, gunzip, json);
    bool (*check)(const uint8_t *, size_t, void *) = json ? check_push_json : check_push_proto;
    rb_check_seeds(&c, check, NULL);
    rb_tally t = rb_run(&c, json ? RB_TEXT : RB_PROTOBUF, false, n_cases, seed, check, NULL);
    assert_true(t.accepted > 0);
    assert_true(t.rejected > 0);
    rb_corpus_free(&c);
}

static void test_push_gzipped_profiles(void **state)
{
    (void)state;
    run_push(false, false, 1500, 0x9051);
}

static void test_push_raw_profiles(void **state)
{
    (void)state;
    run_push(true, false, 3000, 0x9052);
}

static void test_push_json(void **state)
{
    (void)state;
    run_push(true, true, 2000, 0x9053);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_gzipped_profiles),
        cmocka_unit_test(test_push_raw_profiles),
        cmocka_unit_test(test_push_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
