"""profile_backends.py — Pyroscope and Parca test backends for the exporter integration tests.

PyroscopeServer (http.server, HTTP/1.1) answers Connect unary POST /push.v1.PusherService/Push
(application/proto, Content-Encoding gzip allowed) and the legacy multipart POST /ingest.
ParcaServer (grpcio) serves parca.profilestore.v1alpha1.ProfileStoreService/WriteRaw.
Stubs are generated at import time from the project's proto/ with grpc_tools.protoc into a temp dir.

Both decode every request with Python protobuf only, gunzip each raw profile, parse it as
perftools.profiles.Profile (value sums per sample type, id sequences), check it with
`go tool pprof -raw`, and record what arrived. Both follow a script: one action per request, in
order, then "ok" forever:
  "ok"          accept
  "429:N"       HTTP 429 with Retry-After: N        (Pyroscope)
  "500"         HTTP 500                             (Pyroscope)
  "400"         HTTP 400 with a Connect error body   (Pyroscope, permanent)
  "unavailable" / "exhausted" / "invalid"            gRPC UNAVAILABLE / RESOURCE_EXHAUSTED / INVALID_ARGUMENT (Parca)
  "slow:S"      sleep S seconds, then accept; recorded as slow, not as delivered
Every request's headers are recorded, and for PyroscopeServer its path with the query ("paths"), so
a test can tell what each attempt, refused or not, was sent to.
dump(path) writes the record as JSON for the test to assert on."""
import hashlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import grpc_tools
from grpc_tools import protoc

SOURCE_DIR = os.environ.get("PROFLOW_SOURCE_DIR", ".")


def _generate_stubs():
    out = tempfile.mkdtemp(prefix="profile-backend-stubs-")
    proto_dir = os.path.join(SOURCE_DIR, "proto")
    wkt = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    # Pyroscope's "types/v1" would generate a Python package `types`, which the standard library
    # owns: copy push.proto and types.proto under pyroscope_api/ (same packages, same wire format).
    pyro_root = tempfile.mkdtemp(prefix="pyroscope-protos-")
    for rel in ("types/v1/types.proto", "push/v1/push.proto"):
        with open(os.path.join(proto_dir, rel)) as f:
            text = f.read().replace('import "types/v1/', 'import "pyroscope_api/types/v1/')
        os.makedirs(os.path.join(pyro_root, "pyroscope_api", os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(pyro_root, "pyroscope_api", rel), "w") as f:
            f.write(text)
    jobs = [(pyro_root, "pyroscope_api/types/v1/types.proto"), (pyro_root, "pyroscope_api/push/v1/push.proto"),
            (proto_dir, "profile.proto"), (proto_dir, "parca/profilestore/v1alpha1/profilestore.proto")]
    for root, p in jobs:
        rc = protoc.main(["protoc", f"-I{root}", f"-I{wkt}", f"--python_out={out}", f"--grpc_python_out={out}", p])
        if rc != 0:
            raise RuntimeError(f"grpc_tools.protoc failed on {p}")
    sys.path.insert(0, out)


_generate_stubs()
from pyroscope_api.push.v1 import push_pb2  # noqa: E402
import profile_pb2  # noqa: E402
from parca.profilestore.v1alpha1 import profilestore_pb2, profilestore_pb2_grpc  # noqa: E402
import grpc  # noqa: E402


def analyse_pprof(raw):
    """What a backend learns from one raw profile: sample types, value sums, sample count, whether
    ids run 1..n, whether `go tool pprof -raw` reads it, and the SHA-256 of the bytes as sent."""
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    p = profile_pb2.Profile()
    p.ParseFromString(data)
    s = p.string_table
    types = [f"{s[t.type]}/{s[t.unit]}" for t in p.sample_type]
    sums = {t: 0 for t in types}
    for sample in p.sample:
        for t, v in zip(types, sample.value):
            sums[t] += v

    def sequential(items):
        return [x.id for x in items] == list(range(1, len(items) + 1))

    with tempfile.NamedTemporaryFile(suffix=".pb.gz", delete=False) as f:
        f.write(raw)
    rc = subprocess.run(["go", "tool", "pprof", "-raw", f.name], capture_output=True).returncode
    os.unlink(f.name)
    return {"sample_types": types, "sums": sums, "samples": len(p.sample), "gzipped": raw[:2] == b"\x1f\x8b",
            "sha256": hashlib.sha256(raw).hexdigest(),
            "ids_sequential": sequential(p.mapping) and sequential(p.location) and sequential(p.function),
            "pprof_ok": rc == 0}


def profiles_by_name(snapshot):
    """{__name__: [(series labels, profile analysis), ...]} of a backend's snapshot."""
    out = {}
    for s in snapshot["series"]:
        out.setdefault(s["labels"]["__name__"], []).extend((s["labels"], p) for p in s["profiles"])
    return out


class _Recorder:
    def __init__(self, script):
        self.script = list(script)
        self.lock = threading.Lock()
        self.requests = 0
        self.series = []      # delivered: {"labels": {...}, "profiles": [analysis...], "ids": [...]}
        self.slow = 0
        self.refused = 0
        self.headers = []     # every request's headers, names lower-case
        self.paths = []       # PyroscopeServer: every request's path and query
        self.uploads = []     # /ingest: {"query": {...}, "parts": {name: filename}, "profile": analysis}

    def next_action(self, headers):
        with self.lock:
            self.requests += 1
            self.headers.append(headers)
            return self.script.pop(0) if self.script else "ok"

    def snapshot(self):
        with self.lock:
            return {"requests": self.requests, "series": list(self.series), "slow": self.slow,
                    "refused": self.refused, "headers": list(self.headers), "uploads": list(self.uploads),
                    "paths": list(self.paths)}

    def dump(self, path):
        with open(path, "w") as f:
            json.dump(self.snapshot(), f, indent=1, sort_keys=True)
        with open(path) as f:
            return json.load(f)

    def wait(self, predicate, timeout=60.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate(self.snapshot()):
                return True
            time.sleep(0.05)
        return False


def _parse_multipart(body, content_type):
    """{part name: (filename, bytes)} of a multipart/form-data body."""
    boundary = content_type.split("boundary=", 1)[1].strip().strip('"').encode()
    parts = {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        disposition = {}
        for line in head.decode().split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for item in line.split(";")[1:]:
                    k, _, v = item.strip().partition("=")
                    disposition[k] = v.strip('"')
        parts[disposition.get("name")] = (disposition.get("filename"), data[:-2] if data.endswith(b"\r\n") else data)
    return parts


class PyroscopeServer(_Recorder):
    def __init__(self, port, script=()):
        super().__init__(script)
        rec = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", content_type="application/proto", extra=()):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra:
                    self.send_header(k, v)
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except BrokenPipeError:  # a "slow" reply after the client gave up
                    pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with rec.lock:
                    rec.paths.append(self.path)
                action = rec.next_action(headers)
                if action.startswith("429"):
                    with rec.lock:
                        rec.refused += 1
                    return self.reply(429, b'{"code":"resource_exhausted","message":"slow down"}', "application/json",
                                      [("Retry-After", action.split(":")[1])])
                if action == "500":
                    with rec.lock:
                        rec.refused += 1
                    return self.reply(500, b'{"code":"internal","message":"boom"}', "application/json")
                if action == "400":
                    with rec.lock:
                        rec.refused += 1
                    return self.reply(400, b'{"code":"invalid_argument","message":"bad labels"}', "application/json")
                if action.startswith("slow"):
                    time.sleep(float(action.split(":")[1]))
                    with rec.lock:
                        rec.slow += 1
                    return self.reply(200)
                url = urlparse(self.path)
                if url.path == "/push.v1.PusherService/Push":
                    if headers.get("content-encoding") == "gzip":
                        body = gzip.decompress(body)
                    self.push(body)
                    return self.reply(200, push_pb2.PushResponse().SerializeToString())
                if url.path == "/ingest":
                    self.ingest(parse_qs(url.query), body, headers.get("content-type", ""))
                    return self.reply(200, b"", "text/plain")
                self.reply(404, b"not found", "text/plain")

            def push(self, body):
                req = push_pb2.PushRequest()
                req.ParseFromString(body)
                for s in req.series:
                    entry = {"labels": {l.name: l.value for l in s.labels},
                             "profiles": [analyse_pprof(x.raw_profile) for x in s.samples],
                             "ids": [x.ID for x in s.samples]}
                    with rec.lock:
                        rec.series.append(entry)

            def ingest(self, query, body, content_type):
                parts = _parse_multipart(body, content_type)
                upload = {"query": {k: v[0] for k, v in query.items()},
                          "parts": {name: fn for name, (fn, _) in parts.items()},
                          "sample_type_config": json.loads(parts["sample_type_config"][1]),
                          "profile": analyse_pprof(parts["profile"][1])}
                with rec.lock:
                    rec.uploads.append(upload)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class ParcaServer(_Recorder):
    def __init__(self, port, script=()):
        super().__init__(script)
        rec = self

        class Servicer(profilestore_pb2_grpc.ProfileStoreServiceServicer):
            def WriteRaw(self, request, context):
                headers = {k: v for k, v in context.invocation_metadata()}
                action = rec.next_action(headers)
                codes = {"unavailable": grpc.StatusCode.UNAVAILABLE, "exhausted": grpc.StatusCode.RESOURCE_EXHAUSTED,
                         "invalid": grpc.StatusCode.INVALID_ARGUMENT}
                if action in codes:
                    with rec.lock:
                        rec.refused += 1
                    context.abort(codes[action], f"test backend: {action}")
                if action.startswith("slow"):
                    time.sleep(float(action.split(":")[1]))
                    with rec.lock:
                        rec.slow += 1
                    return profilestore_pb2.WriteRawResponse()
                for s in request.series:
                    entry = {"labels": {l.name: l.value for l in s.labels.labels},
                             "profiles": [analyse_pprof(x.raw_profile) for x in s.samples],
                             "normalized": request.normalized}
                    with rec.lock:
                        rec.series.append(entry)
                return profilestore_pb2.WriteRawResponse()

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        profilestore_pb2_grpc.add_ProfileStoreServiceServicer_to_server(Servicer(), self.server)
        self.server.add_insecure_port(f"127.0.0.1:{port}")
        self.server.start()

    def stop(self):
        self.server.stop(0)
