"""otlp_export_peers.py — real OTLP backends for the exporter integration tests.

HttpPeer (http.server) answers POST /v1development/profiles; GrpcPeer (grpcio) serves
ProfilesService/Export with stubs generated at import time from the project's proto/ with
grpc_tools.protoc. Both decode every request with Python protobuf and record it, and follow a script:
one action per request, in order, then "ok" forever. Actions:
  "ok"             accept (HTTP 200 / gRPC OK)
  "unavailable"    HTTP 503 / gRPC UNAVAILABLE (retryable); "unavailable:N" adds Retry-After: N (HTTP)
  "bad"            HTTP 400 / gRPC INVALID_ARGUMENT (permanent)
  "slow:S"         sleep S seconds, then accept; such a request is recorded as slow, not as delivered
  "partial:N"      accept, reporting N rejected profiles in partial_success
"""
import gzip
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from grpc_tools import protoc

SOURCE_DIR = os.environ.get("PROFLOW_SOURCE_DIR", ".")
SERVICE_PROTO = "opentelemetry/proto/collector/profiles/v1development/profiles_service.proto"


def _generate_stubs():
    out = tempfile.mkdtemp(prefix="otlp-stubs-")
    proto_dir = os.path.join(SOURCE_DIR, "proto")
    protos = [SERVICE_PROTO, "opentelemetry/proto/profiles/v1development/profiles.proto",
              "opentelemetry/proto/common/v1/common.proto", "opentelemetry/proto/resource/v1/resource.proto"]
    for p in protos:
        rc = protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out}", f"--grpc_python_out={out}", p])
        if rc != 0:
            raise RuntimeError(f"grpc_tools.protoc failed on {p}")
    sys.path.insert(0, out)


_generate_stubs()
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2 as svc  # noqa: E402
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2_grpc as svc_grpc  # noqa: E402
import grpc  # noqa: E402


def batch_indices(request):
    """batch.index resource attribute of every ResourceProfiles of a decoded request."""
    out = []
    for rp in request.resource_profiles:
        for kv in rp.resource.attributes:
            if kv.key == "batch.index":
                out.append(int(kv.value.string_value))
    return out


def sample_count(request):
    return sum(len(p.samples) for rp in request.resource_profiles for sp in rp.scope_profiles for p in sp.profiles)


class _Recorder:
    def __init__(self, script):
        self.script = list(script)
        self.lock = threading.Lock()
        self.delivered = []   # decoded requests that were accepted
        self.slow = []        # decoded requests answered too late for the client
        self.refused = 0      # requests answered with an error status
        self.headers = []     # request headers of every request, lower-case names

    def next_action(self, headers):
        with self.lock:
            self.headers.append(headers)
            return self.script.pop(0) if self.script else "ok"

    def record(self, action, request):
        with self.lock:
            if action.startswith("slow"):
                self.slow.append(request)
            elif action in ("ok",) or action.startswith("partial"):
                self.delivered.append(request)
            else:
                self.refused += 1

    def wait_slow(self, n, limit_s=30.0):
        """Waits until n slow requests have been answered (their handlers sleep past the client)."""
        end = time.time() + limit_s
        while time.time() < end:
            with self.lock:
                if len(self.slow) >= n:
                    return
            time.sleep(0.05)

    def delivered_indices(self):
        with self.lock:
            return sorted(i for r in self.delivered for i in batch_indices(r))


def _decode_body(body, encoding):
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "zstd":
        return subprocess.run(["zstd", "-d", "-c"], input=body, capture_output=True, check=True).stdout
    return body


class HttpPeer(_Recorder):
    def __init__(self, port, script=()):
        super().__init__(script)
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                action = peer.next_action(headers)
                if self.path != "/v1development/profiles":
                    return self._answer(404, b"not found")
                raw = _decode_body(body, headers.get("content-encoding", ""))
                request = svc.ExportProfilesServiceRequest()
                if headers.get("content-type") == "application/json":
                    from google.protobuf import json_format
                    json_format.Parse(raw, request)
                else:
                    request.ParseFromString(raw)
                if action.startswith("slow"):
                    time.sleep(float(action.split(":")[1]))
                peer.record(action, request)
                if action == "ok" or action.startswith("slow"):
                    return self._answer(200, svc.ExportProfilesServiceResponse().SerializeToString())
                if action.startswith("partial"):
                    resp = svc.ExportProfilesServiceResponse()
                    resp.partial_success.rejected_profiles = int(action.split(":")[1])
                    resp.partial_success.error_message = "profiles too old"
                    return self._answer(200, resp.SerializeToString())
                if action.startswith("unavailable"):
                    extra = {"Retry-After": action.split(":")[1]} if ":" in action else {}
                    return self._answer(503, b"backend overloaded", extra)
                return self._answer(400, b"invalid profile: bad stack_index")

            def _answer(self, status, body, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a slow answer after the client gave up

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class GrpcPeer(_Recorder):
    def __init__(self, port, script=()):
        super().__init__(script)
        peer = self

        class Servicer(svc_grpc.ProfilesServiceServicer):
            def Export(self, request, context):
                headers = {k: v for k, v in context.invocation_metadata()}
                action = peer.next_action(headers)
                if action.startswith("slow"):
                    time.sleep(float(action.split(":")[1]))
                peer.record(action, request)
                if action.startswith("unavailable"):
                    context.abort(grpc.StatusCode.UNAVAILABLE, "backend overloaded")
                if action == "bad":
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "invalid profile: bad stack_index")
                resp = svc.ExportProfilesServiceResponse()
                if action.startswith("partial"):
                    resp.partial_success.rejected_profiles = int(action.split(":")[1])
                    resp.partial_success.error_message = "profiles too old"
                return resp

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        svc_grpc.add_ProfilesServiceServicer_to_server(Servicer(), self.server)
        self.server.add_insecure_port(f"127.0.0.1:{port}")
        self.server.start()

    def stop(self):
        self.server.stop(0)
