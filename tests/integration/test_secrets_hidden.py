"""test_secrets_hidden.py — secrets never appear in logs, print-config, error messages or /metrics.

One config sets every secret-bearing key proflow has, each to a distinct value starting with
"SECRET-": receiver auth (bearer token, basic auth) on otlp gRPC/HTTP, pyroscope, the telemetry
listener and health_check; the pprof scraper's bearer token, basic auth password and headers; exporter
headers (otlp, otlphttp, parca, pyroscope), bearer tokens (parca, pyroscope), basic auth password
(pyroscope); TLS key files (their paths). It is then:
  - printed by `print-config` (also with a --set of a secret) and checked by `validate`;
  - run, with scrapes and exports failing against closed ports or a 401, wrong credentials sent to
    every listener, a valid request pushed through to the failing exporters, /metrics scraped;
  - and broken in ways whose error messages name secret keys.
No output of any of these contains any of the secret values."""
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import PROFLOW, Proflow, free_port, run_cli, wait_until  # noqa: E402
from otlp_client import make_request, self_signed_cert  # noqa: E402

SECRET = re.compile(r"SECRET-[a-z0-9-]+")


def config(p, cert, key):
    closed = p["closed"]
    return f"""
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{p["grpc"]}
        auth:
          bearer_token: SECRET-otlp-grpc-token
      http:
        endpoint: 127.0.0.1:{p["http"]}
        auth:
          basic_auth:
            username: user
            password: SECRET-otlp-http-password
  otlp/tls:
    protocols:
      http:
        endpoint: 127.0.0.1:{p["tls"]}
        tls:
          cert_file: {cert}
          key_file: {key}
        auth:
          bearer_token: SECRET-otlp-tls-token
  pyroscope:
    endpoint: 127.0.0.1:{p["pyro"]}
    auth:
      bearer_token: SECRET-pyroscope-token
  pprof:
    scrape_configs:
      - job_name: basic
        scrape_interval: 2s
        scrape_timeout: 3s
        basic_auth:
          username: scraper
          password: SECRET-scrape-password
        http_headers:
          X-Api-Key: SECRET-scrape-header
        static_configs:
          - targets: [127.0.0.1:{p["metrics"]}]
      - job_name: bearer
        scrape_interval: 2s
        scrape_timeout: 3s
        bearer_token: SECRET-scrape-token
        static_configs:
          - targets: [127.0.0.1:{closed}]
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{closed}
    headers:
      Authorization: Bearer SECRET-otlphttp-header
    retry_on_failure:
      initial_interval: 100ms
  otlp:
    endpoint: 127.0.0.1:{closed}
    tls:
      insecure: true
    headers:
      x-api-key: SECRET-otlp-exporter-header
  parca:
    endpoint: 127.0.0.1:{closed}
    tls:
      insecure: true
    bearer_token: SECRET-parca-token
    headers:
      x-extra: SECRET-parca-header
  pyroscope:
    endpoint: http://127.0.0.1:{closed}
    basic_auth:
      username: pyro
      password: SECRET-pyroscope-exporter-password
    headers:
      x-extra: SECRET-pyroscope-exporter-header
  pyroscope/bearer:
    endpoint: http://127.0.0.1:{closed}
    bearer_token: SECRET-pyroscope-exporter-token
extensions:
  health_check:
    endpoint: 127.0.0.1:{p["health"]}
    auth:
      bearer_token: SECRET-health-token
service:
  extensions: [health_check]
  pipelines:
    profiles:
      receivers: [otlp, otlp/tls, pyroscope, pprof]
      exporters: [otlphttp, otlp, parca, pyroscope, pyroscope/bearer]
  telemetry:
    logs:
      level: debug
    metrics:
      address: 127.0.0.1:{p["metrics"]}
      auth:
        bearer_token: SECRET-telemetry-token
        basic_auth:
          username: prom
          password: SECRET-telemetry-password
"""


def curl(*args):
    return subprocess.run(["curl", "-s", "-k", "--max-time", "10", "-D", "-", *args], capture_output=True, text=True,
                          timeout=60).stdout


class SecretsHidden(unittest.TestCase):
    def assert_no_secret(self, text, where):
        found = sorted(set(SECRET.findall(text)))
        self.assertEqual(found, [], f"secrets in {where}")

    def test_every_secret_key(self):
        work = tempfile.mkdtemp(prefix="secrets-")
        cert, key = self_signed_cert(work)
        ports = {k: free_port() for k in ("grpc", "http", "tls", "pyro", "metrics", "health", "closed")}
        text = config(ports, cert, key)
        path = os.path.join(work, "config.yaml")
        with open(path, "w") as f:
            f.write(text)
        self.assertGreaterEqual(len(set(SECRET.findall(text))), 17)

        res = run_cli("print-config", "--config", path, "--set",
                      "receivers.pyroscope.auth.bearer_token=SECRET-from-set")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("[REDACTED]", res.stdout)
        self.assertNotIn(key, res.stdout)  # tls key_file is redacted too
        self.assert_no_secret(res.stdout + res.stderr, "print-config")
        res = run_cli("validate", "--config", path)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assert_no_secret(res.stdout + res.stderr, "validate")

        # Errors about secret keys name the key, not the value.
        for bad in (text.replace("username: user\n", ""),  # password without username
                    text.replace("bearer_token: SECRET-parca-token", "bearer_token: [SECRET-parca-list]"),
                    text.replace("password: SECRET-scrape-password", "password: {SECRET-scrape-map: 1}"),
                    text.replace("SECRET-telemetry-token", "SECRET-telemetry-token\n        bogus: SECRET-bogus")):
            with open(path, "w") as f:
                f.write(bad)
            res = run_cli("validate", "--config", path)
            self.assertNotEqual(res.returncode, 0, bad)
            self.assert_no_secret(res.stdout + res.stderr, "a config error")
        with open(path, "w") as f:
            f.write(text)

        body = os.path.join(work, "req.pb")
        with open(body, "wb") as f:
            f.write(make_request().SerializeToString())
        with Proflow(text, wait_ports=[ports["http"], ports["metrics"], ports["health"]]) as pf:
            outputs = []
            base = f"http://127.0.0.1:{ports['http']}/v1development/profiles"
            ct = ["-H", "content-type: application/x-protobuf", "--data-binary", "@" + body]
            outputs.append(curl(*ct, base))
            outputs.append(curl(*ct, "-u", "user:SECRET-wrong-guess", base))
            outputs.append(curl(*ct, "-H", "Authorization: Bearer nope", f"https://127.0.0.1:{ports['tls']}"
                                "/v1development/profiles"))
            outputs.append(curl("-H", "Authorization: Bearer nope",
                                f"http://127.0.0.1:{ports['pyro']}/ingest?name=app&format=folded", "--data-binary", "a 1"))
            outputs.append(curl(f"http://127.0.0.1:{ports['health']}/"))
            outputs.append(curl(f"http://127.0.0.1:{ports['metrics']}/metrics"))
            ok = curl(*ct, "-u", "user:SECRET-otlp-http-password", base)
            self.assertIn(" 200", ok.splitlines()[0])
            outputs.append(ok)
            # Exports fail (closed ports) and retry; scrapes fail (401 from our own telemetry, refused).
            wait_until(lambda: "HTTP status 401" in pf.logs() and "otlphttp\tretrying" in pf.logs(),
                       "scrape and export errors logged")
            time.sleep(2)
            metrics = curl("-H", "Authorization: Bearer SECRET-telemetry-token",
                           f"http://127.0.0.1:{ports['metrics']}/metrics")
            self.assertIn("proflow_http_server_rejected_total", metrics)
            for i, out in enumerate(outputs):
                self.assert_no_secret(out, f"answer {i}")
            # The /metrics text: the token we sent is in our request, never in the answer body.
            self.assert_no_secret(metrics, "/metrics")
            logs = pf.logs()
        self.assertIn("otlphttp", logs)
        self.assert_no_secret(logs, "the logs")


if __name__ == "__main__":
    unittest.main()
