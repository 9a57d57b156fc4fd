#!/usr/bin/python3
"""test_interop_sdk_java.py — the real Pyroscope Java agent (io.pyroscope:agent from Maven Central,
version in tests/peers/versions; it bundles async-profiler) attached to tests/peers/pyroscope-java's
Workload for ~10 s, pushing JFR (format=jfr, multipart: `jfr` gzipped, plus `labels` from the
agent's LabelsWrapper) with tags, a tenant and basic auth to proflow's pyroscope receiver through a
recording proxy. This is async-profiler's JFR, not the JDK's own recorder.

Asserted: every push was answered 2xx; `go tool pprof -raw` reads every pprof file proflow wrote;
cpu, alloc_in_new_tlab_{objects,bytes} and lock contention (mutex contentions/delay) exist; the tags
are resource attributes and the LabelsWrapper label is a sample label; the tenant and basic auth
reached the batch metadata (forwarded to a push backend); and per profile kind and sample type the
totals proflow wrote equal what the agent sent, computed here from the captured JFR with the JDK's
`jfr print --json` (execution samples x 1e9/sampleRate, TLAB sizes, monitor-enter and park counts and
durations)."""
import base64
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from peers import PEERS, require  # noqa: E402
import sdk_interop as S  # noqa: E402

TENANT, USER, PASSWORD = "java-tenant", "java-user", "java-secret"
EVENTS = "jdk.ExecutionSample,jdk.ObjectAllocationInNewTLAB,jdk.ObjectAllocationOutsideTLAB,jdk.JavaMonitorEnter,jdk.ThreadPark"


def iso_ns(d):
    m = re.fullmatch(r"(-)?PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", d)
    assert m, d
    ns = (int(m.group(2) or 0) * 3600 + int(m.group(3) or 0) * 60) * 10**9 + int(Decimal(m.group(4) or "0") * 10**9)
    return -ns if m.group(1) else ns


def jfr_truth(jfr_bytes, sample_rate):
    """{(profile kind, type/unit): total} from one recording, read by the JDK's jfr tool."""
    with tempfile.NamedTemporaryFile(suffix=".jfr", delete=False) as f:
        f.write(gzip.decompress(jfr_bytes) if jfr_bytes[:2] == b"\x1f\x8b" else jfr_bytes)
    out = subprocess.run(["jfr", "print", "--json", "--events", EVENTS, f.name], check=True, capture_output=True,
                         text=True).stdout
    os.unlink(f.name)
    period = 10**9 // sample_rate
    t = {}

    def add(k, v):
        t[k] = t.get(k, 0) + v
    for ev in json.loads(out)["recording"]["events"]:
        v, kind = ev["values"], ev["type"]
        if kind == "jdk.ExecutionSample" and v.get("state") != "STATE_SLEEPING":
            add(("process_cpu", "cpu/nanoseconds"), period)
        elif kind == "jdk.ObjectAllocationInNewTLAB":
            add(("memory", "alloc_in_new_tlab_objects/count"), 1)
            add(("memory", "alloc_in_new_tlab_bytes/bytes"), v["tlabSize"])
        elif kind == "jdk.ObjectAllocationOutsideTLAB":
            add(("memory", "alloc_outside_tlab_objects/count"), 1)
            add(("memory", "alloc_outside_tlab_bytes/bytes"), v["allocationSize"])
        elif kind in ("jdk.JavaMonitorEnter", "jdk.ThreadPark"):
            which = "mutex" if kind == "jdk.JavaMonitorEnter" else "block"
            add((which, "contentions/count"), 1)
            add((which, "delay/nanoseconds"), iso_ns(v["duration"]))
    return t


def main():
    agent, _ = require("java-agent", "java-workload")
    env = {"PYROSCOPE_APPLICATION_NAME": "java-sdk-app", "PYROSCOPE_FORMAT": "jfr",
           "PYROSCOPE_PROFILER_EVENT": "itimer", "PYROSCOPE_PROFILER_ALLOC": "512k",
           "PYROSCOPE_PROFILER_LOCK": "1ms", "PYROSCOPE_UPLOAD_INTERVAL": "5s",
           "PYROSCOPE_LABELS": "env=ci,team=profiling", "PYROSCOPE_TENANT_ID": TENANT,
           "PYROSCOPE_BASIC_AUTH_USER": USER, "PYROSCOPE_BASIC_AUTH_PASSWORD": PASSWORD,
           "PYROSCOPE_LOG_LEVEL": "info"}
    r = S.run(lambda url: ["java", f"-javaagent:{agent}", f"-Dpyroscope.server.address={url}", "-cp",
                           os.path.join(PEERS, "java"), "Workload", "10"], env=env)
    assert "stopped" in r.stdout, (r.stdout, r.stderr[-2000:])
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    S.check_common(r, tenant=TENANT, authorization=auth, tags={"env": "ci", "team": "profiling",
                                                              "service.name": "java-sdk-app"})
    sent, with_labels = {}, 0
    for rec in r.records:
        q = S.query(rec)
        assert q.get("format") == "jfr" and q["name"].startswith("java-sdk-app{"), q
        parts = S.multipart(rec)
        assert "jfr" in parts, list(parts)
        with_labels += "labels" in parts
        for k, v in jfr_truth(parts["jfr"], int(q.get("sampleRate", "100"))).items():
            sent[k] = sent.get(k, 0) + v
    assert with_labels, "the agent sent no labels part"
    got = {}
    for o in r.outputs:
        kind = o["name"].rsplit("-", 1)[1].split(".")[0]
        for t, v in o["sums"].items():
            got[(kind, t)] = got.get((kind, t), 0) + v
    for k in (("process_cpu", "cpu/nanoseconds"), ("memory", "alloc_in_new_tlab_bytes/bytes"),
              ("mutex", "contentions/count"), ("mutex", "delay/nanoseconds")):
        assert got.get(k), (k, got)
    assert any("endpoint" in o["label_keys"] for o in r.outputs), [o["label_keys"] for o in r.outputs]
    assert got == sent, ("totals differ", sorted(got.items()), sorted(sent.items()))
    print(f"ok: {len(r.records)} Java agent JFR uploads ({with_labels} with labels) answered 2xx, {len(r.outputs)} pprof "
          f"files read by go tool pprof, totals equal the JFR's: {sorted(got.items())}")


if __name__ == "__main__":
    main()
