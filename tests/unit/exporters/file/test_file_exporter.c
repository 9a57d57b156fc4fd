/* test_file_exporter.c — the `file` exporter on a real libuv loop and a real temporary directory:
 * proto and json output decode back to the exact bytes of the batches sent, batches in flight are
 * finished on shutdown, json files rotate by size, max_backups deletes the oldest files (also
 * those of an earlier run), a bad path fails start(), a failing write drops and counts the batch, and
 * the metrics count what was written; pprof writes one gzipped pprof per profile group, named after
 * its profile type, with the totals of the source profiles. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "exporters/file/file_exporter.h"
#include "pipeline/otlpjson/pbjson.h"
#include "pipeline/pprof/pprof.h"
#include "pipeline/base/telemetry.h"
#include "tests/unit/export_test_batch.h"
#include "tests/tools/tool_util.h"
#include "tests/unit/fixture.h"

extern const pf_factory pf_exporter_file_factory;

typedef struct fixture {
    char dir[64];
    file_exporter_config cfg;
    uv_loop_t loop;
    pf_component *comp;
    bool done;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/proflow-file-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    pf_cfg_error err;
    assert_true(pf_cfg_defaults(pf_exporter_file_factory.config_map, &f->cfg, &err));
    free(f->cfg.path);
    f->cfg.path = pf_xasprintf("%s/out/nested", f->dir); /* parents are created */
    uv_loop_init(&f->loop);
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) continue;
        char *child = pf_xasprintf("%s/%s", path, ent->d_name);
        remove_tree(child);
        free(child);
    }
    closedir(d);
    rmdir(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    uv_loop_close(&f->loop);
    pf_cfg_release(pf_exporter_file_factory.config_map, &f->cfg);
    remove_tree(f->dir);
    free(f);
    pf_metrics_reset();
    return 0;
}

static void set_format(fixture *f, const char *format)
{
    free(f->cfg.format);
    f->cfg.format = pf_xstrdup(format);
}

static void start(fixture *f, const char *id)
{
    pf_create_args args = {.id = id, .config = &f->cfg, .loop = &f->loop};
    pf_error err = {0};
    f->comp = pf_exporter_file_factory.create(&args, &err);
    assert_non_null(f->comp);
    pf_host host = {.loop = &f->loop};
    if (!f->comp->ops->start(f->comp, &host, &err)) fail_msg("start failed: %s", err.msg);
}

static void on_done(pf_component *c, void *data)
{
    (void)c;
    ((fixture *)data)->done = true;
}

static void shutdown_and_destroy(fixture *f)
{
    f->comp->ops->shutdown(f->comp, 5000, on_done, f);
    while (!f->done) uv_run(&f->loop, UV_RUN_ONCE);
    assert_int_equal(uv_run(&f->loop, UV_RUN_NOWAIT), 0); /* nothing left in flight */
    f->comp->ops->destroy(f->comp);
}

/* A test batch whose profiles carry `tag` as duration, so files can be told apart. */
static pf_batch *tagged_batch(uint64_t tag, size_t payload_bytes)
{
    pf_batch *b = export_test_batch();
    otlp_profile *p = b->req->resource_profiles[1]->scope_profiles[0]->profiles[0];
    p->duration_nano = tag;
    if (payload_bytes) {
        p->original_payload_format = pf_arena_strdup(b->arena, "jfr");
        p->original_payload.len = payload_bytes;
        p->original_payload.data = pf_arena_alloc(b->arena, payload_bytes);
    }
    return b;
}

static void consume(fixture *f, pf_batch *b)
{
    pf_error err = {0};
    assert_int_equal(pf_consumer_consume(&f->comp->consumer, b, &err), PF_OK);
}

/* Sorted names of the regular files in the output directory. */
static size_t list_files(const fixture *f, char names[][256], size_t max)
{
    struct dirent **ents;
    int n = scandir(f->cfg.path, &ents, NULL, alphasort);
    assert_true(n >= 0);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.' && k < max) snprintf(names[k++], 256, "%s", ents[i]->d_name);
        free(ents[i]);
    }
    free(ents);
    return k;
}

static void read_file(const fixture *f, const char *name, pf_buf *out)
{
    char *path = pf_xasprintf("%s/%s", f->cfg.path, name);
    assert_true(tool_read_file(path, out));
    free(path);
}

static double metric(const char *name, const char *id)
{
    char *labels = pf_xasprintf("exporter=\"%s\"", id);
    pf_metric *m = pf_metric_find(name, labels);
    free(labels);
    return m ? pf_metric_value(m) : -1;
}

static uint64_t tag_of(const ProtobufCMessage *m)
{
    const otlp_request *req = (const otlp_request *)m;
    return req->resource_profiles[1]->scope_profiles[0]->profiles[0]->duration_nano;
}

static void test_proto_one_file_per_batch(void **state)
{
    fixture *f = *state;
    set_format(f, "proto");
    start(f, "file/proto");
    pf_buf expected[3] = {{0}};
    size_t total_bytes = 0;
    for (uint64_t i = 0; i < 3; i++) {
        pf_batch *b = tagged_batch(i + 1, 0);
        total_bytes += pf_batch_pack(b, &expected[i]);
        consume(f, b);
    }
    /* Shut down before the loop ran at all: everything in flight must still land on disk. */
    shutdown_and_destroy(f);

    char names[8][256];
    assert_int_equal(list_files(f, names, 8), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(strncmp(names[i], "profiles-", 9), 0);
        assert_non_null(strstr(names[i], ".binpb"));
        pf_buf got = {0};
        read_file(f, names[i], &got);
        assert_int_equal(got.len, expected[i].len);
        assert_memory_equal(got.data, expected[i].data, got.len); /* names sort in arrival order */
        pf_buf_free(&got);
        pf_buf_free(&expected[i]);
    }
    assert_true(metric("otelcol_exporter_sent_profile_samples", "file/proto") == 3 * EXPORT_TEST_SAMPLES);
    assert_true(metric("otelcol_exporter_send_failed_profile_samples", "file/proto") == 0);
    assert_true(metric("proflow_exporter_sent_bytes_total", "file/proto") == (double)total_bytes);
}

static void test_json_lines_decode_to_the_same_bytes(void **state)
{
    fixture *f = *state;
    set_format(f, "json");
    start(f, "file/json");
    pf_buf expected[3] = {{0}};
    for (uint64_t i = 0; i < 3; i++) {
        pf_batch *b = tagged_batch(i + 1, 0);
        pf_batch_pack(b, &expected[i]);
        consume(f, b);
        uv_run(&f->loop, UV_RUN_NOWAIT); /* interleave writes with new batches */
    }
    shutdown_and_destroy(f);

    char names[8][256];
    assert_int_equal(list_files(f, names, 8), 1);
    assert_non_null(strstr(names[0], ".jsonl"));
    pf_buf content = {0};
    read_file(f, names[0], &content);
    char *line = content.data;
    for (size_t i = 0; i < 3; i++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        ProtobufCMessage *m;
        char err[256];
        if (!pf_pbjson_decode(&otlp_request_descriptor, line, (size_t)(nl - line), NULL, &m, err, sizeof(err)))
            fail_msg("line %zu: %s", i, err);
        pf_buf packed = {0};
        pf_buf_reserve(&packed, protobuf_c_message_get_packed_size(m));
        packed.len = protobuf_c_message_pack(m, (uint8_t *)packed.data);
        assert_int_equal(packed.len, expected[i].len);
        assert_memory_equal(packed.data, expected[i].data, packed.len);
        protobuf_c_message_free_unpacked(m, NULL);
        pf_buf_free(&packed);
        pf_buf_free(&expected[i]);
        line = nl + 1;
    }
    assert_int_equal(*line, '\0');
    assert_true(metric("proflow_exporter_sent_bytes_total", "file/json") == (double)content.len);
    pf_buf_free(&content);
}

/* 600 KiB payloads are ~800 KiB as base64: with max_megabytes 1 every line needs its own file, and
 * max_backups 2 keeps the two newest. */
static void test_json_rotation_and_retention(void **state)
{
    fixture *f = *state;
    set_format(f, "json");
    f->cfg.rotation.max_megabytes = 1;
    f->cfg.rotation.max_backups = 2;
    start(f, "file/rotate");
    for (uint64_t i = 0; i < 5; i++) {
        consume(f, tagged_batch(i + 1, 600 * 1024));
        uv_run(&f->loop, UV_RUN_DEFAULT);
    }
    shutdown_and_destroy(f);

    char names[8][256];
    assert_int_equal(list_files(f, names, 8), 2);
    for (size_t i = 0; i < 2; i++) {
        pf_buf content = {0};
        read_file(f, names[i], &content);
        assert_true(content.len < (1u << 20));
        assert_int_equal(content.data[content.len - 1], '\n');
        ProtobufCMessage *m;
        char err[256];
        assert_true(
            pf_pbjson_decode(&otlp_request_descriptor, content.data, content.len - 1, NULL, &m, err, sizeof(err)));
        assert_int_equal(tag_of(m), 4 + i); /* batches 4 and 5 survive */
        protobuf_c_message_free_unpacked(m, NULL);
        pf_buf_free(&content);
    }
    assert_true(metric("otelcol_exporter_sent_profile_samples", "file/rotate") == 5 * EXPORT_TEST_SAMPLES);
}

static void test_proto_retention_counts_earlier_files(void **state)
{
    fixture *f = *state;
    set_format(f, "proto");
    f->cfg.rotation.max_backups = 2;
    /* A file of an earlier run (oldest name) and an unrelated file that must be left alone. */
    char *mk = pf_xasprintf("mkdir -p %s && touch %s/profiles-00000000000000000001-000000.binpb %s/notes.txt",
                            f->cfg.path, f->cfg.path, f->cfg.path);
    assert_int_equal(system(mk), 0);
    free(mk);
    start(f, "file/keep");
    for (uint64_t i = 0; i < 3; i++) {
        consume(f, tagged_batch(i + 1, 0));
        uv_run(&f->loop, UV_RUN_DEFAULT);
    }
    shutdown_and_destroy(f);

    char names[8][256];
    assert_int_equal(list_files(f, names, 8), 3);
    assert_string_equal(names[0], "notes.txt");
    for (size_t i = 0; i < 2; i++) {
        pf_buf got = {0};
        read_file(f, names[i + 1], &got);
        ProtobufCMessage *m = protobuf_c_message_unpack(&otlp_request_descriptor, NULL, got.len, (uint8_t *)got.data);
        assert_non_null(m);
        assert_int_equal(tag_of(m), 2 + i);
        protobuf_c_message_free_unpacked(m, NULL);
        pf_buf_free(&got);
    }
}

static void test_bad_path_fails_start(void **state)
{
    fixture *f = *state;
    char *blocker = pf_xasprintf("%s/out", f->dir);
    FILE *fp = fopen(blocker, "w"); /* a regular file where a directory must go */
    assert_non_null(fp);
    fclose(fp);
    pf_create_args args = {.id = "file/bad", .config = &f->cfg, .loop = &f->loop};
    pf_error err = {0};
    f->comp = pf_exporter_file_factory.create(&args, &err);
    pf_host host = {.loop = &f->loop};
    assert_false(f->comp->ops->start(f->comp, &host, &err));
    if (!strstr(err.msg, blocker)) fail_msg("error does not name the path: %s", err.msg);
    /* A component that failed to start still refuses data cleanly and can be destroyed. */
    assert_int_equal(pf_consumer_consume(&f->comp->consumer, export_test_batch(), &err), PF_RETRYABLE);
    assert_true(metric("otelcol_exporter_enqueue_failed_profile_samples", "file/bad") == EXPORT_TEST_SAMPLES);
    f->comp->ops->destroy(f->comp);
    free(blocker);
}

/* The directory vanishing under a running exporter: it is made again and nothing is lost, whether
 * no file was open (the next open fails with ENOENT) or the json-lines file in use went with it. */
static void test_directory_recreated(void **state)
{
    fixture *f = *state;
    set_format(f, "json");
    start(f, "file/gone");
    remove_tree(f->cfg.path);
    consume(f, tagged_batch(1, 0));
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_true(metric("otelcol_exporter_sent_profile_samples", "file/gone") == EXPORT_TEST_SAMPLES);
    assert_true(metric("otelcol_exporter_send_failed_profile_samples", "file/gone") == 0);

    remove_tree(f->cfg.path); /* the open file goes with it */
    consume(f, tagged_batch(2, 0));
    shutdown_and_destroy(f);
    char names[8][256];
    assert_int_equal(list_files(f, names, 8), 1);
    assert_true(metric("otelcol_exporter_sent_profile_samples", "file/gone") == 2 * EXPORT_TEST_SAMPLES);
    assert_true(metric("otelcol_exporter_send_failed_profile_samples", "file/gone") == 0);
}

/* A directory that cannot be made again (a regular file took its place): the batch is dropped and
 * counted with its real number of samples, also in pprof format where one batch is several files. */
static int64_t add_fixture(pf_batch *b, const char *file, const char *name);

static void test_write_failure_counts_dropped_samples(void **state)
{
    fixture *f = *state;
    set_format(f, "pprof");
    start(f, "file/blocked");
    remove_tree(f->cfg.path);
    FILE *fp = fopen(f->cfg.path, "w");
    assert_non_null(fp);
    fclose(fp);
    pf_batch *b = pf_batch_new();
    add_fixture(b, "cpu.pb.gz", "process_cpu");
    add_fixture(b, "allocs.pb.gz", "memory");
    size_t samples = pf_batch_sample_count(b);
    assert_true(samples > 0);
    consume(f, b);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_true(metric("otelcol_exporter_send_failed_profile_samples", "file/blocked") == (double)samples);
    assert_true(metric("otelcol_exporter_sent_profile_samples", "file/blocked") == 0);
    unlink(f->cfg.path);
    shutdown_and_destroy(f);
}

/* Sum of the first sample type's values of a gzipped pprof, and its sample type count. */
static int64_t pprof_total(const void *data, size_t len, size_t *n_types)
{
    pf_arena *a = pf_arena_create(1 << 16);
    pf_pprof pp;
    char err[256];
    if (!pf_pprof_parse(a, data, len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err))) fail_msg("%s", err);
    int64_t total = 0;
    for (size_t i = 0; i < pp.p->n_sample; i++) total += pp.p->sample[i]->value[0];
    *n_types = pp.p->n_sample_type;
    pf_arena_destroy(a);
    return total;
}

/* Adds the fixture pprof `file` to b as one scope named `name`; returns its first type's total. */
static int64_t add_fixture(pf_batch *b, const char *file, const char *name)
{
    char *rel = pf_xasprintf("pprof/go/%s", file);
    pf_buf raw = fixture_read(rel);
    free(rel);
    pf_pprof pp;
    char err[256];
    if (!pf_pprof_parse(b->arena, raw.data, raw.len, PF_PPROF_DEFAULT_MAX_BYTES, &pp, err, sizeof(err)))
        fail_msg("%s", err);
    pf_pprof_to_otlp(b, pf_batch_add_resource(b), &pp, name);
    size_t types;
    int64_t total = pprof_total(raw.data, raw.len, &types);
    pf_buf_free(&raw);
    return total;
}

static void test_pprof_one_file_per_profile_group(void **state)
{
    fixture *f = *state;
    set_format(f, "pprof");
    start(f, "file/pprof");
    pf_batch *b = pf_batch_new();
    int64_t cpu_total = add_fixture(b, "cpu.pb.gz", "process_cpu");
    int64_t alloc_total = add_fixture(b, "allocs.pb.gz", "../memory"); /* a name cannot leave the directory */
    size_t samples = pf_batch_sample_count(b);
    consume(f, b);
    shutdown_and_destroy(f);

    char names[8][256];
    assert_int_equal(list_files(f, names, 8), 2);
    const char *suffix[2] = {"-process_cpu.pb.gz", "-.._memory.pb.gz"};
    const int64_t totals[2] = {cpu_total, alloc_total};
    const size_t types[2] = {2, 4};
    for (size_t i = 0; i < 2; i++) {
        size_t len = strlen(names[i]), slen = strlen(suffix[i]);
        assert_true(len > slen);
        assert_string_equal(names[i] + len - slen, suffix[i]);
        pf_buf got = {0};
        read_file(f, names[i], &got);
        size_t n_types;
        assert_true(pprof_total(got.data, got.len, &n_types) == totals[i]);
        assert_int_equal(n_types, types[i]);
        pf_buf_free(&got);
    }
    assert_true(metric("otelcol_exporter_sent_profile_samples", "file/pprof") == (double)samples);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_proto_one_file_per_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_lines_decode_to_the_same_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_rotation_and_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proto_retention_counts_earlier_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_path_fails_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_recreated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure_counts_dropped_samples, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pprof_one_file_per_profile_group, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
