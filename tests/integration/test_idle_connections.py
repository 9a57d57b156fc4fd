"""test_idle_connections.py — 10 000 idle keep-alive connections to the otlp receiver's HTTP port of the
real binary: each sends one request (a GET the endpoint answers 405, keeping the connection) and then
nothing. proflow's resident memory grows by less than 64 MiB while all are open, every one of them is
closed by the server at idle_timeout (the client sees EOF), proflow_http_server_connections returns to
0 and each close is counted as idle_timeout. A well-behaved client is served while they are open.
RLIMIT_NOFILE is raised to its hard limit (proflow inherits it). The memory bound is checked in the
optimised build only (under ASan the figure is the sanitizer's, not proflow's)."""
import os
import resource
import selectors
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import Proflow, free_port, metric, wait_until  # noqa: E402

N = 10000
REQUEST = b"GET /v1development/profiles HTTP/1.1\r\nHost: x\r\n\r\n"


def sanitized_build():
    """ASan keeps freed memory in quarantine and pads every allocation: RSS says nothing there."""
    cache = os.path.join(os.environ.get("PROFLOW_BUILD_DIR", ""), "CMakeCache.txt")
    try:
        with open(cache) as f:
            return "PROFLOW_SANITIZE:BOOL=ON" in f.read()
    except OSError:
        return False


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class IdleConnections(unittest.TestCase):
    def test_ten_thousand_idle_connections(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < N + 1000:
            self.skipTest(f"RLIMIT_NOFILE hard limit {hard} is below {N + 1000}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        hport, mport = free_port(), free_port()
        config = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{hport}
        idle_timeout: 20s
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
        with Proflow(config, wait_ports=[hport, mport]) as pf:
            before = rss_bytes(pf.proc.pid)
            sel = selectors.DefaultSelector()
            socks = []
            try:
                for i in range(N):
                    s = socket.create_connection(("127.0.0.1", hport), timeout=30)
                    s.sendall(REQUEST)
                    socks.append(s)
                # Every connection got its answer (a 405 that keeps the connection) and is now idle.
                for s in socks:
                    s.settimeout(30)
                    head = s.recv(4096)
                    self.assertTrue(head.startswith(b"HTTP/1.1 405"), head[:60])
                    self.assertNotIn(b"Connection: close", head)
                m = pf.metrics(mport)
                self.assertEqual(metric(m, "proflow_http_server_connections", server="otlp/http"), N)
                peak = rss_bytes(pf.proc.pid)
                growth = peak - before
                print(f"RSS before {before / 2**20:.1f} MiB, with {N} idle connections {peak / 2**20:.1f} MiB "
                      f"(+{growth / 2**20:.1f} MiB, {growth / N:.0f} B/connection)")
                if not sanitized_build():
                    self.assertLess(growth, 64 << 20)
                good = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                                       f"http://127.0.0.1:{mport}/metrics"], capture_output=True, text=True)
                self.assertEqual(good.stdout, "200")

                # The server closes each of them at idle_timeout: every socket reads EOF.
                for s in socks:
                    s.setblocking(False)
                    sel.register(s, selectors.EVENT_READ)
                open_ = len(socks)
                deadline = time.time() + 300
                while open_ and time.time() < deadline:
                    for key, _ in sel.select(timeout=1):
                        try:
                            data = key.fileobj.recv(4096)
                        except (ConnectionResetError, BlockingIOError):
                            data = b""
                        if not data:
                            sel.unregister(key.fileobj)
                            open_ -= 1
                self.assertEqual(open_, 0, f"{open_} connections still open long after idle_timeout")
            finally:
                sel.close()
                for s in socks:
                    s.close()
            wait_until(lambda: metric(pf.metrics(mport), "proflow_http_server_connections", server="otlp/http") == 0,
                       "connections gauge back to 0")
            m = pf.metrics(mport)
            self.assertEqual(metric(m, "proflow_http_server_rejected_total", server="otlp/http", reason="idle_timeout"),
                             N)


if __name__ == "__main__":
    unittest.main()
