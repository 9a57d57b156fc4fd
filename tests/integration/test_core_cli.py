"""Core acceptance through the real binary: CLI commands, config errors with file:line:col and key
path, the embedded default config serving /metrics and health, SIGHUP reload (good and bad config),
SIGTERM exiting 0 within 5 s (and, in the sanitizer build, without leaks)."""
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import PROFLOW, SOURCE_DIR, Proflow, free_port, http_get, metric, run_cli, wait_port  # noqa: E402


def minimal_config(http_port, metrics_port, health_port, extra_exporter=""):
    return f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
exporters:
  debug:
    verbosity: basic
{extra_exporter}
extensions:
  health_check:
    endpoint: 127.0.0.1:{health_port}
service:
  extensions: [health_check]
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [debug]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""


class Cli(unittest.TestCase):
    def write(self, text, name="config.yaml"):
        d = tempfile.mkdtemp(prefix="proflow-cli-")
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_version_and_help(self):
        r = run_cli("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^proflow \d+\.\d+\.\d+")
        r = run_cli("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("proflow validate", r.stdout)

    def test_components_lists_factories_with_stability(self):
        r = run_cli("components")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line.split() for line in r.stdout.splitlines()]
        kinds = {(row[0], row[1]) for row in rows}
        self.assertIn(("extension", "health_check"), kinds)
        self.assertIn(("receiver", "otlp"), kinds)
        for row in rows:
            self.assertIn(row[2], ("development", "alpha", "beta", "stable"), row)

    def test_examples_validate(self):
        files = sorted(glob.glob(os.path.join(SOURCE_DIR, "examples", "*.yaml")))
        self.assertGreaterEqual(len(files), 3, "examples/ must hold sidecar, gateway and scraper configs")
        for f in files:
            r = run_cli("validate", "--config", f)
            self.assertEqual(r.returncode, 0, f"{f}: {r.stderr}")

    def test_unknown_key_names_file_line_col_and_path(self):
        p = self.write("receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpointt: localhost:4317\n"
                       "exporters:\n  debug:\nservice:\n  pipelines:\n    profiles:\n      receivers: [otlp]\n"
                       "      exporters: [debug]\n")
        r = run_cli("validate", "--config", p)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{p}:5:9: receivers.otlp.protocols.grpc.endpointt: unknown key", r.stderr)

    def test_bad_duration_and_undefined_component(self):
        p = self.write("receivers:\n  otlp:\n    protocols:\n      http:\nprocessors:\n  batch:\n    timeout: 5x\n"
                       "exporters:\n  debug:\nservice:\n  pipelines:\n    profiles:\n      receivers: [otlp]\n"
                       "      processors: [batch]\n      exporters: [debug]\n")
        r = run_cli("validate", "--config", p)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f'{p}:7:5: processors.batch.timeout: "5x" is not a duration', r.stderr)
        p = self.write("receivers:\n  otlp:\n    protocols:\n      http:\nexporters:\n  debug:\nservice:\n"
                       "  pipelines:\n    profiles:\n      receivers: [otlp]\n      exporters: [debug, file]\n")
        r = run_cli("validate", "--config", p)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, rf"{p}:11:\d+: service.pipelines.profiles.exporters: exporter \"file\" is not defined")

    def test_unused_component_is_a_warning(self):
        p = self.write(minimal_config(1, 2, 3) + "processors:\n  batch:\n")
        r = run_cli("validate", "--config", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("processors.batch: defined but not used", r.stderr)

    def test_merge_env_and_set(self):
        base = self.write(minimal_config("${env:HTTP_PORT}", 2, 3))
        over = self.write("exporters:\n  debug:\n    verbosity: detailed\n", "over.yaml")
        r = run_cli("print-config", "--config", base, "--config", over, "--set", "extensions.health_check.endpoint=127.0.0.1:9999",
                    env={"HTTP_PORT": "4555"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("127.0.0.1:4555", r.stdout)
        self.assertIn("detailed", r.stdout)
        self.assertIn("127.0.0.1:9999", r.stdout)

    def test_print_config_redacts_secrets(self):
        p = self.write("receivers:\n  otlp:\n    protocols:\n      http:\n        auth:\n          bearer_token: s3cr3t-token\n"
                       "exporters:\n  pyroscope:\n    endpoint: http://pyro:4040\n    basic_auth:\n"
                       "      username: alice\n      password: hunter2\nservice:\n  pipelines:\n    profiles:\n"
                       "      receivers: [otlp]\n      exporters: [pyroscope]\n")
        r = run_cli("print-config", "--config", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("s3cr3t-token", r.stdout)
        self.assertNotIn("hunter2", r.stdout)
        self.assertIn("alice", r.stdout)
        self.assertEqual(r.stdout.count("[REDACTED]"), 2)


class Running(unittest.TestCase):
    def test_default_config_serves_metrics_and_health_and_stops_on_sigterm(self):
        for port in (4317, 4318, 4040, 8888, 13133):
            self.assertFalse(wait_port(port, timeout=0.1), f"port {port} is busy; the default-config test needs it")
        # No --config at all: the embedded default config.
        d = tempfile.mkdtemp(prefix="proflow-default-")
        proc = subprocess.Popen([PROFLOW], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            for port in (4317, 4318, 4040, 8888, 13133):
                self.assertTrue(wait_port(port), f"default config did not open {port}")
            status, body = http_get("http://127.0.0.1:8888/metrics")
            self.assertEqual(status, 200)
            self.assertIn(b"otelcol_process_uptime", body)
            status, _ = http_get("http://127.0.0.1:13133/")
            self.assertEqual(status, 200)
            # Data sent to the default config lands under ./proflow-data.
            req = urllib.request.Request("http://127.0.0.1:4040/ingest?name=quickstart.cpu&spyName=test",
                                         data=b"main;work 100\nmain;idle 5\n", method="POST")
            with urllib.request.urlopen(req, timeout=5) as r:
                self.assertEqual(r.status, 200)
            deadline = time.time() + 10
            written = ""
            while "quickstart" not in written and time.time() < deadline:
                time.sleep(0.2)
                written = "".join(open(f).read() for f in glob.glob(os.path.join(d, "proflow-data", "*")))
            self.assertIn("quickstart", written)
            t0 = time.time()
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(timeout=5)
            self.assertLess(time.time() - t0, 5.0)
            self.assertEqual(rc, 0, proc.stdout.read().decode())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def test_sighup_reload_good_and_bad(self):
        http_port, metrics_port, health1, health2 = free_port(), free_port(), free_port(), free_port()
        with Proflow(minimal_config(http_port, metrics_port, health1), wait_ports=(health1, metrics_port)) as p:
            self.assertEqual(http_get(f"http://127.0.0.1:{health1}/")[0], 200)
            # A good new config moves the health endpoint.
            with open(p.config_path, "w") as f:
                f.write(minimal_config(http_port, metrics_port, health2))
            p.signal(signal.SIGHUP)
            self.assertTrue(wait_port(health2), p.logs())
            self.assertEqual(http_get(f"http://127.0.0.1:{health2}/")[0], 200)
            # A bad one is refused and the running config keeps serving.
            with open(p.config_path, "w") as f:
                f.write("receivers: [this is not valid\n")
            p.signal(signal.SIGHUP)
            deadline = time.time() + 10
            while "keeping the running one" not in p.logs() and time.time() < deadline:
                time.sleep(0.1)
            self.assertIn("keeping the running one", p.logs())
            self.assertEqual(http_get(f"http://127.0.0.1:{health2}/")[0], 200)
            m = p.metrics(metrics_port)
            self.assertGreater(metric(m, "otelcol_process_uptime"), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
