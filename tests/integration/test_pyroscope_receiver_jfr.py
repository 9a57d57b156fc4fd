#!/usr/bin/python3
"""test_pyroscope_receiver_jfr.py — a JDK Flight Recorder file recorded here with OpenJDK (javac +
`java -XX:StartFlightRecording=...,settings=profile` on tests/fixtures/jfr/Busy.java for 3 s) is
posted to proflow's `pyroscope` receiver by curl as `format=jfr`, once raw and once as a multipart
form (`jfr` file part). The pprof files the `file` exporter wrote (`format: pprof`, one per profile
type) must match what the JDK's own `jfr` tool reports for the same recording:
  process_cpu  cpu/nanoseconds    = (jdk.ExecutionSample not STATE_SLEEPING) x 1e9/sampleRate
  memory       alloc_sample_*     = jdk.ObjectAllocationSample count and weight sum
  mutex        contentions, delay = jdk.JavaMonitorEnter count and duration sum
(`jfr print --json` per event, cross-checked against the `jfr summary` counts). proflow keeps events
without a stack trace (jfr.h) as one sample with an empty stack. So the `go tool pprof -top` totals,
the file read with Python protobuf and the OTLP of the same batches all equal every event; the
stackless sample holds exactly the stackless events (in JDK 17 these are jdk.ObjectAllocationSample
events of JIT compiler threads: stack trace id 0, `"stackTrace": null`); and the samples `go tool
pprof -raw` lists with a stack sum exactly the events that have one (pprof_totals(): whether -raw
lists the stackless sample at all depends on the Go version). The service name and the name's
labels are resource attributes, and both uploads give identical profiles."""
import json
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import FIXTURES, Proflow, free_port, metric, run_cases  # noqa: E402
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


def weights(event_type, values):
    """(profile type, {sample type: value}) that one event adds, or None when it adds nothing."""
    if event_type == "jdk.ExecutionSample":
        return None if values.get("state") == "STATE_SLEEPING" else ("process_cpu", {"cpu/nanoseconds": 10000000})
    if event_type == "jdk.ObjectAllocationSample":
        return "memory", {"alloc_sample_objects/count": 1, "alloc_sample_bytes/bytes": int(values["weight"])}
    return "mutex", {"contentions/count": 1, "delay/nanoseconds": iso_duration_ns(values["duration"])}


def ground_truth(jfr):
    """{'all': totals of every event, 'with_stack': of the events that have a stack trace,
    'stackless': {profile type: number of events without one}}; totals are {profile: {type: sum}}."""
    events = json.loads(subprocess.run(["jfr", "print", "--json", "--events", ",".join(EVENTS), jfr], check=True,
                                       capture_output=True, text=True).stdout)["recording"]["events"]
    summary = subprocess.run(["jfr", "summary", jfr], check=True, capture_output=True, text=True).stdout
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*(jdk\.\w+)\s+(\d+)\s+\d+\s*$", summary, re.M)}
    for t in EVENTS:
        assert sum(e["type"] == t for e in events) == counts.get(t, 0), (t, counts.get(t))
    truth = {"all": {}, "with_stack": {}, "stackless": {}}
    for e in events:
        w = weights(e["type"], e["values"])
        if w is None:
            continue
        profile, values = w
        has_stack = bool((e["values"].get("stackTrace") or {}).get("frames"))
        for key in ("all", "with_stack") if has_stack else ("all",):
            sums = truth[key].setdefault(profile, dict.fromkeys(values, 0))
            for t, v in values.items():
                sums[t] += v
        if not has_stack:
            truth["stackless"][profile] = truth["stackless"].get(profile, 0) + 1
    assert sorted(truth["all"]) == ["memory", "mutex", "process_cpu"], counts
    return truth


def curl(port, query, args):
    out = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args,
                          f"http://127.0.0.1:{port}/ingest?{query}"], check=True, capture_output=True, text=True)
    body, _, code = out.stdout.rpartition("\n")
    return int(code), body


def main():
    work = tempfile.mkdtemp(prefix="proflow-pyro-jfr-")
    jfr = record(work)
    truth = ground_truth(jfr)
    want, stackless = truth["all"], truth["stackless"]
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

    uploads = {}
    for item in L.exported(out_dir):
        name, pprof, contents = item["name"], item["pprof"], item["contents"]
        assert item["service"] == "java-busy", item
        assert item["resource"].get("env") == "ci" and item["resource"].get("pyroscope_spy") == "javaspy", item
        # Every event counts in go tool pprof -top, the file and the OTLP.
        assert pprof["top"] == contents["sums"] == item["sums"] == want[name], (name, pprof, item["sums"], want)
        # The events without a stack are the file's one stackless sample; the rest is what -raw lists with a stack.
        with_stack = truth["with_stack"].get(name, dict.fromkeys(want[name], 0))
        assert contents["stackless"] == {"samples": 1 if stackless.get(name) else 0,
                                         "sums": {t: v - with_stack[t] for t, v in want[name].items()}}, \
            (name, contents, stackless)
        assert pprof["sums"] == contents["stacked_sums"] == with_stack, (name, pprof, with_stack)
        uploads.setdefault(item["otlp_file"], {})[name] = pprof["top"]
    assert len(uploads) == 2 and all(sorted(u) == sorted(want) for u in uploads.values()), uploads
    print(f"ok: raw and multipart JFR uploads equal `jfr print`: {want}; events without a stack: {stackless}")


if __name__ == "__main__":
    run_cases([("pyroscope receiver jfr", main)])
