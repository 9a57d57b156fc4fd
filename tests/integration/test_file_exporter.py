#!/usr/bin/python3
"""test_file_exporter.py — the `file` and `debug` exporters in the real proflow binary.

curl POSTs two OTLP requests (the realistic one of tests/unit/export_test_batch.h and one built here
with Python protobuf) to the otlp receiver over HTTP. Three exporters get them: file/proto, file/json
and debug (detailed). After SIGTERM (which must drain and exit 0) we check with Python protobuf that
  - file/proto wrote one .binpb per request, each parsing to exactly the request sent, with its
    attribute string-table references resolved inline (as the otlp receiver does for every exporter);
  - file/json wrote one .jsonl with one line per request, each accepted by json_format.Parse (after
    the OTLP hex ids are turned back into json_format's base64, see test_pbjson_python.py) and equal
    to the request sent;
  - the exporters' sample and byte counters on /metrics match what was written;
  - debug logged the batch line and the top-functions tables."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Proflow, free_port, metric, run_cases  # noqa: E402
from otlp_export_peers import post_otlp_http, small_request, svc  # noqa: E402  (generates the Python stubs)
from google.protobuf import json_format  # noqa: E402

BUILD = os.environ["PROFLOW_BUILD_DIR"]
HEX_FIELDS = {"traceId", "spanId", "profileId"}


def hex_ids_to_base64(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in HEX_FIELDS:
                node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            hex_ids_to_base64(item)
    return node




def inlined(req):
    """req with every string-table reference in attributes resolved, as the otlp receiver does before
    any exporter sees it (docs/interop.md): KeyValue.key_strindex → key and
    AnyValue.string_value_strindex → string_value in resource and scope attributes (nested values
    too), and string values of the dictionary's attribute_table."""
    out = svc.ExportProfilesServiceRequest()
    out.CopyFrom(req)
    table = out.dictionary.string_table

    def value(v):
        kind = v.WhichOneof("value")
        if kind == "string_value_strindex":
            v.string_value = table[v.string_value_strindex]
        elif kind == "array_value":
            for x in v.array_value.values:
                value(x)
        elif kind == "kvlist_value":
            kvs(v.kvlist_value.values)

    def kvs(items):
        for kv in items:
            if not kv.key:
                kv.key = table[kv.key_strindex]
            kv.key_strindex = 0
            value(kv.value)
    for rp in out.resource_profiles:
        kvs(rp.resource.attributes)
        for sp in rp.scope_profiles:
            kvs(sp.scope.attributes)
    for a in out.dictionary.attribute_table:
        value(a.value)
    return out


def main():
    sample = subprocess.run([os.path.join(BUILD, "tests", "pbjson_convert"), "--sample-proto"],
                            capture_output=True, check=True).stdout
    sent = [svc.ExportProfilesServiceRequest.FromString(sample), small_request("inventory", timestamps=[1700000100000000001, 1700000100000000002])]
    samples = [sum(len(p.samples) for rp in r.resource_profiles for sp in rp.scope_profiles for p in sp.profiles)
               for r in sent]
    assert samples == [7, 2]
    expected = [inlined(r) for r in sent]
    assert expected[0] != sent[0]  # the realistic request has references; they come out inline

    work = tempfile.mkdtemp(prefix="proflow-file-exporter-")
    http_port, metrics_port = free_port(), free_port()
    config = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
exporters:
  file/proto:
    path: {work}/proto
    format: proto
  file/json:
    path: {work}/json
    format: json
  debug:
    verbosity: detailed
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [file/proto, file/json, debug]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""
    with Proflow(config, wait_ports=[http_port, metrics_port]) as pf:
        for req in sent:
            post_otlp_http(http_port, req.SerializeToString())
        # Writes are asynchronous: wait until both files exporters report every sample on disk.
        deadline = time.time() + 30
        while time.time() < deadline:
            m = pf.metrics(metrics_port)
            if all(metric(m, "otelcol_exporter_sent_profile_samples", exporter=e) == sum(samples)
                   for e in ("file/proto", "file/json")):
                break
            time.sleep(0.05)
        for e in ("file/proto", "file/json", "debug"):
            assert metric(m, "otelcol_exporter_sent_profile_samples", exporter=e) == sum(samples), (e, m)
            assert metric(m, "otelcol_exporter_send_failed_profile_samples", exporter=e) == 0, (e, m)
    logs = open(pf.log_path).read()

    proto_files = sorted(os.listdir(f"{work}/proto"))
    assert len(proto_files) == 2 and all(n.endswith(".binpb") for n in proto_files), proto_files
    proto_bytes = 0
    for name, want in zip(proto_files, expected):
        data = open(f"{work}/proto/{name}", "rb").read()
        proto_bytes += len(data)
        assert svc.ExportProfilesServiceRequest.FromString(data) == want, name
    assert metric(m, "proflow_exporter_sent_bytes_total", exporter="file/proto") == proto_bytes

    json_files = os.listdir(f"{work}/json")
    assert len(json_files) == 1 and json_files[0].endswith(".jsonl"), json_files
    content = open(f"{work}/json/{json_files[0]}", "rb").read()
    lines = content.decode().splitlines()
    assert len(lines) == 2, lines
    for line, want in zip(lines, expected):
        got = json_format.Parse(json.dumps(hex_ids_to_base64(json.loads(line))), svc.ExportProfilesServiceRequest())
        assert got == want
    assert metric(m, "proflow_exporter_sent_bytes_total", exporter="file/json") == len(content)

    assert "profiles batch: resources=2 profiles=2 samples=7" in logs, logs
    assert "profiles batch: resources=1 profiles=1 samples=2" in logs, logs
    assert "service.name=inventory type=cpu/nanoseconds" in logs, logs
    # inventory: stack [scan, main], values 123 and two timestamps (1 each): scan flat 125, main cum 125.
    assert "top 2 of 2 functions by flat (total 125 nanoseconds)" in logs, logs
    print("file and debug exporters in the real binary: ok")


if __name__ == "__main__":
    run_cases([("file exporter", main)])
