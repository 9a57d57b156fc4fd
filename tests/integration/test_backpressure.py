"""Backpressure reaches the client before any decoding: with the exporter's queue full, the otlp and
pyroscope receivers answer 503 + Retry-After (and gRPC UNAVAILABLE) from the readiness probe, through
a batch processor, and count it; once the backend answers, the queued data is delivered."""
import os
import socket
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import Proflow, free_port, metric  # noqa: E402
from otlp_client import make_request  # noqa: E402


class Blackhole:
    """Accepts connections and reads, but answers nothing until release(): a stuck backend."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.conns = []
        self.released = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.sock.settimeout(0.2)
        while not self.released.is_set():
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                pass

    def release(self):
        self.released.set()
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


def post(url, body, content_type):
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Backpressure(unittest.TestCase):
    def test_full_queue_refuses_before_decoding(self):
        otlp_port, pyro_port, metrics_port, backend_port = free_port(), free_port(), free_port(), free_port()
        backend = Blackhole(backend_port)
        config = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{otlp_port}
  pyroscope:
    endpoint: 127.0.0.1:{pyro_port}
processors:
  batch:
    timeout: 10ms
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{backend_port}
    timeout: 30s
    retry_on_failure: {{enabled: false}}
    sending_queue: {{num_consumers: 1, queue_size: 1}}
service:
  shutdown_timeout: 1s
  pipelines:
    profiles:
      receivers: [otlp, pyroscope]
      processors: [batch]
      exporters: [otlphttp]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""
        try:
            with Proflow(config, wait_ports=(otlp_port, pyro_port, metrics_port)) as p:
                url = f"http://127.0.0.1:{otlp_port}/v1development/profiles"
                body = make_request(3).SerializeToString()
                # One batch goes in flight (the backend never answers), one waits in the queue.
                for _ in range(2):
                    status, _, _ = post(url, body, "application/x-protobuf")
                    self.assertEqual(status, 200)
                    time.sleep(0.3)  # let the batch processor flush into the exporter
                status, headers, _ = post(url, body, "application/x-protobuf")
                self.assertEqual(status, 503)
                self.assertEqual(headers.get("Retry-After"), "1")
                status, headers, _ = post(f"http://127.0.0.1:{pyro_port}/ingest?name=app.cpu", b"main;work 10\n",
                                          "text/plain")
                self.assertEqual(status, 503)
                self.assertEqual(headers.get("Retry-After"), "1")
                m = p.metrics(metrics_port)
                self.assertEqual(metric(m, "proflow_receiver_early_refusals_total"), 2)
                self.assertEqual(metric(m, "otelcol_receiver_accepted_profile_samples"), 6)
        finally:
            backend.release()


if __name__ == "__main__":
    unittest.main(verbosity=2)
