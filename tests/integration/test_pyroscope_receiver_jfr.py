#!/usr/bin/python3
"""test_pyroscope_receiver_jfr.py — a JDK Flight Recorder file recorded here with OpenJDK (javac +
`java -XX:StartFlightRecording=...,settings=profile` on tests/fixtures/jfr/Busy.java for 3 s) is
posted to proflow's `pyroscope` receiver by curl as `format=jfr`, once raw and once as a multipart
form (`jfr` file part). What the `file` exporter wrote must match what the JDK's own `jfr` tool
reports for the same recording:
  process_cpu  cpu/nanoseconds    = (jdk.ExecutionSample not STATE_SLEEPING) x 1e9/sampleRate
  memory       alloc_sample_*     = jdk.ObjectAllocationSample count and weight sum
  mutex        contentions, delay = jdk.JavaMonitorEnter count and duration sum
(`jfr print --json` per event, cross-checked against the `jfr summary` counts), with the service
name and the name's labels as resource attributes, and both uploads giving identical profiles."""
import json
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import FIXTURES, Proflow, free_port, metric  # noqa: E402
import pyroscope_receiver_lib as L  # noqa: E402

EVENTS = ["jdk.ExecutionSample", "jdk.ObjectAllocationSample", "jdk.JavaMonitorEnter"]


def record(work):
    subprocess.run(["javac", "-d", work, os.path.join(FIXTURES, "jfr", "Busy.java")], check=True)
    jfr = os.path.join(work, "busy.jfr")
    subprocess.run(["java", f"-XX:StartFlightRecording=filename={jfr},settings=profile", "-cp", work, "Busy", "3"],
                   check=True, capture_output=True, timeout=120)
    return jfr


def iso_duration_ns(text):
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", text)
    h, mi, s = m.group(1) or 0, m.group(2) or 0, m.group(3) or "0"
    return int((int(h) * 3600 + int(mi) * 60 + Decimal(s)) * 1000000000)


def ground_truth(jfr):
    events = json.loads(subprocess.run(["jfr", "print", "--json", "--events", ",".join(EVENTS), jfr], check=True,
                                       capture_output=True, text=True).stdout)["recording"]["events"]
    summary = subprocess.run(["jfr", "summary", jfr], check=True, capture_output=True, text=True).stdout
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*(jdk\.\w+)\s+(\d+)\s+\d+\s*$", summary, re.M)}
    by_type = {t: [e["values"] for e in events if e["type"] == t] for t in EVENTS}
    for t in EVENTS:
        assert len(by_type[t]) == counts.get(t, 0), (t, len(by_type[t]), counts.get(t))
    cpu = [v for v in by_type["jdk.ExecutionSample"] if v.get("state") != "STATE_SLEEPING"]
    allocs, locks = by_type["jdk.ObjectAllocationSample"], by_type["jdk.JavaMonitorEnter"]
    assert cpu and allocs and locks, counts
    return {
        "process_cpu": {"cpu/nanoseconds": len(cpu) * 10000000},
        "memory": {"alloc_sample_objects/count": len(allocs),
                   "alloc_sample_bytes/bytes": sum(int(v["weight"]) for v in allocs)},
        "mutex": {"contentions/count": len(locks),
                  "delay/nanoseconds": sum(iso_duration_ns(v["duration"]) for v in locks)},
    }


def curl(port, query, args):
    out = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args,
                          f"http://127.0.0.1:{port}/ingest?{query}"], check=True, capture_output=True, text=True)
    body, _, code = out.stdout.rpartition("\n")
    return int(code), body


def main():
    work = tempfile.mkdtemp(prefix="proflow-pyro-jfr-")
    jfr = record(work)
    want = ground_truth(jfr)
    out_dir = os.path.join(work, "out")
    port, metrics_port = free_port(), free_port()
    query = "name=java-busy%7Benv%3Dci%7D&format=jfr&from=1795253993&until=1795253996&spyName=javaspy"
    with Proflow(L.config(port, metrics_port, out_dir), wait_ports=[port, metrics_port]) as pf:
        code, body = curl(port, query, ["-H", "content-type: application/octet-stream", "--data-binary", f"@{jfr}"])
        assert code == 200, (code, body)
        code, body = curl(port, query, ["-F", f"jfr=@{jfr};filename=jfr;type=application/octet-stream"])
        assert code == 200, (code, body)
        m = L.wait_exported(pf, metrics_port)
        assert metric(m, "proflow_receiver_requests_total", transport="ingest", status="200") == 2, m

    items = L.exported(out_dir, work)
    uploads = {}
    for item in items:
        assert item["service"] == "java-busy", item
        assert item["resource"].get("env") == "ci" and item["resource"].get("pyroscope_spy") == "javaspy", item
        # go tool pprof leaves out samples without a stack; the OTLP keeps them (see jfr.h).
        for t, v in item["pprof"]["sums"].items():
            assert 0 < v <= item["sums"][t], (item["name"], t, v, item["sums"])
        uploads.setdefault(item["file"], {})[item["name"]] = item["sums"]
    assert len(uploads) == 2, uploads.keys()
    for got in uploads.values():
        assert got == want, (got, want)
    print(f"ok: raw and multipart JFR uploads equal `jfr print`: {want}")


if __name__ == "__main__":
    main()
