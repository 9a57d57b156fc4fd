"""otlp_client.py — client side of the OTLP receiver integration tests.

Generates Python stubs at import time (grpc_tools.protoc, into a temp dir, never committed) from the
project's proto/ plus a two-field google.rpc.Status written here, and builds realistic
ExportProfilesServiceRequests with a known number of samples. Exposes:
  svc, svc_grpc, profiles_pb2, status_pb2     generated modules
  make_request(samples, service, bad_stack)   a request with `samples` samples in one CPU profile
  sample_count(request)                       samples in a decoded request
  self_signed_cert(dir)                       (cert, key) made with `openssl req`
"""
import os
import subprocess
import sys
import tempfile

from grpc_tools import protoc

SOURCE_DIR = os.environ.get("PROFLOW_SOURCE_DIR", ".")

# google.rpc.Status without `details` (googleapis is not available offline); wire-compatible.
_STATUS_PROTO = """syntax = "proto3";
package google.rpc;
message Status { int32 code = 1; string message = 2; }
"""


def _generate_stubs():
    out = tempfile.mkdtemp(prefix="otlp-client-stubs-")
    os.makedirs(os.path.join(out, "google", "rpc"))
    status_dir = tempfile.mkdtemp(prefix="otlp-status-proto-")
    os.makedirs(os.path.join(status_dir, "google", "rpc"))
    with open(os.path.join(status_dir, "google", "rpc", "status.proto"), "w") as f:
        f.write(_STATUS_PROTO)
    proto_dir = os.path.join(SOURCE_DIR, "proto")
    jobs = [(proto_dir, p, True) for p in (
        "opentelemetry/proto/collector/profiles/v1development/profiles_service.proto",
        "opentelemetry/proto/profiles/v1development/profiles.proto",
        "opentelemetry/proto/common/v1/common.proto",
        "opentelemetry/proto/resource/v1/resource.proto")]
    jobs.append((status_dir, "google/rpc/status.proto", False))
    for root, p, grpc in jobs:
        args = ["protoc", f"-I{root}", f"--python_out={out}"] + ([f"--grpc_python_out={out}"] if grpc else []) + [p]
        if protoc.main(args) != 0:
            raise RuntimeError(f"grpc_tools.protoc failed on {p}")
    sys.path.insert(0, out)


_generate_stubs()
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2 as svc  # noqa: E402
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2_grpc as svc_grpc  # noqa: E402,F401
from opentelemetry.proto.profiles.v1development import profiles_pb2  # noqa: E402
from google.rpc import status_pb2  # noqa: E402,F401


def make_request(samples=3, service="checkout", bad_stack=False):
    """One resource/scope/CPU profile; sample i has stack main<-handle(<-parse) and value i+1."""
    req = svc.ExportProfilesServiceRequest()
    d = req.dictionary
    d.string_table.extend(["", "cpu", "nanoseconds", "main", "handle", "parse", "app.go", "service.name"])
    d.mapping_table.add()
    d.link_table.add()
    d.attribute_table.add()
    d.function_table.add()
    for name in (3, 4, 5):
        d.function_table.add(name_strindex=name, filename_strindex=6)
    d.location_table.add()
    for fn in (1, 2, 3):
        loc = d.location_table.add(address=0x1000 * fn)
        loc.lines.add(function_index=fn, line=10 * fn)
    d.stack_table.add()
    d.stack_table.add(location_indices=[2, 1])      # handle <- main (leaf first)
    d.stack_table.add(location_indices=[3, 2, 1])   # parse <- handle <- main
    rp = req.resource_profiles.add()
    kv = rp.resource.attributes.add(key="service.name")
    kv.value.string_value = service
    sp = rp.scope_profiles.add()
    sp.scope.name = "proflow-test"
    p = sp.profiles.add(time_unix_nano=1700000000000000000, duration_nano=10**9, period=10**7)
    p.sample_type.type_strindex = 1
    p.sample_type.unit_strindex = 2
    p.profile_id = bytes(range(1, 17))
    for i in range(samples):
        s = p.samples.add(stack_index=99 if (bad_stack and i == 0) else 1 + i % 2)
        s.values.append(i + 1)
    return req


def sample_count(request):
    return sum(len(p.samples) for rp in request.resource_profiles for sp in rp.scope_profiles for p in sp.profiles)


def self_signed_cert(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key
