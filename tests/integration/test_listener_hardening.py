"""test_listener_hardening.py — one test per listener limit, against the otlp receiver's HTTP port of
the real binary. Each attack runs while a well-behaved client (curl, h2load, or a keep-alive
connection opened before the attack) keeps sending valid OTLP requests, which must all get 200.
Attackers that real clients will not imitate are Python sockets (h2raw.py for HTTP/2 frames).
  - max_connections: connections beyond it are closed on accept; an established one keeps working;
  - read_header_timeout (slowloris): HTTP/1 headers dribbled byte by byte get 408 and are closed; an
    HTTP/2 header block left unfinished gets GOAWAY;
  - idle_timeout: an idle keep-alive connection is closed; HTTP/2 PINGs do not keep one open;
  - max_concurrent_streams: a client that opens more streams than it acknowledged gets GOAWAY (streams
    sent before acknowledging get RST_STREAM(REFUSED_STREAM));
  - max_request_header_size / max_request_uri_size: 431 / 414 over HTTP/1.1 and HTTP/2 (curl);
  - rapid reset (CVE-2023-44487): HEADERS + RST_STREAM in a loop ends in GOAWAY(ENHANCE_YOUR_CALM).
Each limit is counted in proflow_http_server_rejected_total{reason} and logged once when it starts
acting. Latency under attack is measured by bench/listener_attacks.py, not asserted here."""
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import Proflow, free_port, metric, wait_until  # noqa: E402
from otlp_client import make_request  # noqa: E402
import h2raw  # noqa: E402

PATH = "/v1development/profiles"
BODY = make_request().SerializeToString()


def config(hport, mport, limits):
    lines = "\n".join("        " + l for l in limits.strip().splitlines())
    return f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{hport}
{lines}
exporters:
  debug:
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [debug]
  telemetry:
    metrics:
      address: 127.0.0.1:{mport}
"""


class GoodClient:
    """Sends valid requests with curl in a loop (HTTP/1.1 or h2c) until stopped; keeps every status."""

    def __init__(self, port, http2=False):
        self.port, self.http2 = port, http2
        self.body = os.path.join(tempfile.mkdtemp(prefix="good-client-"), "req.pb")
        with open(self.body, "wb") as f:
            f.write(BODY)
        self.statuses, self.stop_flag = [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def once(self):
        args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                "-H", "content-type: application/x-protobuf", "--data-binary", "@" + self.body,
                f"http://127.0.0.1:{self.port}{PATH}"]
        if self.http2:
            args.insert(1, "--http2-prior-knowledge")
        return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout

    def run(self):
        while not self.stop_flag.is_set():
            self.statuses.append(self.once())
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join(timeout=60)
        return False

    def check(self, test):
        test.assertGreater(len(self.statuses), 0)
        test.assertEqual(set(self.statuses), {"200"}, self.statuses)


def rejected(pf, mport, reason):
    return metric(pf.metrics(mport), "proflow_http_server_rejected_total", server="otlp/http", reason=reason) or 0


def check_logged_per_state_change(test, log_text, reason, hits):
    """A limit logs when it starts acting and when it has been quiet for a while, not per hit."""
    lines = [l for l in log_text.splitlines() if f"{reason} on 127.0.0.1" in l]
    quiets = sum("quiet again" in l for l in lines)
    starts = len(lines) - quiets
    test.assertGreaterEqual(starts, 1)
    test.assertIn(starts - quiets, (0, 1), lines)  # started, (quiet, started again)*
    if hits > 1:
        test.assertLess(starts, hits)


def closed_by_peer(sock, timeout):
    """True when the server closes sock within timeout (whatever it sent before)."""
    sock.settimeout(timeout)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            if not sock.recv(65536):
                return True
    except (socket.timeout, ConnectionResetError):
        return False
    return False


class ListenerHardening(unittest.TestCase):
    def start(self, limits):
        hport, mport = free_port(), free_port()
        return Proflow(config(hport, mport, limits), wait_ports=[hport, mport]), hport, mport

    def test_max_connections(self):
        pf, hport, mport = self.start("max_connections: 8")
        with pf:
            keep = http.client.HTTPConnection("127.0.0.1", hport, timeout=30)
            keep.request("POST", PATH, BODY, {"content-type": "application/x-protobuf"})
            self.assertEqual(keep.getresponse().read() is not None, True)
            attackers = [socket.create_connection(("127.0.0.1", hport), timeout=10) for _ in range(30)]
            closed = sum(closed_by_peer(s, 3) for s in attackers)
            # 7 slots were left besides the keep-alive connection; everything beyond was closed on accept.
            self.assertGreaterEqual(closed, 30 - 7)
            for _ in range(3):
                keep.request("POST", PATH, BODY, {"content-type": "application/x-protobuf"})
                r = keep.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
            self.assertGreaterEqual(rejected(pf, mport, "max_connections"), 30 - 7)
            for s in attackers:
                s.close()
            keep.close()
            wait_until(lambda: GoodClient(hport).once() == "200", "service after the flood")
            check_logged_per_state_change(self, pf.logs(), "max_connections", rejected(pf, mport, "max_connections"))

    def test_slowloris_http1(self):
        pf, hport, mport = self.start("read_header_timeout: 2s")
        with pf, GoodClient(hport) as good:
            socks = [socket.create_connection(("127.0.0.1", hport), timeout=10) for _ in range(10)]
            for s in socks:
                s.sendall(b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n")
            answers = [b""] * len(socks)
            open_ = set(range(len(socks)))
            deadline = time.time() + 60
            while open_ and time.time() < deadline:
                for i in list(open_):
                    try:
                        socks[i].sendall(b"X")  # one byte of a header line at a time
                        socks[i].settimeout(0.05)
                        data = socks[i].recv(65536)
                        if not data:
                            open_.discard(i)
                        answers[i] += data
                    except socket.timeout:
                        pass
                    except (BrokenPipeError, ConnectionResetError):
                        open_.discard(i)
                time.sleep(0.2)
            self.assertFalse(open_, "slowloris connections still open")
            for a in answers:
                self.assertTrue(a.startswith(b"HTTP/1.1 408"), a[:80])
            hits = rejected(pf, mport, "header_timeout")
            self.assertGreaterEqual(hits, 10)
        good.check(self)
        with open(pf.log_path) as f:
            check_logged_per_state_change(self, f.read(), "header_timeout", hits)

    def test_slowloris_http2(self):
        pf, hport, mport = self.start("read_header_timeout: 2s")
        with pf, GoodClient(hport, http2=True) as good:
            c = h2raw.H2Conn(hport)
            # A HEADERS frame whose header block arrives one byte at a time and never ends.
            block = h2raw.request_headers(PATH) + h2raw.hpack([("x-slow", "a" * 100)] * 40)
            whole = h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, 1, block)
            c.send(whole[:9 + len(h2raw.request_headers(PATH))])
            frames, closed, pos = [], False, 9 + len(h2raw.request_headers(PATH))
            deadline = time.time() + 60
            while time.time() < deadline and not closed and pos < len(whole) - 1:
                try:
                    c.send(whole[pos:pos + 1])
                    pos += 1
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                try:
                    f = c.read_frame(timeout=0.5)
                    if f is None:
                        closed = True
                    else:
                        frames.append(f)
                except socket.timeout:
                    pass
            self.assertTrue(closed)
            self.assertIn(h2raw.GOAWAY, [f[0] for f in frames])
            self.assertGreaterEqual(rejected(pf, mport, "header_timeout"), 1)
        good.check(self)

    def test_idle_timeout(self):
        pf, hport, mport = self.start("idle_timeout: 2s")
        with pf, GoodClient(hport) as good:
            s = socket.create_connection(("127.0.0.1", hport), timeout=10)
            s.sendall(b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\ncontent-type: application/x-protobuf\r\n"
                      b"content-length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
            self.assertTrue(s.recv(65536).startswith(b"HTTP/1.1 200"))
            self.assertTrue(closed_by_peer(s, 30))
            # HTTP/2: PINGs are not requests, so they do not keep the connection open.
            c = h2raw.H2Conn(hport)
            t0, closed = time.time(), False
            while time.time() - t0 < 30 and not closed:
                try:
                    c.send(h2raw.frame(h2raw.PING, 0, 0, b"12345678"))
                    while True:
                        f = c.read_frame(timeout=0.3)
                        if f is None:
                            closed = True
                            break
                except socket.timeout:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
            self.assertTrue(closed, "PINGs kept an idle HTTP/2 connection open")
            self.assertGreaterEqual(rejected(pf, mport, "idle_timeout"), 2)
        good.check(self)

    def test_max_concurrent_streams(self):
        pf, hport, mport = self.start("max_concurrent_streams: 4")
        with pf, GoodClient(hport, http2=True) as good:
            c = h2raw.H2Conn(hport)  # our SETTINGS (max 4 streams) acknowledged
            for i in range(10):  # open streams (no END_STREAM) and keep them open
                c.send(h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, 1 + 2 * i, h2raw.request_headers(PATH)))
            frames, eof = c.frames_until_closed(timeout=30)
            goaways = [f for f in frames if f[0] == h2raw.GOAWAY]
            self.assertTrue(eof and goaways, frames)
            last_stream = int.from_bytes(goaways[-1][3][:4], "big") & 0x7FFFFFFF
            self.assertEqual(last_stream, 7)  # streams 1, 3, 5, 7 were taken; the fifth broke the limit
            self.assertEqual(h2raw.goaway_code(goaways[-1][3]), 1)  # PROTOCOL_ERROR
            self.assertEqual(rejected(pf, mport, "max_concurrent_streams"), 1)
            c.close()
            # h2load (a real client) sticks to the limit and gets everything answered.
            body = os.path.join(tempfile.mkdtemp(prefix="h2load-"), "req.pb")
            with open(body, "wb") as f:
                f.write(BODY)
            res = subprocess.run(["h2load", "-n", "200", "-c", "2", "-m", "4", "-d", body, "-H",
                                  "content-type: application/x-protobuf", f"http://127.0.0.1:{hport}{PATH}"],
                                 capture_output=True, text=True, timeout=120)
            self.assertIn("200 succeeded", res.stdout, res.stdout)
            self.assertIn("200 2xx", res.stdout, res.stdout)
        good.check(self)

    def test_header_and_uri_limits(self):
        pf, hport, mport = self.start("max_request_header_size: 16KiB\nmax_request_uri_size: 1KiB")
        with pf, GoodClient(hport) as good:
            big = "x-big: " + "a" * 20000
            long_url = f"http://127.0.0.1:{hport}{PATH}?q=" + "b" * 2000
            for http2 in (False, True):
                extra = ["--http2-prior-knowledge"] if http2 else []

                def status(*args):
                    return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                                           *extra, "-H", "content-type: application/x-protobuf", "--data-binary",
                                           "x", *args], capture_output=True, text=True, timeout=60).stdout

                self.assertEqual(status("-H", big, f"http://127.0.0.1:{hport}{PATH}"), "431", f"http2={http2}")
                self.assertEqual(status(long_url), "414", f"http2={http2}")
                self.assertEqual(good.once(), "200")
            self.assertEqual(rejected(pf, mport, "header_too_large"), 2)
            self.assertEqual(rejected(pf, mport, "uri_too_long"), 2)
        good.check(self)

    def test_rapid_reset(self):
        pf, hport, mport = self.start("max_stream_resets_per_second: 10")
        with pf, GoodClient(hport, http2=True) as good:
            c = h2raw.H2Conn(hport)
            sent, closed = 0, False
            try:
                for i in range(50000):
                    sid = 1 + 2 * i
                    c.send(h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, sid, h2raw.request_headers(PATH)) +
                           h2raw.frame(h2raw.RST_STREAM, 0, sid, (h2raw.CANCEL).to_bytes(4, "big")))
                    sent += 1
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            frames, eof = c.frames_until_closed(timeout=30)
            goaways = [f for f in frames if f[0] == h2raw.GOAWAY]
            self.assertTrue(closed or eof)
            self.assertTrue(goaways, frames[-5:])
            self.assertEqual(h2raw.goaway_code(goaways[-1][3]), h2raw.ENHANCE_YOUR_CALM)
            self.assertLess(sent, 50000, "the attacker was never stopped")
            self.assertEqual(rejected(pf, mport, "rapid_reset"), 1)
            # h2load, a real client, on another connection at the same time is unaffected.
            body = os.path.join(tempfile.mkdtemp(prefix="h2load-"), "req.pb")
            with open(body, "wb") as f:
                f.write(BODY)
            res = subprocess.run(["h2load", "-n", "100", "-c", "1", "-m", "10", "-d", body, "-H",
                                  "content-type: application/x-protobuf", f"http://127.0.0.1:{hport}{PATH}"],
                                 capture_output=True, text=True, timeout=120)
            self.assertIn("100 succeeded", res.stdout, res.stdout)
        good.check(self)
        with open(pf.log_path) as f:
            check_logged_per_state_change(self, f.read(), "rapid_reset", 1)


if __name__ == "__main__":
    unittest.main()
