#!/usr/bin/python3
"""test_scrape_passthrough.py — issue 11's scraper fast path, checked on the bytes the backends get.

A Python HTTP server serves the Go fixtures as /debug/pprof/{profile,allocs,goroutine} (the same
bytes on every scrape). proflow's `pprof` receiver scrapes process_cpu, memory (delta off) and
goroutine every 2 s and sends them with the `pyroscope` (push) and `parca` (WriteRaw) exporters to
the Python backends of servers/profile_backends.py, which decode with Python protobuf and record the
SHA-256 of every raw profile. A pprof handed on as served is sent as served (pprof → pprof, no OTLP
round trip), so its bytes must be the fixture's; a batch that a processor changed must be encoded
again and still carry the fixture's values.

Cases:
  - pprof → pyroscope and parca: every raw profile is the fixture it was scraped from, byte for byte,
    under the target's labels, and proflow_exporter_pprofs_total counts them as_scraped;
  - pprof → batch → pyroscope, two targets: the merged batches still send the scraped bytes;
  - pprof → resource processor → pyroscope: the pprofs are encoded again (other bytes), with the
    fixture's sample types and value sums, and the processor's label."""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "servers"))
from harness import FIXTURES, Proflow, free_port, metric, run_cases  # noqa: E402
from profile_backends import ParcaServer, PyroscopeServer, analyse_pprof, profiles_by_name  # noqa: E402

SERVED = {"/debug/pprof/profile": "cpu.pb.gz", "/debug/pprof/allocs": "allocs.pb.gz",
          "/debug/pprof/goroutine": "goroutine.pb.gz"}
NAMES = {"process_cpu": "cpu.pb.gz", "memory": "allocs.pb.gz", "goroutine": "goroutine.pb.gz"}
EACH = 2  # pprofs of every type to wait for
PROCESSORS = {"batch": "\n  batch: {timeout: 300ms}",
              "resource": "\n  resource:\n    attributes:\n      - {key: env, value: ci, action: insert}"}


def fixture(name):
    with open(os.path.join(FIXTURES, "pprof", "go", name), "rb") as f:
        return f.read()


class FixtureTarget:
    """Answers GET <path>?<anything> with the fixture SERVED names for the path."""

    def __init__(self):
        bodies = {path: fixture(name) for path, name in SERVED.items()}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = bodies.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def config(targets, pyroscope_port, metrics_port, processors="", parca_port=None):
    exporters = ["pyroscope"] + (["parca"] if parca_port else [])
    parca = f"""
  parca:
    endpoint: 127.0.0.1:{parca_port}
    insecure: true""" if parca_port else ""
    return f"""
receivers:
  pprof:
    scrape_configs:
      - job_name: fixtures
        scrape_interval: 2s
        scrape_timeout: 2s
        static_configs:
          - targets: {json.dumps(targets)}
            labels: {{service_name: checkout}}
        profiling_config:
          profile.memory: {{delta: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
processors:{PROCESSORS.get(processors, " {}")}
exporters:
  pyroscope:
    endpoint: http://127.0.0.1:{pyroscope_port}{parca}
service:
  pipelines:
    profiles:
      receivers: [pprof]
      processors: [{processors}]
      exporters: [{", ".join(exporters)}]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""


def enough(snapshot, instances=1):
    got = profiles_by_name(snapshot)
    return all(len(got.get(n, [])) >= EACH * instances for n in NAMES)


def run(targets, processors="", with_parca=False):
    """Scrapes until every backend has EACH pprofs of every type per target; returns their records, the
    target addresses and proflow's metrics at the end."""
    target = FixtureTarget()
    pyro_port, metrics_port = free_port(), free_port()
    pyro = PyroscopeServer(pyro_port)
    parca_port = free_port() if with_parca else None
    parca = ParcaServer(parca_port) if with_parca else None
    addrs = [a.format(port=target.port) for a in targets]
    backends = [pyro] + ([parca] if parca else [])
    try:
        with Proflow(config(addrs, pyro_port, metrics_port, processors, parca_port), wait_ports=[metrics_port]) as pf:
            for b in backends:
                assert b.wait(lambda s: enough(s, len(addrs)), timeout=60), f"{b.snapshot()['series']}\n{pf.logs()}"
            m = pf.metrics(metrics_port)
        assert metric(m, "otelcol_receiver_refused_profile_samples", receiver="pprof") == 0, m
        return [b.snapshot() for b in backends], addrs, m
    finally:
        for b in backends:
            b.stop()
        target.stop()


def pprofs(m, exporter, origin):
    return metric(m, "proflow_exporter_pprofs_total", exporter=exporter, pprof=origin)


def expected():
    return {name: analyse_pprof(fixture(f)) for name, f in NAMES.items()}


def check_as_served(snapshot, instances):
    want = expected()
    got = profiles_by_name(snapshot)
    assert sorted(got) == sorted(NAMES), sorted(got)
    for name, entries in got.items():
        for labels, p in entries:
            assert p["sha256"] == want[name]["sha256"], (name, labels, p, want[name])
            assert labels["service_name"] == "checkout" and labels["job"] == "fixtures", labels
            assert labels["instance"] in instances, (labels, instances)
    return {n: len(e) for n, e in got.items()}


def test_direct():
    (pyro, parca), addrs, m = run(['127.0.0.1:{port}'], with_parca=True)
    counts = check_as_served(pyro, addrs), check_as_served(parca, addrs)
    for exporter in ("pyroscope", "parca"):
        assert pprofs(m, exporter, "as_scraped") >= EACH * len(NAMES), m
        assert pprofs(m, exporter, "encoded") == 0, m
    print(f"ok: pyroscope and parca got every scraped pprof byte for byte: {counts}")


def test_batched_two_targets():
    (pyro,), addrs, m = run(['127.0.0.1:{port}', 'localhost:{port}'], processors="batch")
    assert pprofs(m, "pyroscope", "encoded") == 0, m
    counts = check_as_served(pyro, addrs)
    got = profiles_by_name(pyro)
    assert {labels["instance"] for labels, _ in got["memory"]} == set(addrs), got["memory"]
    print(f"ok: through the batch processor, two targets, every pprof as scraped: {counts}")


def test_resource_processor_encodes_again():
    (pyro,), addrs, m = run(['127.0.0.1:{port}'], processors="resource")
    assert pprofs(m, "pyroscope", "as_scraped") == 0 and pprofs(m, "pyroscope", "encoded") >= EACH * len(NAMES), m
    want = expected()
    got = profiles_by_name(pyro)
    assert sorted(got) == sorted(NAMES), sorted(got)
    for name, entries in got.items():
        for labels, p in entries:
            assert labels["env"] == "ci", labels
            assert p["sha256"] != want[name]["sha256"], (name, "a changed batch was sent as scraped")
            assert p["pprof_ok"] and p["gzipped"], p
            assert p["sample_types"] == want[name]["sample_types"], (p, want[name])
            assert p["sums"] == want[name]["sums"], (name, p["sums"], want[name]["sums"])
    print(f"ok: after a resource processor every pprof is encoded again with the fixture's values: "
          f"{ {n: len(e) for n, e in got.items()} }")


if __name__ == "__main__":
    run_cases([("pprof to pyroscope and parca as served", test_direct),
               ("pprof through batch, two targets", test_batched_two_targets),
               ("resource processor: encoded again", test_resource_processor_encodes_again)])
