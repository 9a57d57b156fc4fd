"""The pprof scraper authenticates as configured: basic_auth, bearer_token and http_headers reach the
target exactly (checked by a Python server that serves a real Go goroutine profile only to callers
with the expected Authorization header), and a target refusing the credentials is reported down."""
import base64
import os
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import FIXTURES, Proflow, free_port, metric  # noqa: E402

PROFILE = open(os.path.join(FIXTURES, "pprof", "go", "goroutine.pb.gz"), "rb").read()
BASIC = "Basic " + base64.b64encode(b"scraper:p@ss:word").decode()


class Target(BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):
        auth = self.headers.get("Authorization")
        Target.seen.append((self.path, auth, self.headers.get("X-Team")))
        if auth in (BASIC, "Bearer t0ken"):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(PROFILE)))
            self.end_headers()
            self.wfile.write(PROFILE)
        else:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *args):
        pass


class Auth(unittest.TestCase):
    def test_credentials_reach_the_target(self):
        port, metrics_port = free_port(), free_port()
        server = ThreadingHTTPServer(("127.0.0.1", port), Target)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        jobs = ""
        for job, auth in (("basic", "basic_auth: {username: scraper, password: 'p@ss:word'}"),
                          ("bearer", "bearer_token: t0ken"), ("wrong", "bearer_token: nope")):
            jobs += f"""
      - job_name: {job}
        scrape_interval: 2s
        {auth}
        http_headers: {{X-Team: profiling}}
        static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
        profiling_config:
          profile.process_cpu: {{enabled: false}}
          profile.memory: {{enabled: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
          profile.goroutine: {{enabled: true}}
"""
        config = f"""
receivers:
  pprof:
    scrape_configs:{jobs}
exporters:
  debug:
service:
  pipelines:
    profiles: {{receivers: [pprof], exporters: [debug]}}
  telemetry: {{metrics: {{address: 127.0.0.1:{metrics_port}}}, logs: {{level: warn}}}}
"""
        try:
            with Proflow(config, wait_ports=(metrics_port,)) as p:
                deadline = time.time() + 20
                m = {}
                while time.time() < deadline:
                    m = p.metrics(metrics_port)
                    if all(metric(m, "proflow_receiver_pprof_scrapes_total", job=j) >= 1 for j in ("basic", "bearer", "wrong")):
                        break
                    time.sleep(0.2)
                self.assertEqual(metric(m, "proflow_receiver_pprof_up", job="basic"), 1, m)
                self.assertEqual(metric(m, "proflow_receiver_pprof_up", job="bearer"), 1, m)
                self.assertEqual(metric(m, "proflow_receiver_pprof_up", job="wrong"), 0, m)
                self.assertGreater(metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pprof"), 0)
        finally:
            server.shutdown()
        seen = set(Target.seen)
        self.assertIn(("/debug/pprof/goroutine", BASIC, "profiling"), seen)
        self.assertIn(("/debug/pprof/goroutine", "Bearer t0ken", "profiling"), seen)
        self.assertIn(("/debug/pprof/goroutine", "Bearer nope", "profiling"), seen)


if __name__ == "__main__":
    unittest.main(verbosity=2)
