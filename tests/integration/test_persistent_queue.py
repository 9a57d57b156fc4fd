"""Persistent sending queue (file_storage + sending_queue.storage), with real OTLP requests (Go heap
profiles converted to OTLP) counted per request by Python protobuf at the backend:

- kill -9 while clients are sending and the backend is down, then restart with the backend up:
  every acknowledged request arrives, complete;
- kill -9 while sends are in progress (the backend has the bytes but has not answered): the
  unacknowledged records are sent again after the restart — duplicates, counted, nothing lost;
- SIGTERM with the backend down exits promptly and keeps the queue on disk for the next start;
- faults: max_size reached and a directory that cannot be used answer 503 (and recover), a record
  truncated in the middle and garbage appended are skipped and counted while the other records
  arrive, a segment of another format version is set aside; never a crash."""
import glob
import os
import shutil
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import Proflow, free_port, metric, wait_until  # noqa: E402
import overload_lib as ol  # noqa: E402

REQUESTS = ol.make_requests(80, copies=100, seed=2)  # ~220 KB, 16000 samples each
EXPECTED = {rid: n for rid, _, n in REQUESTS}


def config(http_port, metrics_port, backend_port, directory, fsync=True, max_size="1GiB", processors="[batch]"):
    return f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{http_port}}}
processors:
  batch:
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{backend_port}
    timeout: 30s
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}}
    sending_queue: {{storage: file_storage/q, num_consumers: 4}}
extensions:
  file_storage/q:
    directory: {directory}
    fsync: {str(fsync).lower()}
    max_size: {max_size}
service:
  extensions: [file_storage/q]
  pipelines:
    profiles: {{receivers: [otlp], processors: {processors}, exporters: [otlphttp]}}
  telemetry: {{metrics: {{address: 127.0.0.1:{metrics_port}}}}}
"""


class Setup:
    def __init__(self, **kw):
        self.http, self.metrics, self.backend = free_port(), free_port(), free_port()
        self.dir = tempfile.mkdtemp(prefix="proflow-pq-")
        self.queue_dir = os.path.join(self.dir, "queue")
        os.mkdir(self.queue_dir)
        self.kw = kw

    def start(self):
        return Proflow(config(self.http, self.metrics, self.backend, self.queue_dir, **self.kw),
                       wait_ports=[self.http, self.metrics], workdir=tempfile.mkdtemp(dir=self.dir))

    def segments(self):
        return sorted(glob.glob(os.path.join(self.queue_dir, "exporter_otlphttp", "seg-*.pfq")))


def kill9(pf):
    pf.proc.send_signal(signal.SIGKILL)
    pf.proc.wait()
    pf.log.close()


def drain(tc, s, pf):
    wait_until(lambda: metric(pf.metrics(s.metrics), "otelcol_exporter_queue_size", exporter="otlphttp") == 0 and
               metric(pf.metrics(s.metrics), "proflow_exporter_queue_memory_bytes", exporter="otlphttp") == 0,
               "the persistent queue to drain", timeout=120)


def sent(pf, port):
    return metric(pf.metrics(port), "otelcol_exporter_sent_profile_samples", exporter="otlphttp")


class PersistentQueueTest(unittest.TestCase):
    def test_kill9_while_sending_requests_with_backend_down(self):
        s = Setup()
        pf = s.start()
        load = ol.Load(s.http, REQUESTS[:60], conns=6, rate=30).start()
        wait_until(lambda: len(load.results) >= 20, "20 answers")
        kill9(pf)  # in the middle of the load
        results = load.wait()
        acked = ol.acked(results)
        self.assertGreaterEqual(len(acked), 20)
        self.assertTrue(all(st in (200, 0) for st, _ in results.values()), set(results.values()))
        self.assertTrue(s.segments(), "nothing on disk")

        sink = ol.Sink(s.backend)
        try:
            with s.start() as pf2:
                m = pf2.wait_metrics(s.metrics, lambda m: metric(
                    m, "proflow_exporter_queue_recovered_profile_samples", exporter="otlphttp") > 0)
                recovered = metric(m, "proflow_exporter_queue_recovered_profile_samples", exporter="otlphttp")
                self.assertGreaterEqual(recovered, sum(EXPECTED[r] for r in acked))
                wait_until(lambda: sent(pf2, s.metrics) >= recovered, "the recovered records to be sent")
                self.assertEqual(ol.check_delivered(self, sink, EXPECTED, acked), 0)
                self.assertIn("resuming", pf2.logs())
        finally:
            sink.stop()

    def test_kill9_during_sends_resends_them(self):
        s = Setup()
        sink = ol.Sink(s.backend, stall_s=5)  # takes the bytes, answers 5 s later
        try:
            pf = s.start()
            results = ol.Load(s.http, REQUESTS[:12], conns=4).run()
            acked = ol.acked(results)
            self.assertEqual(len(acked), 12, set(results.values()))
            wait_until(lambda: sink.requests >= 4, "sends in progress at the backend")
            kill9(pf)
            in_flight = set(sink.snapshot())
            sink.stall_s = 0
            with s.start() as pf2:
                wait_until(lambda: all(sink.snapshot().get(r, 0) >= EXPECTED[r] for r in acked),
                           "every acknowledged request at the backend", timeout=120)
                drain(self, s, pf2)
            dups = ol.check_delivered(self, sink, EXPECTED, acked)
            # At-least-once: what was being sent at the crash was sent again, and nothing else was.
            self.assertGreaterEqual(dups, 1)
            self.assertLessEqual(dups, len(in_flight))
        finally:
            sink.stop()

    def test_shutdown_keeps_the_queue(self):
        s = Setup()
        with s.start() as pf:
            results = ol.Load(s.http, REQUESTS[:10], conns=4).run()
            acked = ol.acked(results)
            self.assertEqual(len(acked), 10)
            t0 = time.time()
        self.assertLess(time.time() - t0, 10, "shutdown waited for a backend that is down")
        with open(pf.log_path) as f:
            self.assertIn("stay in the persistent queue", f.read())
        sink = ol.Sink(s.backend)
        try:
            with s.start() as pf2:
                wait_until(lambda: sent(pf2, s.metrics) >= sum(EXPECTED[r] for r in acked), "delivery")
            self.assertEqual(ol.check_delivered(self, sink, EXPECTED, acked), 0)
        finally:
            sink.stop()

    def test_max_size_refuses_with_503(self):
        s = Setup(max_size="1MiB")
        with s.start() as pf:
            results = ol.Load(s.http, REQUESTS[:20], conns=2).run()
            acked, refused = ol.acked(results), ol.refused(results)
            self.assertGreater(len(acked), 0)
            self.assertGreater(len(refused), 0)
            self.assertTrue(all(results[r][1] for r in refused), "503 without Retry-After")
            self.assertIn("persistent queue is full", pf.logs())
            self.assertLessEqual(sum(os.path.getsize(p) for p in s.segments()), 1 << 20)
            m = pf.metrics(s.metrics)
            self.assertGreater(metric(m, "otelcol_exporter_enqueue_failed_profile_samples", exporter="otlphttp"), 0)
            sink = ol.Sink(s.backend)
            try:
                wait_until(lambda: sent(pf, s.metrics) >= sum(EXPECTED[r] for r in acked), "delivery")
                self.assertEqual(ol.check_delivered(self, sink, EXPECTED, acked), 0)
            finally:
                sink.stop()

    def test_unusable_directory_refuses_then_recovers(self):
        s = Setup()
        shutil.rmtree(s.queue_dir)
        with open(s.queue_dir, "w") as f:  # a file where the directory should be
            f.write("not a directory")
        with s.start() as pf:
            results = ol.Load(s.http, REQUESTS[:3], conns=1).run()
            self.assertEqual(ol.refused(results), [r for r, _, _ in REQUESTS[:3]])
            self.assertIn("persistent queue unavailable", pf.logs())
            os.unlink(s.queue_dir)
            os.mkdir(s.queue_dir)
            sink = ol.Sink(s.backend)
            try:
                def accepted():
                    res = ol.Load(s.http, REQUESTS[3:4], conns=1).run()
                    return ol.acked(res)
                wait_until(accepted, "requests to be accepted again", timeout=30, interval=1)
                self.assertIn("usable again", pf.logs())
            finally:
                sink.stop()

    def fill_and_stop(self, s, n):
        with s.start() as pf:
            results = ol.Load(s.http, REQUESTS[:n], conns=1).run()
            self.assertEqual(len(ol.acked(results)), n)
        segs = s.segments()
        self.assertEqual(len(segs), 1)
        return segs[0]

    def restart_and_count(self, s, expect_ids):
        sink = ol.Sink(s.backend)
        try:
            with s.start() as pf:
                wait_until(lambda: all(sink.snapshot().get(r, 0) >= EXPECTED[r] for r in expect_ids), "delivery")
                drain(self, s, pf)
                m = pf.metrics(s.metrics)
                logs = pf.logs()
            return sink.snapshot(), m, logs
        finally:
            sink.stop()

    def test_truncated_record_is_skipped(self):
        s = Setup()
        seg = self.fill_and_stop(s, 5)
        size = os.path.getsize(seg)
        os.truncate(seg, size - 1000)  # the last record loses its tail
        ids = [r for r, _, _ in REQUESTS[:5]]
        got, m, logs = self.restart_and_count(s, ids[:4])
        self.assertNotIn(ids[4], got)
        self.assertEqual(metric(m, "proflow_exporter_queue_corrupt_records_total", exporter="otlphttp"), 1)
        self.assertEqual(logs.count("corrupt or truncated record"), 1)

    def test_garbage_appended_is_skipped(self):
        s = Setup()
        seg = self.fill_and_stop(s, 4)
        with open(seg, "ab") as f:
            f.write(b"PFQR" + os.urandom(5000))
        ids = [r for r, _, _ in REQUESTS[:4]]
        got, m, logs = self.restart_and_count(s, ids)
        self.assertEqual(metric(m, "proflow_exporter_queue_corrupt_records_total", exporter="otlphttp"), 1)
        self.assertIn("corrupt or truncated record", logs)

    def test_queue_from_another_version_is_set_aside(self):
        s = Setup()
        qdir = os.path.join(s.queue_dir, "exporter_otlphttp")
        os.mkdir(qdir)
        foreign = os.path.join(qdir, "seg-0000000000000003.pfq")
        with open(foreign, "wb") as f:
            f.write(b"PFQUEUE\n" + (7).to_bytes(4, "little") + bytes(4) + os.urandom(300))
        sink = ol.Sink(s.backend)
        try:
            with s.start() as pf:
                results = ol.Load(s.http, REQUESTS[:2], conns=1).run()
                acked = ol.acked(results)
                self.assertEqual(len(acked), 2)
                wait_until(lambda: sent(pf, s.metrics) >= sum(EXPECTED[r] for r in acked), "delivery")
                self.assertIn("not a proflow queue segment of format version 1", pf.logs())
            self.assertTrue(os.path.exists(foreign + ".unsupported"))
            self.assertEqual(ol.check_delivered(self, sink, EXPECTED, acked), 0)
        finally:
            sink.stop()


if __name__ == "__main__":
    unittest.main()
