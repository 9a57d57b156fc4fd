#!/usr/bin/python3
"""test_pyroscope_receiver_sdk.py — the real @pyroscope/nodejs SDK (tests/node, installed by
scripts/install-test-peers.sh) pushes from a busy Node process to proflow's `pyroscope` receiver.

The Node script records every request the SDK sends and the answer it got. We check that proflow
answered each with 200 and counted them, and that the pprof files the `file` exporter wrote in
`format: pprof` equal what the SDK sent, profile by profile: type (wall / memory), sample count, and
the per-type totals that the real `go tool pprof -top` reports (and the exact `-raw` sums) for the
SDK's own pprof versus proflow's file; the wrapWithLabels sample labels survive in the pprof, and
the service name and tags in the same batches written as OTLP, whose counts and sums agree."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import SOURCE_DIR, Proflow, free_port, metric, run_cases  # noqa: E402
import pyroscope_receiver_lib as L  # noqa: E402

NODE_DIR = os.path.join(SOURCE_DIR, "tests", "node")


def main():
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@pyroscope", "nodejs")):
        raise SystemExit("@pyroscope/nodejs is not installed: run scripts/install-test-peers.sh")
    work = tempfile.mkdtemp(prefix="proflow-pyro-sdk-")
    out_dir, record = os.path.join(work, "out"), os.path.join(work, "sent")
    os.makedirs(record)
    port, metrics_port = free_port(), free_port()
    with Proflow(L.config(port, metrics_port, out_dir), wait_ports=[port, metrics_port]) as pf:
        run = subprocess.run(["node", "push_to_proflow.js", f"http://127.0.0.1:{port}", "7", record], cwd=NODE_DIR,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0 and "stopped" in run.stdout, (run.stdout, run.stderr)
        m = L.wait_exported(pf, metrics_port)

    sent = []
    for name in sorted(n for n in os.listdir(record) if n.endswith(".json")):
        meta = json.load(open(os.path.join(record, name)))
        assert meta["status"] == 200, meta
        assert meta["headers"].get("x-scope-orgid") == "sdk-tenant", meta["headers"]
        body = os.path.join(record, name[:-5] + ".body")
        totals = L.pprof_totals(body)
        top, contents = L.top_totals(body, totals["types"]), L.pprof_contents(body)
        assert (top, totals["sums"]) == (contents["sums"], contents["stacked_sums"]), (name, top, totals, contents)
        kind = "wall" if "wall/nanoseconds" in totals["types"] else "memory"
        sent.append((kind, contents["samples"], json.dumps(top, sort_keys=True), totals))
    assert len(sent) >= 3 and {s[0] for s in sent} == {"wall", "memory"}, sent
    assert metric(m, "proflow_receiver_requests_total", transport="ingest", status="200") == len(sent), m
    assert metric(m, "otelcol_receiver_refused_profile_samples", receiver="pyroscope") == 0, m

    got = []
    for item in L.exported(out_dir):
        assert item["service"] == "sdk-app", item
        for k, v in (("env", "ci"), ("team", "profiling"), ("pyroscope_spy", "nodespy")):
            assert item["resource"].get(k) == v, (k, item["resource"])
        pprof, contents = item["pprof"], item["contents"]
        # -top, -raw and the file agree (-raw leaves samples without a stack out, -top counts them)
        assert (pprof["top"], pprof["sums"]) == (contents["sums"], contents["stacked_sums"]), item
        assert (item["samples"], item["sums"]) == (contents["samples"], contents["sums"]), item  # and the OTLP
        got.append((item["name"], contents["samples"], json.dumps(pprof["top"], sort_keys=True), pprof))
    assert sorted(g[:3] for g in got) == sorted(s[:3] for s in sent), (got, sent)
    labelled = [s for s in sent if "endpoint" in s[3]["label_keys"]]
    assert labelled, "the SDK sent no labelled wall samples"
    for s in labelled:
        match = next(g for g in got if g[:3] == s[:3])
        assert match[3]["label_keys"] == s[3]["label_keys"], (match, s)
    print(f"ok: {len(sent)} SDK requests accepted, totals equal what the SDK sent")


if __name__ == "__main__":
    run_cases([("pyroscope receiver sdk", main)])
