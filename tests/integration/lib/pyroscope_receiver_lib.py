"""pyroscope_receiver_lib.py — helpers for the pyroscope receiver integration tests (not a test itself).

- config(): proflow with the `pyroscope` receiver → two `file` exporters and /metrics: file/pprof
  (format pprof: one gzipped pprof per profile, what the tests measure) and file/otlp (format proto:
  the same batches as OTLP, the only place the resource attributes — service name, labels — survive).
- exported(): one item per profile written: the pprof file measured with the real `go tool pprof`
  (-top totals per sample type, -raw sums, samples and label keys) and decoded with Python protobuf,
  paired with its OTLP resource (attributes, samples, sums).
- pprof_totals() / top_totals(): what `go tool pprof -raw` (samples with a stack) / `-top` (all) say a
  pprof file holds.
- raw_request(): sends exact request bytes over one HTTP/1.1 connection and reads the answer.
- push_stubs(): Python protobuf/grpc modules for push.v1 (generated from proto/ with grpc_tools)."""
import gzip
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import metric  # noqa: E402
from otlp_export_peers import svc  # noqa: E402  (OTLP stubs)

SOURCE_DIR = os.environ.get("PROFLOW_SOURCE_DIR", ".")
FILE_EXPORTERS = ("file/pprof", "file/otlp")


def config(port, metrics_port, out_dir, extra=""):
    """The pprof files go to out_dir/pprof, the OTLP files to out_dir/otlp."""
    return f"""
receivers:
  pyroscope:
    endpoint: 127.0.0.1:{port}
{extra}
exporters:
  file/pprof:
    path: {out_dir}/pprof
    format: pprof
  file/otlp:
    path: {out_dir}/otlp
    format: proto
service:
  pipelines:
    profiles:
      receivers: [pyroscope]
      exporters: [{", ".join(FILE_EXPORTERS)}]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""


def wait_exported(pf, metrics_port, timeout=30.0):
    """Waits until both file exporters report every accepted sample on disk; returns the metrics."""
    deadline = time.time() + timeout
    while True:
        m = pf.metrics(metrics_port)
        accepted = metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pyroscope")
        done = all(metric(m, "otelcol_exporter_sent_profile_samples", exporter=e) == accepted for e in FILE_EXPORTERS)
        if done or time.time() > deadline:
            return m
        time.sleep(0.05)


def pprof_totals(path):
    """{'samples': n, 'sums': {type/unit: sum}, 'label_keys': {key: samples}, 'types': [...]} of the
    samples that `go tool pprof -raw` lists with at least one location.

    Samples without a location are left out here on purpose: whether -raw lists them depends on the
    `go` found on PATH. The pprof vendored in Go 1.19 (Debian 12's golang-go) always runs
    FilterSamplesByName, which drops every sample without a location even when no filter is given;
    the one in Go 1.26 (/usr/local/go) returns early without filters and prints them as "v1 v2: "
    with no location ids. Counting only samples with a location gives the same figures under both.
    The `-top` total (top_totals) counts every sample under both."""
    text = subprocess.run(["go", "tool", "pprof", "-raw", path], check=True, capture_output=True, text=True).stdout
    lines = text.splitlines()
    start = lines.index("Samples:")
    types = [t.replace("[dflt]", "") for t in lines[start + 1].split()]
    sums = dict.fromkeys(types, 0)
    n = 0
    label_keys = {}
    counted = False  # whether the label lines that follow belong to a counted sample
    for line in lines[start + 2:]:
        if line in ("Locations", "Mappings"):
            break
        m = re.match(r"^\s*(-?\d+(?:\s+-?\d+)*):((?: \d+)*) ?$", line)
        if m:
            counted = bool(m.group(2).split())
            if counted:
                for t, v in zip(types, m.group(1).split()):
                    sums[t] += int(v)
                n += 1
        elif counted:
            for key in re.findall(r"(\S+?):\[", line):
                label_keys[key] = label_keys.get(key, 0) + 1
    return {"samples": n, "sums": sums, "label_keys": label_keys, "types": types}


def attributes(kvs):
    out = {}
    for kv in kvs:
        v = kv.value
        out[kv.key] = v.string_value if v.HasField("string_value") else str(v)
    return out


def otlp_resources(req):
    """Per resource of an ExportProfilesServiceRequest: its attributes, the sample count of its first
    profile (every sample type of one pprof shares the samples) and exact sums per type/unit."""
    d = req.dictionary
    out = []
    for rp in req.resource_profiles:
        sums, samples = {}, None
        for sp in rp.scope_profiles:
            for p in sp.profiles:
                t = f"{d.string_table[p.sample_type.type_strindex]}/{d.string_table[p.sample_type.unit_strindex]}"
                sums[t] = sums.get(t, 0) + sum(sum(s.values) for s in p.samples)
                samples = len(p.samples) if samples is None else samples
        out.append({"resource": attributes(rp.resource.attributes), "samples": samples or 0, "sums": sums})
    return out


def top_totals(path, types):
    """{type/unit: total} for each of the pprof's sample types, as `go tool pprof -top` reports it
    ("... of <total> total"). -unit is the sample type's own unit, so the total is printed unscaled."""
    totals = {}
    for i, t in enumerate(types):
        unit = t.split("/", 1)[1]
        text = subprocess.run(["go", "tool", "pprof", "-top", "-nodecount=1", f"-sample_index={i}", f"-unit={unit}",
                               path], check=True, capture_output=True, text=True).stdout
        m = re.search(r"of (-?\d+)[A-Za-z]* total$", text, re.M)
        assert m, f"no exact total for {t} in `go tool pprof -top {path}`:\n{text}"
        totals[t] = int(m.group(1))
    return totals


def pprof_contents(path):
    """What a pprof file holds, read with Python protobuf: sample types, samples and sums, the part of
    them that has no stack, and the sums of the rest ('stacked_sums': what pprof_totals() sums from
    `go tool pprof -raw`, which counts only samples with a stack; the `-top` total counts them all)."""
    data = open(path, "rb").read()
    p = profile_pb2().Profile.FromString(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    s = p.string_table
    types = [f"{s[t.type]}/{s[t.unit]}" for t in p.sample_type]
    stackless = [x for x in p.sample if not x.location_id]

    def sums(samples):
        return {t: sum(x.value[i] for x in samples) for i, t in enumerate(types)}

    return {"types": types, "samples": len(p.sample), "sums": sums(p.sample),
            "stackless": {"samples": len(stackless), "sums": sums(stackless)},
            "stacked_sums": sums([x for x in p.sample if x.location_id])}


def exported(out_dir):
    """One dict per profile the file exporters wrote, in write order:
    'file' (the pprof), 'name' (the profile type in its file name), 'pprof' (pprof_totals() of it plus
    'top': top_totals()), 'contents' (pprof_contents() of it), and from the same profile's OTLP
    resource: 'otlp_file', 'service', 'resource' {attrs}, 'samples', 'sums' (exact).
    Both exporters get the same batches in the same order, and the pprof format writes one file per
    profile in resource order, so the n-th pprof belongs to the n-th OTLP resource; the pairing is
    checked on the profile type (file name tag = the resource's __name__)."""
    resources = []
    otlp_dir = os.path.join(out_dir, "otlp")
    for name in sorted(os.listdir(otlp_dir)):
        data = open(os.path.join(otlp_dir, name), "rb").read()
        for r in otlp_resources(svc.ExportProfilesServiceRequest.FromString(data)):
            resources.append({"otlp_file": name, "service": r["resource"].get("service.name"), **r})
    pprof_dir = os.path.join(out_dir, "pprof")
    files = sorted(os.listdir(pprof_dir))
    assert len(files) == len(resources), (files, [r["resource"] for r in resources])
    items = []
    for name, r in zip(files, resources):
        m = re.fullmatch(r"profiles-\d+-\d+-(\w+)\.pb\.gz", name)
        assert m, f"unexpected file name {name}"
        assert r["resource"].get("__name__") == m.group(1), (name, r["otlp_file"], r["resource"])
        path = os.path.join(pprof_dir, name)
        totals = pprof_totals(path)
        items.append({"file": name, "name": m.group(1), "pprof": {**totals, "top": top_totals(path, totals["types"])},
                      "contents": pprof_contents(path), **r})
    return items


def raw_request(port, data, sock=None):
    """Sends `data` (a whole HTTP/1.1 request) and returns (status, headers dict, body, socket)."""
    s = sock or socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        assert chunk, "connection closed before the response head"
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        assert chunk, "connection closed inside the response body"
        rest += chunk
    return status, headers, rest[:length], s


def http_request(method, target, headers, body):
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("latin-1") + f"content-length: {len(body)}\r\n\r\n".encode() + body


_push = None


def push_stubs():
    """(push_pb2, push_pb2_grpc). push.proto imports types/v1/types.proto, but a Python package named
    `types` would shadow the standard library, so the import is renamed in a private copy."""
    global _push
    if _push:
        return _push
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="push-stubs-")
    src = os.path.join(SOURCE_DIR, "proto")
    os.makedirs(os.path.join(out, "in", "pyrotypes", "v1"))
    os.makedirs(os.path.join(out, "in", "pyropush", "v1"))
    types_proto = open(os.path.join(src, "types/v1/types.proto")).read()
    open(os.path.join(out, "in", "pyrotypes/v1/types.proto"), "w").write(types_proto)
    push_proto = open(os.path.join(src, "push/v1/push.proto")).read().replace('"types/v1/types.proto"',
                                                                              '"pyrotypes/v1/types.proto"')
    open(os.path.join(out, "in", "pyropush/v1/push.proto"), "w").write(push_proto)
    for p in ("pyrotypes/v1/types.proto", "pyropush/v1/push.proto"):
        rc = protoc.main(["protoc", f"-I{out}/in", f"--python_out={out}", f"--grpc_python_out={out}", p])
        assert rc == 0, f"protoc failed on {p}"
    sys.path.insert(0, out)
    from pyropush.v1 import push_pb2, push_pb2_grpc  # noqa: E402
    _push = (push_pb2, push_pb2_grpc)
    return _push


_profile_pb2 = None


def profile_pb2():
    """Python protobuf module for pprof's perftools.profiles.Profile (from proto/profile.proto)."""
    global _profile_pb2
    if _profile_pb2:
        return _profile_pb2
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="pprof-stubs-")
    assert protoc.main(["protoc", f"-I{SOURCE_DIR}/proto", f"--python_out={out}", "profile.proto"]) == 0
    sys.path.insert(0, out)
    import profile_pb2 as mod  # noqa: E402
    _profile_pb2 = mod
    return mod


def pprof_sample_count(path):
    return pprof_contents(path)["samples"]
