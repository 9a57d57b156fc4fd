/* persistent_queue.c — segment files, records, acknowledgements (see persistent_queue.h). */
#include "pipeline/storage/persistent_queue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pipeline/base/log.h"
#include "pipeline/base/xalloc.h"

#define DEFAULT_SEGMENT_SIZE (16u << 20)

struct pf_pq_segment {
    pf_pq *q;
    uint64_t seq;
    char *path, *ack_path;
    int fd, ack_fd;
    uint64_t size; /* next append offset = bytes written or reserved */
    size_t live;   /* records not acknowledged (pending writes included) */
    size_t ops;    /* operations in flight on this segment's files */
    bool current;
    /* fsync: writes completed and waiting for an fdatasync, and whether one is running. One
     * fdatasync covers every write that completed before it started (group commit). */
    struct op *sync_wait, *sync_wait_tail;
    bool syncing;
    struct pf_pq_segment *next;
};

struct pf_pq {
    uv_loop_t *loop;
    char *dir;
    char *owner;
    pf_pq_options opt;
    pf_pq_segment *segs; /* oldest first */
    pf_pq_segment *current;
    uint64_t next_seq;
    uint64_t disk_bytes;
    size_t in_flight;
    bool closing;
    void (*close_cb)(void *data);
    void *close_data;
    pf_log_limiter io_log;
};

enum op_kind { OP_WRITE, OP_SYNC, OP_READ, OP_ACK, OP_UNLINK };

typedef struct op {
    uv_fs_t req;
    pf_pq *q;
    enum op_kind kind;
    pf_pq_segment *seg;
    uint8_t *buf;
    size_t len;
    pf_pq_loc loc;
    pf_pq_write_cb write_cb;
    pf_pq_read_cb read_cb;
    void *ctx;
    struct op *next_sync; /* in the segment's sync_wait list, or in a group_sync's batch */
} op;

/* One fdatasync covering a batch of completed writes of a segment. */
typedef struct group_sync {
    uv_fs_t req;
    pf_pq_segment *seg;
    op *batch;
} group_sync;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p + 4) << 32 | get32(p); }

static uint32_t crc_of(const uint8_t *p, size_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)c;
}

void pf_pq_segment_name(uint64_t seq, char *out, size_t out_len)
{
    snprintf(out, out_len, "seg-%016llx.pfq", (unsigned long long)seq);
}

static uint64_t segment_limit(const pf_pq *q)
{
    if (q->opt.segment_size) return q->opt.segment_size;
    uint64_t s = DEFAULT_SEGMENT_SIZE;
    if (q->opt.max_size && q->opt.max_size / 4 < s) s = q->opt.max_size / 4;
    return s < 4096 ? 4096 : s;
}

/* ---------------------------------------------------------------- segments */

static pf_pq_segment *segment_new(pf_pq *q, uint64_t seq)
{
    pf_pq_segment *s = pf_xcalloc(1, sizeof(*s));
    char name[64];
    pf_pq_segment_name(seq, name, sizeof(name));
    s->q = q;
    s->seq = seq;
    s->path = pf_xasprintf("%s/%s", q->dir, name);
    s->ack_path = pf_xasprintf("%.*s.ack", (int)(strlen(s->path) - 4), s->path);
    s->fd = s->ack_fd = -1;
    return s;
}

static void segment_append_list(pf_pq *q, pf_pq_segment *s)
{
    pf_pq_segment **pp = &q->segs;
    while (*pp) pp = &(*pp)->next;
    *pp = s;
}

static void segment_free(pf_pq_segment *s)
{
    if (s->fd >= 0) close(s->fd);
    if (s->ack_fd >= 0) close(s->ack_fd);
    free(s->path);
    free(s->ack_path);
    free(s);
}

static void op_finished(pf_pq *q);
static void maybe_delete(pf_pq_segment *s);

static void on_unlinked(uv_fs_t *req)
{
    op *o = req->data;
    uv_fs_req_cleanup(req);
    pf_pq *q = o->q;
    free(o);
    op_finished(q);
}

static void unlink_async(pf_pq *q, const char *path)
{
    op *o = pf_xcalloc(1, sizeof(*o));
    o->q = q;
    o->kind = OP_UNLINK;
    o->req.data = o;
    q->in_flight++;
    if (uv_fs_unlink(q->loop, &o->req, path, on_unlinked) != 0) {
        free(o);
        q->in_flight--;
    }
}

/* Deletes a segment whose records are all acknowledged once nothing uses its files. */
static void maybe_delete(pf_pq_segment *s)
{
    pf_pq *q = s->q;
    if (s->live || s->ops || s->current) return;
    pf_pq_segment **pp = &q->segs;
    while (*pp && *pp != s) pp = &(*pp)->next;
    if (*pp) *pp = s->next;
    q->disk_bytes -= s->size < q->disk_bytes ? s->size : q->disk_bytes;
    if (s->fd >= 0) close(s->fd);
    if (s->ack_fd >= 0) close(s->ack_fd);
    s->fd = s->ack_fd = -1;
    unlink_async(q, s->path);
    unlink_async(q, s->ack_path);
    segment_free(s);
}

/* Opens a fresh segment for appends. False with why set. */
static bool open_current(pf_pq *q, char *why, size_t why_len)
{
    pf_pq_segment *s = segment_new(q, q->next_seq);
    s->fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (s->fd < 0) {
        snprintf(why, why_len, "cannot create %s: %s", s->path, strerror(errno));
        segment_free(s);
        return false;
    }
    uint8_t hdr[PF_PQ_HEADER_SIZE] = {0};
    memcpy(hdr, PF_PQ_MAGIC, 8);
    put32(hdr + 8, PF_PQ_FORMAT_VERSION);
    if (pwrite(s->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
        snprintf(why, why_len, "cannot write %s: %s", s->path, strerror(errno ? errno : ENOSPC));
        close(s->fd);
        s->fd = -1;
        unlink(s->path);
        segment_free(s);
        return false;
    }
    q->next_seq++;
    s->size = PF_PQ_HEADER_SIZE;
    s->current = true;
    q->disk_bytes += s->size;
    q->current = s;
    segment_append_list(q, s);
    return true;
}

static void retire_current(pf_pq *q)
{
    pf_pq_segment *s = q->current;
    if (!s) return;
    s->current = false;
    q->current = NULL;
    maybe_delete(s);
}

/* ---------------------------------------------------------------- async operations */

static void op_finished(pf_pq *q)
{
    q->in_flight--;
    if (q->closing && q->in_flight == 0) {
        while (q->segs) {
            pf_pq_segment *s = q->segs;
            q->segs = s->next;
            segment_free(s);
        }
        void (*cb)(void *) = q->close_cb;
        void *data = q->close_data;
        free(q->dir);
        free(q->owner);
        free(q);
        if (cb) cb(data);
    }
}

static void op_done(op *o)
{
    pf_pq *q = o->q;
    pf_pq_segment *s = o->seg;
    free(o->buf);
    free(o);
    if (s) {
        s->ops--;
        maybe_delete(s);
    }
    op_finished(q);
}

static op *op_new(pf_pq *q, enum op_kind kind, pf_pq_segment *s)
{
    op *o = pf_xcalloc(1, sizeof(*o));
    o->q = q;
    o->kind = kind;
    o->seg = s;
    o->req.data = o;
    q->in_flight++;
    if (s) s->ops++;
    return o;
}

static void write_finished(op *o, bool ok, const char *why)
{
    if (!ok) {
        o->seg->live--;
        pf_log_limited(&o->q->io_log, 10, PF_LOG_ERROR, o->q->owner, "persistent queue: %s", why);
    }
    o->write_cb(o->ctx, ok, o->loc, why);
    op_done(o);
}

static void start_group_sync(pf_pq_segment *seg);

static void on_group_synced(uv_fs_t *req)
{
    group_sync *g = req->data;
    pf_pq_segment *seg = g->seg;
    pf_pq *q = seg->q;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    char why[300] = "";
    if (r < 0) snprintf(why, sizeof(why), "fsync %s: %s", seg->path, uv_strerror((int)r));
    for (op *o = g->batch, *next; o; o = next) {
        next = o->next_sync;
        write_finished(o, r >= 0, r < 0 ? why : NULL);
    }
    seg->syncing = false;
    if (seg->sync_wait) start_group_sync(seg);
    free(g);
    seg->ops--; /* the group's own hold, released last so seg outlives the loop above */
    maybe_delete(seg);
    op_finished(q);
}

static void start_group_sync(pf_pq_segment *seg)
{
    pf_pq *q = seg->q;
    group_sync *g = pf_xcalloc(1, sizeof(*g));
    g->seg = seg;
    g->batch = seg->sync_wait;
    g->req.data = g;
    seg->sync_wait = seg->sync_wait_tail = NULL;
    seg->syncing = true;
    seg->ops++;
    q->in_flight++;
    if (uv_fs_fdatasync(q->loop, &g->req, seg->fd, on_group_synced) != 0) {
        g->req.result = UV_EIO;
        on_group_synced(&g->req);
    }
}

static void on_written(uv_fs_t *req)
{
    op *o = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0 || (size_t)r != o->len) {
        char why[300];
        snprintf(why, sizeof(why), "write %s: %s", o->seg->path,
                 r < 0 ? uv_strerror((int)r) : "short write (disk full?)");
        write_finished(o, false, why);
        return;
    }
    if (o->q->opt.fsync) {
        /* Group commit: wait for the next fdatasync of the segment (started now when none runs). */
        pf_pq_segment *seg = o->seg;
        o->kind = OP_SYNC;
        o->next_sync = NULL;
        if (seg->sync_wait_tail)
            seg->sync_wait_tail->next_sync = o;
        else
            seg->sync_wait = o;
        seg->sync_wait_tail = o;
        if (!seg->syncing) start_group_sync(seg);
        return;
    }
    write_finished(o, true, NULL);
}

bool pf_pq_has_room(const pf_pq *q, size_t len)
{
    if (!q->opt.max_size) return true;
    uint64_t need = PF_PQ_RECORD_HEADER + len;
    if (!q->current || q->current->size + need > segment_limit(q)) need += PF_PQ_HEADER_SIZE;
    return q->disk_bytes + need <= q->opt.max_size;
}

bool pf_pq_append(pf_pq *q, const uint8_t *data, size_t len, pf_pq_write_cb cb, void *ctx, char *why, size_t why_len)
{
    if (len > UINT32_MAX - 64) {
        snprintf(why, why_len, "record of %zu bytes is too large for the queue format", len);
        return false;
    }
    if (!pf_pq_has_room(q, len)) {
        snprintf(why, why_len, "persistent queue is full (max_size %llu bytes, %llu in use)",
                 (unsigned long long)q->opt.max_size, (unsigned long long)q->disk_bytes);
        return false;
    }
    if (q->current && q->current->size > PF_PQ_HEADER_SIZE &&
        q->current->size + PF_PQ_RECORD_HEADER + len > segment_limit(q))
        retire_current(q);
    if (!q->current && !open_current(q, why, why_len)) {
        pf_log_limited(&q->io_log, 10, PF_LOG_ERROR, q->owner, "persistent queue: %s", why);
        return false;
    }
    pf_pq_segment *s = q->current;
    op *o = op_new(q, OP_WRITE, s);
    o->len = PF_PQ_RECORD_HEADER + len;
    o->buf = pf_xmalloc(o->len);
    put32(o->buf, PF_PQ_RECORD_MARKER);
    put32(o->buf + 4, (uint32_t)len);
    put32(o->buf + 8, crc_of(data, len));
    memcpy(o->buf + PF_PQ_RECORD_HEADER, data, len);
    o->loc = (pf_pq_loc){s, s->size, (uint32_t)len};
    o->write_cb = cb;
    o->ctx = ctx;
    s->size += o->len;
    s->live++;
    q->disk_bytes += o->len;
    uv_buf_t b = uv_buf_init((char *)o->buf, (unsigned)o->len);
    int rc = uv_fs_write(q->loop, &o->req, s->fd, &b, 1, (int64_t)o->loc.offset, on_written);
    if (rc != 0) {
        /* Never happens with a callback; kept so a failure still reports from the loop. */
        s->live--;
        snprintf(why, why_len, "write could not be started: %s", uv_strerror(rc));
        free(o->buf);
        free(o);
        s->ops--;
        q->in_flight--;
        return false;
    }
    return true;
}

static void on_read(uv_fs_t *req)
{
    op *o = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    char why[300] = "";
    bool ok = false;
    if (r < 0)
        snprintf(why, sizeof(why), "read %s: %s", o->seg->path, uv_strerror((int)r));
    else if ((size_t)r != o->len)
        snprintf(why, sizeof(why), "%s: record at offset %llu is truncated", o->seg->path,
                 (unsigned long long)o->loc.offset);
    else if (get32(o->buf) != PF_PQ_RECORD_MARKER || get32(o->buf + 4) != o->loc.len ||
             get32(o->buf + 8) != crc_of(o->buf + PF_PQ_RECORD_HEADER, o->loc.len))
        snprintf(why, sizeof(why), "%s: record at offset %llu fails its checksum", o->seg->path,
                 (unsigned long long)o->loc.offset);
    else
        ok = true;
    o->read_cb(o->ctx, ok, ok ? o->buf + PF_PQ_RECORD_HEADER : NULL, ok ? o->loc.len : 0, ok ? NULL : why);
    op_done(o);
}

void pf_pq_read(pf_pq *q, pf_pq_loc loc, pf_pq_read_cb cb, void *ctx)
{
    op *o = op_new(q, OP_READ, loc.seg);
    o->loc = loc;
    o->len = PF_PQ_RECORD_HEADER + loc.len;
    o->buf = pf_xmalloc(o->len);
    o->read_cb = cb;
    o->ctx = ctx;
    uv_buf_t b = uv_buf_init((char *)o->buf, (unsigned)o->len);
    if (uv_fs_read(q->loop, &o->req, loc.seg->fd, &b, 1, (int64_t)loc.offset, on_read) != 0) {
        o->req.result = UV_EIO;
        on_read(&o->req);
    }
}

static void on_ack_written(uv_fs_t *req)
{
    op *o = req->data;
    if (req->result < 0)
        pf_log_limited(&o->q->io_log, 10, PF_LOG_WARN, o->q->owner,
                       "persistent queue: writing %s failed (%s); the record may be sent again after a restart",
                       o->seg->ack_path, uv_strerror((int)req->result));
    uv_fs_req_cleanup(req);
    op_done(o);
}

void pf_pq_ack(pf_pq *q, pf_pq_loc loc)
{
    pf_pq_segment *s = loc.seg;
    if (s->live) s->live--;
    bool drained = s->live == 0;
    if (drained && s->current && s->size > PF_PQ_HEADER_SIZE) {
        /* The queue drained: start a new segment with the next record, so this one can go. */
        retire_current(q);
        return;
    }
    if (drained && !s->current) {
        maybe_delete(s);
        return;
    }
    if (s->ack_fd < 0) s->ack_fd = open(s->ack_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (s->ack_fd < 0) {
        pf_log_limited(&q->io_log, 10, PF_LOG_WARN, q->owner,
                       "persistent queue: cannot open %s (%s); the record may be sent again after a restart",
                       s->ack_path, strerror(errno));
        return;
    }
    op *o = op_new(q, OP_ACK, s);
    o->len = 8;
    o->buf = pf_xmalloc(8);
    put32(o->buf, (uint32_t)loc.offset);
    put32(o->buf + 4, (uint32_t)(loc.offset >> 32));
    uv_buf_t b = uv_buf_init((char *)o->buf, 8);
    if (uv_fs_write(q->loop, &o->req, s->ack_fd, &b, 1, -1, on_ack_written) != 0) {
        o->req.result = UV_EIO;
        on_ack_written(&o->req);
    }
}

uint64_t pf_pq_disk_bytes(const pf_pq *q) { return q->disk_bytes; }
size_t pf_pq_in_flight(const pf_pq *q) { return q->in_flight; }

void pf_pq_close(pf_pq *q, void (*cb)(void *data), void *data)
{
    q->closing = true;
    q->close_cb = cb;
    q->close_data = data;
    q->in_flight++; /* released below, so the free happens in one place */
    op_finished(q);
}

/* ---------------------------------------------------------------- recovery */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t *read_acks(const char *path, size_t *n)
{
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    uint64_t *v = NULL;
    if (fstat(fd, &st) == 0 && st.st_size >= 8) {
        size_t count = (size_t)st.st_size / 8; /* a torn last entry is ignored */
        uint8_t *raw = pf_xmalloc(count * 8);
        ssize_t got = pread(fd, raw, count * 8, 0);
        if (got > 0) {
            count = (size_t)got / 8;
            v = pf_xmalloc((count ? count : 1) * sizeof(*v));
            for (size_t i = 0; i < count; i++) v[i] = get64(raw + i * 8);
            qsort(v, count, sizeof(*v), cmp_u64);
            *n = count;
        }
        free(raw);
    }
    close(fd);
    return v;
}

static bool acked(const uint64_t *acks, size_t n, uint64_t off)
{
    return n && bsearch(&off, acks, n, sizeof(*acks), cmp_u64) != NULL;
}

static int cmp_seq(const void *a, const void *b) { return cmp_u64(a, b); }

/* Scans one segment; returns false when it is not a segment of ours (moved aside by the caller). */
static bool scan_segment(pf_pq *q, pf_pq_segment *s, const uint8_t *m, size_t size, pf_pq_recover_cb cb, void *ctx,
                         pf_pq_stats *stats)
{
    if (size < PF_PQ_HEADER_SIZE || memcmp(m, PF_PQ_MAGIC, 8) != 0 || get32(m + 8) != PF_PQ_FORMAT_VERSION)
        return false;
    size_t n_acks;
    uint64_t *acks = read_acks(s->ack_path, &n_acks);
    size_t off = PF_PQ_HEADER_SIZE, corrupt = 0, first_bad = 0;
    const char *first_why = NULL;
    while (off < size) {
        const char *why = NULL;
        if (size - off < PF_PQ_RECORD_HEADER)
            why = "truncated record header";
        else if (get32(m + off) != PF_PQ_RECORD_MARKER)
            why = "no record marker";
        else {
            uint32_t len = get32(m + off + 4);
            if (len > size - off - PF_PQ_RECORD_HEADER)
                why = "record truncated";
            else if (get32(m + off + 8) != crc_of(m + off + PF_PQ_RECORD_HEADER, len))
                why = "checksum mismatch";
            else {
                pf_pq_loc loc = {s, off, len};
                if (acked(acks, n_acks, off))
                    stats->acked_skipped++;
                else {
                    s->live++;
                    stats->records++;
                    cb(ctx, loc, m + off + PF_PQ_RECORD_HEADER, len);
                }
                off += PF_PQ_RECORD_HEADER + len;
                continue;
            }
        }
        /* Damaged: count it, then resynchronise on the next marker that starts a valid record. */
        if (!corrupt++) {
            first_bad = off;
            first_why = why;
        }
        size_t next = off + 1;
        for (; next + PF_PQ_RECORD_HEADER <= size; next++) {
            if (get32(m + next) != PF_PQ_RECORD_MARKER) continue;
            uint32_t len = get32(m + next + 4);
            if (len <= size - next - PF_PQ_RECORD_HEADER &&
                get32(m + next + 8) == crc_of(m + next + PF_PQ_RECORD_HEADER, len))
                break;
        }
        off = next + PF_PQ_RECORD_HEADER <= size ? next : size;
    }
    if (corrupt) {
        stats->corrupt += corrupt;
        pf_log(PF_LOG_WARN, q->owner,
               "persistent queue: %s: skipped %zu corrupt or truncated record(s) (first at offset %zu: %s); the "
               "records after them are kept",
               s->path, corrupt, first_bad, first_why);
    }
    free(acks);
    return true;
}

pf_pq *pf_pq_open(uv_loop_t *loop, const char *dir, const pf_pq_options *opt, pf_pq_recover_cb cb, void *ctx,
                  pf_pq_stats *stats, char *err, size_t err_len)
{
    *stats = (pf_pq_stats){0};
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, err_len, "cannot open directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, err_len, "directory %s is not writable: %s", dir, strerror(errno));
        closedir(d);
        return NULL;
    }
    pf_pq *q = pf_xcalloc(1, sizeof(*q));
    q->loop = loop;
    q->dir = pf_xstrdup(dir);
    q->opt = *opt;
    q->owner = pf_xstrdup(opt->owner ? opt->owner : "persistent_queue");
    q->opt.owner = q->owner;

    uint64_t *seqs = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        unsigned long long seq;
        char tail[8];
        if (sscanf(e->d_name, "seg-%16llx.%4s", &seq, tail) == 2 && strcmp(tail, "pfq") == 0 &&
            strlen(e->d_name) == 24) {
            seqs = pf_xrealloc(seqs, (n + 1) * sizeof(*seqs));
            seqs[n++] = seq;
        }
    }
    closedir(d);
    if (n) qsort(seqs, n, sizeof(*seqs), cmp_seq);
    for (size_t i = 0; i < n; i++) {
        pf_pq_segment *s = segment_new(q, seqs[i]);
        if (seqs[i] >= q->next_seq) q->next_seq = seqs[i] + 1;
        s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (s->fd < 0 || fstat(s->fd, &st) != 0) {
            pf_log(PF_LOG_WARN, q->owner, "persistent queue: cannot read %s: %s; left as it is", s->path,
                   strerror(errno));
            segment_free(s);
            continue;
        }
        size_t size = (size_t)st.st_size;
        const uint8_t *m = NULL;
        if (size > 0) {
            void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, s->fd, 0);
            m = p == MAP_FAILED ? NULL : p;
        }
        bool ours = m && scan_segment(q, s, m, size, cb, ctx, stats);
        if (m) munmap((void *)m, size);
        if (!ours) {
            char *aside = pf_xasprintf("%s.unsupported", s->path);
            stats->unsupported_files++;
            pf_log(PF_LOG_WARN, q->owner,
                   "persistent queue: %s is not a proflow queue segment of format version %d (another proflow "
                   "version or not a queue file); renamed to %s and not read",
                   s->path, PF_PQ_FORMAT_VERSION, aside);
            if (rename(s->path, aside) != 0)
                pf_log(PF_LOG_WARN, q->owner, "persistent queue: cannot rename %s: %s", s->path, strerror(errno));
            free(aside);
            segment_free(s);
            continue;
        }
        s->size = size;
        q->disk_bytes += size;
        segment_append_list(q, s);
    }
    free(seqs);
    /* Segments with nothing left to send go now (compaction at start). */
    for (pf_pq_segment *s = q->segs, *next; s; s = next) {
        next = s->next;
        maybe_delete(s);
    }
    return q;
}
