/* test_persistent_queue.c — the persistent queue's file format (pipeline/storage/persistent_queue.h) and the
 * payload record (pipeline/model/payload.h): records survive a reopen in order, acknowledged ones do not,
 * damaged ones (truncated, corrupted, garbage appended) are skipped and counted without losing the
 * records after them, files of another format version are set aside, max_size refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/model/payload.h"
#include "pipeline/storage/persistent_queue.h"

#define MAX_REC 64

typedef struct fixture {
    uv_loop_t loop;
    char dir[64];
    pf_pq *q;
    pf_pq_stats stats;
    /* recovered */
    size_t n;
    char data[MAX_REC][64];
    pf_pq_loc locs[MAX_REC];
    /* appends */
    size_t written, failed;
    pf_pq_loc wlocs[MAX_REC];
} fixture;

static void on_recovered(void *ctx, pf_pq_loc loc, const uint8_t *data, size_t len)
{
    fixture *f = ctx;
    assert_true(f->n < MAX_REC && len < 64);
    memcpy(f->data[f->n], data, len);
    f->data[f->n][len] = '\0';
    f->locs[f->n++] = loc;
}

static void on_written(void *ctx, bool ok, pf_pq_loc loc, const char *why)
{
    fixture *f = ctx;
    (void)why;
    if (ok)
        f->wlocs[f->written++] = loc;
    else
        f->failed++;
}

static void open_q(fixture *f, uint64_t max_size)
{
    f->n = 0;
    pf_pq_options opt = {.fsync = true, .max_size = max_size, .segment_size = 200, .owner = "test"};
    char err[256];
    f->q = pf_pq_open(&f->loop, f->dir, &opt, on_recovered, f, &f->stats, err, sizeof(err));
    if (!f->q) fail_msg("%s", err);
}

static void close_q(fixture *f)
{
    pf_pq_close(f->q, NULL, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    f->q = NULL;
}

static void append(fixture *f, const char *s)
{
    char why[256];
    assert_true(pf_pq_append(f->q, (const uint8_t *)s, strlen(s), on_written, f, why, sizeof(why)));
    uv_run(&f->loop, UV_RUN_DEFAULT);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    uv_loop_init(&f->loop);
    snprintf(f->dir, sizeof(f->dir), "/tmp/proflow-pq-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->q) close_q(f);
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(f->dir);
    uv_loop_close(&f->loop);
    free(f);
    return 0;
}

static size_t count_files(const fixture *f, const char *suffix)
{
    size_t n = 0;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0) n++;
    }
    closedir(d);
    return n;
}

static void segment_path(const fixture *f, uint64_t seq, char *out, size_t len)
{
    char name[64];
    pf_pq_segment_name(seq, name, sizeof(name));
    snprintf(out, len, "%s/%s", f->dir, name);
}

static void test_records_survive_reopen_in_order(void **state)
{
    fixture *f = *state;
    open_q(f, 0);
    char rec[32];
    for (int i = 0; i < 20; i++) {
        snprintf(rec, sizeof(rec), "record-%02d", i);
        append(f, rec);
    }
    assert_int_equal(f->written, 20);
    assert_true(count_files(f, ".pfq") > 1); /* segment_size 200: several segments */
    close_q(f);
    open_q(f, 0);
    assert_int_equal(f->n, 20);
    assert_int_equal(f->stats.corrupt, 0);
    for (int i = 0; i < 20; i++) {
        snprintf(rec, sizeof(rec), "record-%02d", i);
        assert_string_equal(f->data[i], rec);
    }
}

static void test_acknowledged_records_are_not_recovered(void **state)
{
    fixture *f = *state;
    open_q(f, 0);
    for (int i = 0; i < 20; i++) append(f, "0123456789abcdef");
    for (int i = 0; i < 15; i++) pf_pq_ack(f->q, f->wlocs[i]);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    close_q(f);
    open_q(f, 0);
    assert_int_equal(f->n, 5);
    close_q(f);
    open_q(f, 0);
    for (size_t i = 0; i < 5; i++) pf_pq_ack(f->q, f->locs[i]);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    /* Every record delivered: no segment file is left but the one still being written. */
    assert_true(count_files(f, ".pfq") <= 1);
    close_q(f);
    open_q(f, 0);
    assert_int_equal(f->n, 0);
    assert_int_equal(count_files(f, ".pfq"), 0);
}

static void test_truncated_record_is_skipped(void **state)
{
    fixture *f = *state;
    open_q(f, 0);
    append(f, "first-record");
    append(f, "second-record");
    close_q(f);
    char path[256];
    segment_path(f, 0, path, sizeof(path));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 5), 0); /* in the middle of the second record */
    open_q(f, 0);
    assert_int_equal(f->n, 1);
    assert_string_equal(f->data[0], "first-record");
    assert_int_equal(f->stats.corrupt, 1);
}

static void test_corrupt_record_keeps_the_ones_after_it(void **state)
{
    fixture *f = *state;
    open_q(f, 0);
    append(f, "aaaa");
    append(f, "bbbb");
    append(f, "cccc");
    close_q(f);
    char path[256];
    segment_path(f, 0, path, sizeof(path));
    FILE *fp = fopen(path, "r+b");
    /* header 16 + record "aaaa" (12 + 4) = 32: the second record's data starts at 32 + 12. */
    fseek(fp, 32 + 12 + 1, SEEK_SET);
    fputc('X', fp);
    fclose(fp);
    open_q(f, 0);
    assert_int_equal(f->n, 2);
    assert_string_equal(f->data[0], "aaaa");
    assert_string_equal(f->data[1], "cccc");
    assert_int_equal(f->stats.corrupt, 1);
}

static void test_garbage_appended_is_skipped(void **state)
{
    fixture *f = *state;
    open_q(f, 0);
    append(f, "kept-1");
    append(f, "kept-2");
    close_q(f);
    char path[256];
    segment_path(f, 0, path, sizeof(path));
    FILE *fp = fopen(path, "ab");
    fputs("\x50\x46\x51\x52garbage that is not a record at all", fp);
    fclose(fp);
    open_q(f, 0);
    assert_int_equal(f->n, 2);
    assert_int_equal(f->stats.corrupt, 1);
    /* New records still go in and come back. */
    append(f, "kept-3");
    close_q(f);
    open_q(f, 0);
    assert_int_equal(f->n, 3);
    assert_string_equal(f->data[2], "kept-3");
}

static void test_other_format_version_is_set_aside(void **state)
{
    fixture *f = *state;
    char path[256];
    segment_path(f, 7, path, sizeof(path));
    FILE *fp = fopen(path, "wb");
    fwrite(PF_PQ_MAGIC, 1, 8, fp);
    uint8_t version[8] = {99, 0, 0, 0, 0, 0, 0, 0};
    fwrite(version, 1, 8, fp);
    fputs("records of a future format", fp);
    fclose(fp);
    open_q(f, 0);
    assert_int_equal(f->n, 0);
    assert_int_equal(f->stats.unsupported_files, 1);
    assert_int_equal(count_files(f, ".unsupported"), 1);
    /* The queue works and does not reuse the set-aside sequence number. */
    append(f, "new");
    assert_int_equal(f->written, 1);
    close_q(f);
    open_q(f, 0);
    assert_int_equal(f->n, 1);
}

static void test_max_size_refuses(void **state)
{
    fixture *f = *state;
    open_q(f, 4096);
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char why[256];
    size_t ok = 0;
    for (int i = 0; i < 10; i++) {
        if (!pf_pq_append(f->q, (const uint8_t *)big, strlen(big), on_written, f, why, sizeof(why))) break;
        ok++;
        uv_run(&f->loop, UV_RUN_DEFAULT);
    }
    assert_true(ok >= 2 && ok < 10);
    assert_non_null(strstr(why, "full"));
    assert_true(pf_pq_disk_bytes(f->q) <= 4096);
    assert_false(pf_pq_has_room(f->q, strlen(big)));
    /* Delivering frees room. */
    for (size_t i = 0; i < f->written; i++) pf_pq_ack(f->q, f->wlocs[i]);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_true(pf_pq_has_room(f->q, strlen(big)));
}

static void test_unusable_directory(void **state)
{
    fixture *f = *state;
    char path[256];
    snprintf(path, sizeof(path), "%s/not-a-dir", f->dir);
    FILE *fp = fopen(path, "w");
    fclose(fp);
    pf_pq_options opt = {.owner = "test"};
    char err[256];
    pf_pq_stats st;
    assert_null(pf_pq_open(&f->loop, path, &opt, on_recovered, f, &st, err, sizeof(err)));
    assert_non_null(strstr(err, path));
}

static void test_payload_record_roundtrip(void **state)
{
    (void)state;
    pf_buf body = {0};
    pf_buf_append(&body, "\x1f\x8b\x00\x01", 4);
    pf_payload *p = pf_payload_new(&body, "application/x-protobuf", "gzip", "push\ntenant-a", 42, 3);
    pf_buf rec = {0};
    pf_payload_serialize(p, &rec);
    char err[256];
    pf_payload *q = pf_payload_deserialize((const uint8_t *)rec.data, rec.len, err, sizeof(err));
    assert_non_null(q);
    assert_int_equal(q->len, 4);
    assert_memory_equal(q->data, p->data, 4);
    assert_string_equal(q->content_type, "application/x-protobuf");
    assert_string_equal(q->content_encoding, "gzip");
    assert_string_equal(q->meta, "push\ntenant-a");
    assert_int_equal(q->samples, 42);
    assert_int_equal(q->profiles, 3);
    rec.data[0] = 9; /* another record version */
    assert_null(pf_payload_deserialize((const uint8_t *)rec.data, rec.len, err, sizeof(err)));
    assert_non_null(strstr(err, "another proflow version"));
    rec.data[0] = PF_PAYLOAD_RECORD_VERSION;
    assert_null(pf_payload_deserialize((const uint8_t *)rec.data, rec.len - 1, err, sizeof(err)));
    pf_buf_free(&rec);
    pf_payload_unref(p);
    pf_payload_unref(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_records_survive_reopen_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acknowledged_records_are_not_recovered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_record_is_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_record_keeps_the_ones_after_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_appended_is_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_format_version_is_set_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_size_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unusable_directory, setup, teardown),
        cmocka_unit_test(test_payload_record_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
