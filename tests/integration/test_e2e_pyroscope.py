#!/usr/bin/python3
"""test_e2e_pyroscope.py — end to end from the real @pyroscope/nodejs SDK to a Pyroscope backend:
a busy Node process (tests/node/push_to_proflow.js) pushes to proflow's `pyroscope` receiver, the
pipeline runs `batch`, and the `pyroscope` exporter pushes (push.v1 Push) to the Python backend of
servers/profile_backends.py, which decodes with Python protobuf and runs `go tool pprof -raw`.

The Node script keeps a copy of every request body the SDK sent. Checked:
  - proflow answered every SDK request 200 and counted each one; nothing refused or failed to send;
  - per profile type (wall, memory) the backend received the same per-sample-type totals and sample
    count as the SDK sent (sums of `go tool pprof -raw` over the SDK's own pprofs);
  - series labels: __name__, service_name from the SDK's appName, the SDK tags, __delta__, and no
    other reserved label;
  - every pprof the backend got parses with `go tool pprof`, is gzipped with ids 1..n, and the
    wrapWithLabels sample labels (endpoint, vehicle) survive."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "servers"))
from harness import SOURCE_DIR, Proflow, free_port, metric, run_cases  # noqa: E402
from e2e_lib import record_details, totals  # noqa: E402
from profile_backends import PyroscopeServer  # noqa: E402
import pyroscope_receiver_lib as L  # noqa: E402

NODE_DIR = os.path.join(SOURCE_DIR, "tests", "node")
SDK_SECONDS = 7  # the SDK flushes every 2s: at least three requests of each type


def config(receiver_port, metrics_port, backend_port):
    return f"""
receivers:
  pyroscope:
    endpoint: 127.0.0.1:{receiver_port}
processors:
  batch:
    timeout: 500ms
exporters:
  pyroscope:
    endpoint: http://127.0.0.1:{backend_port}
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}}
service:
  pipelines:
    profiles:
      receivers: [pyroscope]
      processors: [batch]
      exporters: [pyroscope]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""


def sdk_requests(record_dir):
    """{profile type: {'sums': {type/unit: total}, 'samples': n}} of what the SDK sent."""
    sent = {}
    for name in sorted(n for n in os.listdir(record_dir) if n.endswith(".json")):
        with open(os.path.join(record_dir, name)) as f:
            meta = json.load(f)
        assert meta["status"] == 200, meta
        body = os.path.join(record_dir, name[:-5] + ".body")
        pprof = L.pprof_totals(body)
        kind = "wall" if "wall/nanoseconds" in pprof["types"] else "memory"
        entry = sent.setdefault(kind, {"sums": {}, "samples": 0})
        entry["samples"] += L.pprof_sample_count(body)
        for t, v in pprof["sums"].items():
            entry["sums"][t] = entry["sums"].get(t, 0) + v
    return sent


def main():
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@pyroscope", "nodejs")):
        raise SystemExit("@pyroscope/nodejs is not installed: run scripts/install-test-peers.sh")
    record_details()
    work = tempfile.mkdtemp(prefix="proflow-e2e-pyroscope-")
    record_dir = os.path.join(work, "sent")
    os.makedirs(record_dir)
    rport, mport, bport = free_port(), free_port(), free_port()
    backend = PyroscopeServer(bport)
    try:
        with Proflow(config(rport, mport, bport), wait_ports=[rport, mport], workdir=work) as pf:
            run = subprocess.run(["node", "push_to_proflow.js", f"http://127.0.0.1:{rport}", str(SDK_SECONDS),
                                  record_dir], cwd=NODE_DIR, capture_output=True, text=True, timeout=60)
            assert run.returncode == 0 and "stopped" in run.stdout, (run.stdout, run.stderr)
            requests = len([n for n in os.listdir(record_dir) if n.endswith(".json")])
            m = pf.wait_metrics(mport, lambda m: metric(m, "proflow_receiver_requests_total") == requests and
                             metric(m, "otelcol_exporter_sent_profile_samples", exporter="pyroscope") ==
                             metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pyroscope"))
        record = backend.dump(os.path.join(work, "backend.json"))
    finally:
        backend.stop()

    assert metric(m, "proflow_receiver_requests_total", transport="ingest", status="200") == requests, m
    assert metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pyroscope") > 0, m
    assert metric(m, "otelcol_receiver_refused_profile_samples", receiver="pyroscope") == 0, m
    assert metric(m, "otelcol_exporter_send_failed_profile_samples", exporter="pyroscope") == 0, m
    assert metric(m, "otelcol_exporter_enqueue_failed_profile_samples", exporter="pyroscope") == 0, m

    sent = sdk_requests(record_dir)
    assert set(sent) == {"wall", "memory"}, sent
    got = {}
    sdk_labels = {"service_name": "sdk-app", "env": "ci", "team": "profiling", "pyroscope_spy": "nodespy",
                  "__delta__": "false"}
    for series in record["series"]:
        labels = series["labels"]
        assert sdk_labels.items() <= labels.items(), labels
        assert {k for k in labels if k.startswith("__")} == {"__name__", "__delta__"}, labels
        got.setdefault(labels["__name__"], []).extend(series["profiles"])
        for p in series["profiles"]:
            assert p["pprof_ok"] and p["gzipped"] and p["ids_sequential"], p
    assert set(got) == set(sent), (sorted(got), sorted(sent))
    for kind, want in sent.items():
        sums, samples = totals(got[kind])
        assert sums == want["sums"], (kind, sums, want["sums"])
        assert samples == want["samples"], (kind, samples, want["samples"])
    assert any({"endpoint", "vehicle"} <= set(p["label_keys"]) for p in got["wall"]), \
        "the wrapWithLabels sample labels did not reach the backend"
    print(f"ok: {requests} SDK requests → batch → pyroscope exporter; backend totals equal the SDK's: "
          + ", ".join(f"{k} {v['samples']} samples" for k, v in sorted(sent.items())))


if __name__ == "__main__":
    run_cases([("e2e pyroscope", main)])
