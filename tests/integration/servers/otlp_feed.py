"""otlp_feed.py — real profiles for the pyroscope/parca exporter tests: Go pprof fixtures converted to an
OTLP request by tests/pprof_to_otlp (proflow's own translation), resource attributes added here with
Python protobuf, POSTed to proflow's otlp receiver, plus proflow configs around one exporter.

expected_sums(fixture) gives the value sums per "type/unit" a backend must see for that fixture
(from tests/fixtures/pprof/go/summary.json, written from `go tool pprof` of the originals)."""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from otlp_client import svc  # noqa: E402

BUILD_DIR = os.environ.get("PROFLOW_BUILD_DIR", "build")
FIXTURES = os.environ.get("PROFLOW_FIXTURES", "tests/fixtures")
GO_DIR = os.path.join(FIXTURES, "pprof", "go")
TOOL = os.path.join(BUILD_DIR, "tests", "pprof_to_otlp")


def expected_sums(fixture):
    with open(os.path.join(GO_DIR, "summary.json")) as f:
        return json.load(f)[fixture]["value_sums"]


def fixture_samples(fixture):
    """OTLP samples proflow counts for a fixture: one per pprof sample and sample type."""
    with open(os.path.join(GO_DIR, "summary.json")) as f:
        s = json.load(f)[fixture]
    return s["num_samples"] * len(s["sample_types"])


def build_request(fixtures_with_attrs):
    """[(fixture file, {resource attribute: value})] → serialized ExportProfilesServiceRequest."""
    with tempfile.NamedTemporaryFile(suffix=".binpb", delete=False) as f:
        out = f.name
    files = [os.path.join(GO_DIR, name) for name, _ in fixtures_with_attrs]
    subprocess.run([TOOL, out, *files], check=True, capture_output=True)
    req = svc.ExportProfilesServiceRequest()
    with open(out, "rb") as f:
        req.ParseFromString(f.read())
    os.unlink(out)
    for rp, (_, attrs) in zip(req.resource_profiles, fixtures_with_attrs):
        for k, v in attrs.items():
            kv = rp.resource.attributes.add(key=k)
            kv.value.string_value = v
    return req.SerializeToString()


def post(port, body, headers=None):
    r = urllib.request.Request(f"http://127.0.0.1:{port}/v1development/profiles", data=body, method="POST",
                               headers={"Content-Type": "application/x-protobuf", **(headers or {})})
    with urllib.request.urlopen(r, timeout=10) as resp:
        return resp.status


def config(receiver_port, metrics_port, exporter_yaml):
    """A pipeline otlp (HTTP) → the exporter described by exporter_yaml ("pyroscope:\n    key: ...")."""
    return f"""receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{receiver_port}
exporters:
  {exporter_yaml}
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [{exporter_yaml.split(":")[0]}]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""
