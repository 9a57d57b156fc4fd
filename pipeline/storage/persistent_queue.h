/* persistent_queue.h — the on-disk part of a persistent sending queue (sending_queue.storage): an
 * append-only log of records in segment files, with acknowledgements kept beside them.
 *
 * Files in the queue directory (one directory per exporter):
 *   seg-<16 hex digits>.pfq   segment: a 16-byte header, then records
 *       header  "PFQUEUE\n" (8 bytes), u32 format version (PF_PQ_FORMAT_VERSION), u32 reserved (0)
 *       record  u32 marker 0x52514650 ("PFQR"), u32 length, u32 CRC-32 (zlib) of the data, data
 *   seg-<same>.ack            acknowledgements: the u64 offset of every record delivered (8 bytes each)
 * All integers little-endian. A segment is deleted (with its .ack) once every record in it is
 * acknowledged and it is no longer the one being written.
 *
 * Recovery (pf_pq_open): every segment is read in order; a record is live when its CRC matches and
 * its offset is not in the .ack file. A record that is truncated or fails its CRC is skipped,
 * counted and logged once per file; the scan resynchronises on the next marker, so the records
 * after a damaged one are kept. A segment whose header is not ours or has another format version is
 * left on disk renamed to <name>.unsupported (logged, counted) and never read again.
 *
 * Writes (pf_pq_append) go through libuv's threadpool (uv_fs_write, then, when fsync is on, an
 * fdatasync of the segment that covers every write completed before it started: group commit, so
 * concurrent writes share one): the callback says whether the record is on disk. Reads likewise (pf_pq_read). A bound on the
 * bytes of all segments (max_size) is enforced before a write starts: pf_pq_append then fails at
 * once with ENOSPC, as a write to a full disk fails in its callback.
 *
 * Loop thread only. Ownership: pf_pq_close() waits for every operation in flight, then frees. */
#ifndef PF_PERSISTENT_QUEUE_H
#define PF_PERSISTENT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define PF_PQ_FORMAT_VERSION 1
#define PF_PQ_MAGIC          "PFQUEUE\n"
#define PF_PQ_HEADER_SIZE    16
#define PF_PQ_RECORD_MARKER  0x52514650u
#define PF_PQ_RECORD_HEADER  12

typedef struct pf_pq pf_pq;
typedef struct pf_pq_segment pf_pq_segment;

/* Where a record lives. */
typedef struct pf_pq_loc {
    pf_pq_segment *seg;
    uint64_t offset; /* of the record header */
    uint32_t len;    /* data bytes */
} pf_pq_loc;

typedef struct pf_pq_options {
    bool fsync;
    uint64_t max_size;     /* bytes of all segment files; 0 = unlimited */
    uint64_t segment_size; /* start a new segment beyond this; 0 = 16 MiB (or max_size / 4) */
    bool compact_on_start; /* copy live records of partly acknowledged segments into a new one */
    const char *owner;     /* component id for logs */
} pf_pq_options;

/* What recovery found. */
typedef struct pf_pq_stats {
    size_t records;           /* live records */
    size_t acked_skipped;     /* records already acknowledged */
    size_t corrupt;           /* records skipped: bad CRC, bad length, truncated */
    size_t unsupported_files; /* segments of another format version or not ours */
} pf_pq_stats;

/* Called for every live record found at open, in queue order. `data` is the record, valid during
 * the call only. */
typedef void (*pf_pq_recover_cb)(void *ctx, pf_pq_loc loc, const uint8_t *data, size_t len);

/* Opens (creating the files it needs in) `dir`, which must exist. Recovery runs synchronously.
 * NULL with err set when the directory cannot be used. */
pf_pq *pf_pq_open(uv_loop_t *loop, const char *dir, const pf_pq_options *opt, pf_pq_recover_cb cb, void *ctx,
                  pf_pq_stats *stats, char *err, size_t err_len);

/* ok=false: `why` says what failed (errno text); the record is not in the queue. */
typedef void (*pf_pq_write_cb)(void *ctx, bool ok, pf_pq_loc loc, const char *why);
/* Appends one record (the data is copied): true when the write started, cb then runs from the loop
 * once it is on disk or failed. False with `why` set when it cannot start (max_size reached, no
 * segment file could be created); cb never runs then. */
bool pf_pq_append(pf_pq *q, const uint8_t *data, size_t len, pf_pq_write_cb cb, void *ctx, char *why, size_t why_len);
/* Would a record of `len` data bytes fit under max_size now? */
bool pf_pq_has_room(const pf_pq *q, size_t len);

/* ok=false: the record could not be read or failed its CRC (`why`). data is valid during the call. */
typedef void (*pf_pq_read_cb)(void *ctx, bool ok, const uint8_t *data, size_t len, const char *why);
void pf_pq_read(pf_pq *q, pf_pq_loc loc, pf_pq_read_cb cb, void *ctx);

/* Marks a record delivered (or dropped for good). */
void pf_pq_ack(pf_pq *q, pf_pq_loc loc);

/* Bytes of all segment files, written or being written. */
uint64_t pf_pq_disk_bytes(const pf_pq *q);
/* Operations in flight (writes, reads, acks, unlinks). */
size_t pf_pq_in_flight(const pf_pq *q);

/* Waits for every operation in flight, closes the files and frees q; cb (may be NULL) runs then. */
void pf_pq_close(pf_pq *q, void (*cb)(void *data), void *data);

/* Segment file name for a sequence number (for tests): "seg-%016llx.pfq". */
void pf_pq_segment_name(uint64_t seq, char *out, size_t out_len);

#endif
