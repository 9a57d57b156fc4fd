"""pyroscope_receiver_lib.py — helpers for the pyroscope receiver integration tests (not a test itself).

- config(): proflow with the `pyroscope` receiver → `file` exporter (format proto) and /metrics.
- exported(): every file the exporter wrote, converted back to pprof with tests/tools/pprof_roundtrip
  and measured with the real `go tool pprof -raw`; resource attributes read with Python protobuf.
- pprof_totals(): what `go tool pprof -raw` says a pprof file holds (sample count, per-type sums,
  samples per label key).
- raw_request(): sends exact request bytes over one HTTP/1.1 connection and reads the answer.
- push_stubs(): Python protobuf/grpc modules for push.v1 (generated from proto/ with grpc_tools)."""
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

BUILD = os.environ.get("PROFLOW_BUILD_DIR", "build")
SOURCE_DIR = os.environ.get("PROFLOW_SOURCE_DIR", ".")


def config(port, metrics_port, out_dir, extra=""):
    return f"""
receivers:
  pyroscope:
    endpoint: 127.0.0.1:{port}
{extra}
exporters:
  file:
    path: {out_dir}
    format: proto
service:
  pipelines:
    profiles:
      receivers: [pyroscope]
      exporters: [file]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""


def wait_exported(pf, metrics_port, timeout=30.0):
    """Waits until the file exporter reports every accepted sample on disk; returns the metrics."""
    deadline = time.time() + timeout
    while True:
        m = pf.metrics(metrics_port)
        accepted = metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pyroscope")
        if metric(m, "otelcol_exporter_sent_profile_samples", exporter="file") == accepted or time.time() > deadline:
            return m
        time.sleep(0.05)


def pprof_totals(path):
    """{'samples': n, 'sums': {type/unit: sum}, 'label_keys': {key: samples}, 'types': [...]}."""
    text = subprocess.run(["go", "tool", "pprof", "-raw", path], check=True, capture_output=True, text=True).stdout
    lines = text.splitlines()
    start = lines.index("Samples:")
    types = [t.replace("[dflt]", "") for t in lines[start + 1].split()]
    sums = dict.fromkeys(types, 0)
    n = 0
    label_keys = {}
    for line in lines[start + 2:]:
        if line in ("Locations", "Mappings"):
            break
        m = re.match(r"^\s*(-?\d+(?:\s+-?\d+)*):(?: \d+)* ?$", line)
        if m:
            for t, v in zip(types, m.group(1).split()):
                sums[t] += int(v)
            n += 1
        else:
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


def exported(out_dir, work):
    """One dict per resource the exporter wrote, in file order: {'file', 'name' (__name__), 'service',
    'resource': {attrs}, 'samples', 'sums' (exact, from OTLP), 'pprof': pprof_totals() of the pprof
    that tests/tools/pprof_roundtrip converts it back to}."""
    tool = os.path.join(BUILD, "tests", "pprof_roundtrip")
    items = []
    for i, name in enumerate(sorted(os.listdir(out_dir))):
        path = os.path.join(out_dir, name)
        resources = otlp_resources(svc.ExportProfilesServiceRequest.FromString(open(path, "rb").read()))
        prefix = os.path.join(work, f"rt-{i}")
        out = subprocess.run([tool, "--from-otlp", path, prefix], check=True, capture_output=True, text=True).stdout
        pprofs = {}
        for line in out.splitlines():
            fields = line.split()
            kv = dict(f.split("=", 1) for f in fields[1:])
            pprofs[(kv["service.name"], kv["name"])] = pprof_totals(fields[0])
        for r in resources:
            key = (r["resource"].get("service.name"), r["resource"].get("__name__"))
            items.append({"file": name, "service": key[0], "name": key[1], **r, "pprof": pprofs.get(key)})
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
    import gzip
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return len(profile_pb2().Profile.FromString(data).sample)
