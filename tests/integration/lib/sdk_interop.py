"""sdk_interop.py — the real Pyroscope SDKs against proflow's pyroscope receiver (not a test itself).

run(): starts a Pyroscope push backend (profile_backends.PyroscopeServer), proflow with
  pyroscope receiver (include_metadata) → file/pprof (format pprof), file/otlp (format proto) and a
  pyroscope exporter (tenant_from_metadata, headers_from_metadata: [authorization]) to that backend,
  and a RecordingProxy in front of the receiver; then runs the SDK workload command (given the
  proxy's URL) and waits until every sample proflow accepted is on disk and at the backend.
  Returns a Run with: records (every request the SDK sent: target, headers, body, status),
  outputs (one dict per pprof file: path, types, sums, samples, label keys from `go tool pprof -raw`),
  resources (resource attributes of every OTLP profile written), backend (the backend's record) and
  metrics.
pprof_part(record): the pprof an /ingest request carries (raw body or the multipart 'profile' part),
  push_series(record): the series of a push.v1 Push request (labels, raw pprofs),
  multipart(record): {part name: bytes}; pprof_sums(raw): {type/unit: sum} with Python protobuf."""
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
from harness import Proflow, free_port, metric  # noqa: E402
from peers import RecordingProxy  # noqa: E402
from profile_backends import PyroscopeServer, profile_pb2, push_pb2  # noqa: E402
from otlp_client import svc  # noqa: E402


def config(port, metrics_port, out_dir, backend_port):
    return f"""
receivers:
  pyroscope:
    endpoint: 127.0.0.1:{port}
    include_metadata: true
exporters:
  file/pprof:
    path: {out_dir}/pprof
    format: pprof
  file/otlp:
    path: {out_dir}/otlp
    format: proto
  pyroscope:
    endpoint: http://127.0.0.1:{backend_port}
    tenant_from_metadata: true
    # the test backend runs go tool pprof on every profile before it answers: under load that can
    # take longer than the default 5s, and a retried push would be counted twice
    timeout: 120s
    headers_from_metadata: [authorization]
service:
  pipelines:
    profiles:
      receivers: [pyroscope]
      exporters: [file/pprof, file/otlp, pyroscope]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""


def pprof_sums(raw):
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    p = profile_pb2.Profile.FromString(data)
    s = p.string_table
    types = [f"{s[t.type]}/{s[t.unit]}" for t in p.sample_type]
    sums = dict.fromkeys(types, 0)
    for x in p.sample:
        for t, v in zip(types, x.value):
            sums[t] += v
    return sums


def multipart(record):
    ctype = record["headers"].get("content-type", "")
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not m:
        return {}
    out = {}
    for part in record["body"].split(b"--" + m.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if name:
            out[name.group(1).decode()] = data[:-2] if data.endswith(b"\r\n") else data
    return out


def query(record):
    return {k: v[0] for k, v in parse_qs(urlparse(record["target"]).query).items()}


def push_series(record):
    """A push.v1 Push request (Connect, application/proto, maybe gzip) → [(labels dict, [raw pprof])]."""
    body = record["body"]
    if record["headers"].get("content-encoding", "").lower() == "gzip":
        body = gzip.decompress(body)
    req = push_pb2.PushRequest.FromString(body)
    return [({l.name: l.value for l in s.labels}, [x.raw_profile for x in s.samples]) for s in req.series]


def pprof_part(record):
    parts = multipart(record)
    if parts:
        return parts.get("profile")
    return record["body"]


def raw_pprof(path):
    """`go tool pprof -raw` of a file: sample types, sums of the samples it lists, label keys."""
    text = subprocess.run(["go", "tool", "pprof", "-raw", path], check=True, capture_output=True, text=True).stdout
    lines = text.splitlines()
    start = lines.index("Samples:")
    types = [t.replace("[dflt]", "") for t in lines[start + 1].split()]
    label_keys = set()
    for line in lines[start + 2:]:
        if line in ("Locations", "Mappings"):
            break
        label_keys.update(re.findall(r"(\S+?):\[", line))
    return {"types": types, "label_keys": label_keys}


class Run:
    pass


def run(workload_cmd, seconds_timeout=120, env=None, cwd=None):
    """workload_cmd(proxy_url) → argv. Returns a Run (see the module docstring)."""
    work = tempfile.mkdtemp(prefix="proflow-sdk-interop-")
    out_dir = os.path.join(work, "out")
    port, metrics_port, backend_port = free_port(), free_port(), free_port()
    backend = PyroscopeServer(backend_port)
    r = Run()
    try:
        with Proflow(config(port, metrics_port, out_dir, backend_port), wait_ports=[port, metrics_port]) as pf, \
                RecordingProxy(port) as proxy:
            argv = workload_cmd(f"http://127.0.0.1:{proxy.port}")
            e = dict(os.environ)
            e.update(env or {})
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=seconds_timeout, env=e, cwd=cwd or work)
            r.stdout, r.stderr = proc.stdout, proc.stderr
            assert proc.returncode == 0, (argv, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
            deadline = time.time() + 120
            while True:
                m = pf.metrics(metrics_port)
                accepted = metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pyroscope")
                done = all(metric(m, "otelcol_exporter_sent_profile_samples", exporter=x) == accepted
                           for x in ("file/pprof", "file/otlp", "pyroscope"))
                if done or time.time() > deadline:
                    break
                time.sleep(0.1)
            r.metrics = m
            r.records = list(proxy.records)
    finally:
        backend.stop()
    r.backend = backend.snapshot()
    r.outputs = []
    pdir = os.path.join(out_dir, "pprof")
    for name in sorted(os.listdir(pdir)) if os.path.isdir(pdir) else []:
        path = os.path.join(pdir, name)
        raw = open(path, "rb").read()
        r.outputs.append({"path": path, "name": name, "sums": pprof_sums(raw), **raw_pprof(path)})
    r.resources = []
    odir = os.path.join(out_dir, "otlp")
    for name in sorted(os.listdir(odir)) if os.path.isdir(odir) else []:
        req = svc.ExportProfilesServiceRequest.FromString(open(os.path.join(odir, name), "rb").read())
        for rp in req.resource_profiles:
            r.resources.append({kv.key: kv.value.string_value for kv in rp.resource.attributes})
    return r


def add(total, sums):
    for t, v in sums.items():
        total[t] = total.get(t, 0) + v
    return total


def check_common(r, tenant=None, authorization=None, tags=None):
    """Every push answered 2xx; go tool pprof -raw read every file (raw_pprof ran); the tenant and the
    Authorization header reached the batch metadata (forwarded by the pyroscope exporter to the
    backend); tags are resource attributes of every profile."""
    assert r.records, "the SDK sent nothing"
    bad = [(x["target"], x["status"], x["answer"][:200]) for x in r.records if not 200 <= x["status"] < 300]
    assert not bad, bad
    assert r.outputs, "no pprof written"
    assert metric(r.metrics, "otelcol_receiver_refused_profile_samples", receiver="pyroscope") == 0, r.metrics
    if tenant:
        assert {x["headers"].get("x-scope-orgid") for x in r.records} == {tenant}
        assert r.backend["headers"] and {h.get("x-scope-orgid") for h in r.backend["headers"]} == {tenant}, \
            r.backend["headers"]
    if authorization:
        assert {x["headers"].get("authorization") for x in r.records} == {authorization}
        assert {h.get("authorization") for h in r.backend["headers"]} == {authorization}, r.backend["headers"]
    for k, v in (tags or {}).items():
        assert r.resources and all(res.get(k) == v for res in r.resources), (k, v, r.resources[:3])
