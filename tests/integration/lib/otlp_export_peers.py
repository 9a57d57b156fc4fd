"""otlp_export_peers.py — real OTLP backends for the exporter integration tests.

HttpPeer (http.server) answers POST /v1development/profiles; GrpcPeer (grpcio) serves
ProfilesService/Export with stubs generated at import time from the project's proto/ with
grpc_tools.protoc (and google.rpc.Status / RetryInfo / DebugInfo from GOOGLE_RPC_PROTOS below, as
python3-googleapis-common-protos is not in Debian). Both decode every request with Python protobuf and
record it, and follow a script:
one action per request, in order, then "ok" forever. Actions:
  "ok"             accept (HTTP 200 / gRPC OK)
  "unavailable"    HTTP 503 / gRPC UNAVAILABLE (retryable); "unavailable:N" adds Retry-After: N (HTTP)
  "bad"            HTTP 400 / gRPC INVALID_ARGUMENT (permanent)
  "exhausted"      gRPC RESOURCE_EXHAUSTED; "exhausted:S" adds a google.rpc.RetryInfo asking for a retry
                   after S seconds in grpc-status-details-bin (after a google.rpc.DebugInfo detail)
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


# The messages of googleapis' google/rpc/status.proto and error_details.proto that the tests use, with
# googleapis' package and field numbers, so the bytes are what a real server sends.
GOOGLE_RPC_PROTOS = {
    "google/rpc/status.proto": """syntax = "proto3";
package google.rpc;
import "google/protobuf/any.proto";
message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
""",
    "google/rpc/error_details.proto": """syntax = "proto3";
package google.rpc;
import "google/protobuf/duration.proto";
message RetryInfo { google.protobuf.Duration retry_delay = 1; }
message DebugInfo { repeated string stack_entries = 1; string detail = 2; }
""",
}


def _generate_stubs():
    out = tempfile.mkdtemp(prefix="otlp-stubs-")
    proto_dir = os.path.join(SOURCE_DIR, "proto")
    rpc_dir = os.path.join(out, "rpc-protos")
    for path, text in GOOGLE_RPC_PROTOS.items():
        os.makedirs(os.path.dirname(os.path.join(rpc_dir, path)), exist_ok=True)
        with open(os.path.join(rpc_dir, path), "w") as f:
            f.write(text)
    well_known = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    protos = [(proto_dir, SERVICE_PROTO), (proto_dir, "opentelemetry/proto/profiles/v1development/profiles.proto"),
              (proto_dir, "opentelemetry/proto/common/v1/common.proto"),
              (proto_dir, "opentelemetry/proto/resource/v1/resource.proto")]
    protos += [(rpc_dir, p) for p in GOOGLE_RPC_PROTOS]
    for include, p in protos:
        rc = protoc.main(["protoc", f"-I{include}", f"-I{well_known}", f"--python_out={out}",
                          f"--grpc_python_out={out}", p])
        if rc != 0:
            raise RuntimeError(f"grpc_tools.protoc failed on {p}")
    sys.path.insert(0, out)


_generate_stubs()
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2 as svc  # noqa: E402
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2_grpc as svc_grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
import grpc  # noqa: E402


def status_details(code, message, retry_delay_s=None):
    """A serialized google.rpc.Status: a DebugInfo detail, then a RetryInfo when retry_delay_s is set."""
    status = status_pb2.Status(code=code.value[0], message=message)
    status.details.add().Pack(error_details_pb2.DebugInfo(detail="queue of the test peer is full"))
    if retry_delay_s is not None:
        info = error_details_pb2.RetryInfo()
        info.retry_delay.FromNanoseconds(int(retry_delay_s * 1e9))
        status.details.add().Pack(info)
    return status.SerializeToString()


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
        self.bodies = []      # HTTP: every request body as it came (still compressed), in order

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
                with peer.lock:
                    peer.bodies.append(body)
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
                if action.startswith("exhausted"):
                    delay = float(action.split(":")[1]) if ":" in action else None
                    code, message = grpc.StatusCode.RESOURCE_EXHAUSTED, "ingestion queue full"
                    context.set_trailing_metadata(
                        (("grpc-status-details-bin", status_details(code, message, delay)),))
                    context.abort(code, message)
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


def small_request(service, leaf="scan", line=9, values=(123,), timestamps=(), time_unix_nano=1700000100000000000):
    """A minimal valid request: one CPU profile of `service` whose samples share the stack main <- leaf;
    one sample per value, plus one timestamps-only sample when `timestamps` is given."""
    req = svc.ExportProfilesServiceRequest()
    d = req.dictionary
    d.string_table.extend(["", service, "cpu", "nanoseconds", "main", leaf, "service.name"])
    d.mapping_table.add()
    d.location_table.add()
    d.function_table.add()
    d.link_table.add(trace_id=bytes(16), span_id=bytes(8))
    d.attribute_table.add()
    d.stack_table.add()
    d.function_table.add(name_strindex=4)
    d.function_table.add(name_strindex=5)
    d.location_table.add(lines=[{"function_index": 1, "line": 3}])
    d.location_table.add(lines=[{"function_index": 2, "line": line}])
    d.stack_table.add(location_indices=[2, 1])
    rp = req.resource_profiles.add()
    rp.resource.attributes.add(key="service.name").value.string_value = service
    p = rp.scope_profiles.add().profiles.add()
    p.sample_type.type_strindex, p.sample_type.unit_strindex = 2, 3
    p.time_unix_nano = time_unix_nano
    for v in values:
        p.samples.add(stack_index=1, values=[v])
    if timestamps:
        p.samples.add(stack_index=1, timestamps_unix_nano=list(timestamps))
    return req


def post_otlp_http(port, body):
    """POSTs serialized request bytes to an otlp receiver with curl; asserts 200."""
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                          "-H", "Content-Type: application/x-protobuf", "--data-binary", "@-",
                          f"http://127.0.0.1:{port}/v1development/profiles"],
                         input=body, capture_output=True, check=True)
    assert out.stdout == b"200", f"the otlp receiver answered {out.stdout!r}: {out.stderr!r}"
