"""overload_lib.py — real 1 MB OTLP requests, a load generator and a counting sink backend, for the
overload, outage and persistent-queue tests (and bench/overload).

Requests: a Go heap profile from tests/fixtures (4 sample types) converted to OTLP by
tests/tools/pprof_to_otlp, repeated until the request is about 1 MB. Each request gets its own
resource attribute `req.id` and randomised sample values (so requests differ and compress like real
ones, not like copies), built with Python protobuf.

Sink: an OTLP/HTTP backend (ThreadingHTTPServer) that decodes every request with Python protobuf
and counts samples per `req.id`, so a test can check that every acknowledged request arrived
complete (and count duplicates). It can be slowed to a fixed rate (requests per second) and can
accept the bytes, record them, and then stall before answering (a send in progress).

Load: threads with keep-alive HTTP/1.1 connections posting requests; every answer is recorded
(status, Retry-After), connection errors too."""
import gzip
import http.client
import os
import random
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from otlp_export_peers import svc

BUILD_DIR = os.environ.get("PROFLOW_BUILD_DIR", "build")
FIXTURES = os.environ.get("PROFLOW_FIXTURES", "tests/fixtures")


def base_request(copies=500):
    """A serialized ExportProfilesServiceRequest of `copies` × the Go heap fixture."""
    heap = os.path.join(FIXTURES, "pprof", "go", "heap.pb.gz")
    out = tempfile.mktemp(prefix="overload-", suffix=".binpb")
    subprocess.run([os.path.join(BUILD_DIR, "tests", "pprof_to_otlp"), out] + [heap] * copies, check=True,
                   capture_output=True)
    with open(out, "rb") as f:
        data = f.read()
    os.unlink(out)
    return data


def sample_count(req):
    return sum(len(p.samples) for rp in req.resource_profiles for sp in rp.scope_profiles for p in sp.profiles)


PLACEHOLDER = "REQ-00000000"


def make_requests(n, copies=500, variants=3, seed=1):
    """n distinct requests: [(req_id, bytes, samples)]. `variants` requests are built with Python
    protobuf (random sample values); the others are copies of them with another req.id, put in
    place in the serialized bytes (same length, so the encoding stays valid)."""
    base = svc.ExportProfilesServiceRequest()
    base.ParseFromString(base_request(copies))
    rnd = random.Random(seed)
    built = []
    for _ in range(min(n, variants)):
        req = svc.ExportProfilesServiceRequest()
        req.CopyFrom(base)
        for rp in req.resource_profiles:
            kv = rp.resource.attributes.add()
            kv.key = "req.id"
            kv.value.string_value = PLACEHOLDER
            for sp in rp.scope_profiles:
                for p in sp.profiles:
                    for s in p.samples:
                        for j in range(len(s.values)):
                            s.values[j] = s.values[j] + rnd.randrange(1, 1 << 20)
        built.append((req.SerializeToString(), sample_count(req)))
    out = []
    for i in range(n):
        rid = f"REQ-{seed % 100:02d}{i:06d}"
        data, samples = built[i % len(built)]
        out.append((rid, data.replace(PLACEHOLDER.encode(), rid.encode()), samples))
    return out


def samples_by_id(req):
    """{req.id: samples} of a decoded request."""
    counts = {}
    for rp in req.resource_profiles:
        rid = next((kv.value.string_value for kv in rp.resource.attributes if kv.key == "req.id"), None)
        n = sum(len(p.samples) for sp in rp.scope_profiles for p in sp.profiles)
        counts[rid] = counts.get(rid, 0) + n
    return counts


class Sink:
    """OTLP/HTTP backend counting samples per req.id. rate: accepted requests per second (None =
    unlimited). stall_s: after recording a request, wait this long before answering."""

    def __init__(self, port, rate=None, stall_s=0.0):
        self.port = port
        self.rate = rate
        self.stall_s = stall_s
        self.lock = threading.Lock()
        self.pace = threading.Lock()
        self.next_slot = 0.0
        self.samples = {}      # req.id -> samples received (all deliveries)
        self.requests = 0
        self.bytes = 0
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if sink.rate:
                    with sink.pace:
                        now = time.time()
                        wait = sink.next_slot - now
                        if wait > 0:
                            time.sleep(wait)
                        sink.next_slot = max(now, sink.next_slot) + 1.0 / sink.rate
                raw = gzip.decompress(body) if self.headers.get("content-encoding") == "gzip" else body
                req = svc.ExportProfilesServiceRequest()
                req.ParseFromString(raw)
                with sink.lock:
                    sink.requests += 1
                    sink.bytes += len(body)
                    for rid, n in samples_by_id(req).items():
                        sink.samples[rid] = sink.samples.get(rid, 0) + n
                if sink.stall_s:
                    time.sleep(sink.stall_s)
                out = svc.ExportProfilesServiceResponse().SerializeToString()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-protobuf")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # a client that went away (kill -9)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def snapshot(self):
        with self.lock:
            return dict(self.samples)

    def total(self):
        with self.lock:
            return sum(self.samples.values())

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Load:
    """Posts requests over `conns` keep-alive connections as fast as they are answered (or at
    `rate` requests per second overall). Results: {req_id: (status, retry_after)}; status 0 = the
    connection failed."""

    def __init__(self, port, requests, conns=8, rate=None, path="/v1development/profiles"):
        self.port = port
        self.requests = list(requests)
        self.conns = conns
        self.rate = rate
        self.path = path
        self.results = {}
        self.lock = threading.Lock()
        self.next_i = 0
        self.started = time.time()

    def _take(self):
        with self.lock:
            if self.next_i >= len(self.requests):
                return None
            i = self.next_i
            self.next_i += 1
        if self.rate:
            due = self.started + i / self.rate
            if due > time.time():
                time.sleep(due - time.time())
        return self.requests[i]

    def _worker(self):
        conn = None
        while True:
            item = self._take()
            if item is None:
                break
            rid, body = item[0], item[1]
            status, retry = 0, None
            for _ in range(2):  # one reconnect when the server closed the keep-alive connection
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    conn.request("POST", self.path, body, {"Content-Type": "application/x-protobuf"})
                    resp = conn.getresponse()
                    resp.read()
                    status, retry = resp.status, resp.getheader("Retry-After")
                    if resp.getheader("Connection", "").lower() == "close":
                        conn.close()
                        conn = None
                    break
                except (OSError, http.client.HTTPException):
                    if conn:
                        conn.close()
                    conn = None
            with self.lock:
                self.results[rid] = (status, retry)
        if conn:
            conn.close()

    def run(self):
        threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(self.conns)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return self.results

    def start(self):
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def wait(self):
        self.thread.join()
        return self.results


def acked(results):
    return [rid for rid, (st, _) in results.items() if st == 200]


def refused(results):
    return [rid for rid, (st, _) in results.items() if st == 503]


def check_delivered(testcase, sink, expected, acked_ids):
    """Every acknowledged request arrived with all its samples; returns the number of duplicated ones."""
    got = sink.snapshot()
    missing = [rid for rid in acked_ids if got.get(rid, 0) < expected[rid]]
    testcase.assertEqual(missing, [], f"acknowledged requests missing at the backend: {missing[:10]}")
    return sum(1 for rid in acked_ids if got.get(rid, 0) > expected[rid])
