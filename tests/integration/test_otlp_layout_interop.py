#!/usr/bin/python3
"""test_otlp_layout_interop.py — the OTLP receiver against requests from peers built on other schema
versions, and pass-through of request metadata.

opentelemetry-proto v1.10 renumbered Sample (values 2 → 4, attribute_indices 3 → 2, link_index
4 → 3) without renaming the package. A v1.9 request is made here from a v1.10 one by a wire-level
rewrite written in this file (independent of proflow's decoder), and sent over HTTP and gRPC:
  - without sample attributes (it decodes as v1.10, but every value would be lost) and with them
    (the packed field 3 does not decode as v1.10's link_index): both are refused with 400 /
    INVALID_ARGUMENT naming the v1.9 layout, counted in
    proflow_receiver_layout_mismatch_requests_total and as refused samples;
  - the same content in the v1.10 layout is accepted and written with its exact sample values, and
    a v1.10 request whose samples have only timestamps and attributes is not mistaken for v1.9;
  - otlp-profiles-development-version: absent or "1" is accepted, "2" refused naming the header
    (the Collector's receiver does the same).
Pass-through: with include_metadata, X-Scope-OrgID, OTLP-Profiles-Development-Version and a custom
header reach the otlphttp exporter's backend through headers_from_metadata, and the exporter sends
otlp-profiles-development-version: 1 on its own when no inbound one is forwarded."""
import os
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import grpc  # noqa: E402
from harness import Proflow, free_port, metric, wait_until  # noqa: E402
from interop import read_proto_dir  # noqa: E402
from otlp_client import make_request, svc, svc_grpc  # noqa: E402
from peers import BodySink  # noqa: E402


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def fields(buf):
    """[(field number, wire type, raw bytes of the value including its length prefix)]."""
    i, out = 0, []
    while i < len(buf):
        tag, shift = 0, 0
        while True:
            b = buf[i]
            i += 1
            tag |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        num, wt = tag >> 3, tag & 7
        start = i
        if wt == 0:
            while buf[i] & 0x80:
                i += 1
            i += 1
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            n, shift = 0, 0
            while True:
                b = buf[i]
                i += 1
                n |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            i += n
        else:
            raise ValueError("group")
        out.append((num, wt, buf[start:i]))
    return out


def payload(raw):
    """The bytes of a length-delimited value (skipping its length varint)."""
    i = 0
    while raw[i] & 0x80:
        i += 1
    return raw[i + 1:]


def rebuild(fs):
    return b"".join(varint(n << 3 | wt) + raw for n, wt, raw in fs)


def to_v19(req_bytes):
    """Rewrites every Sample of a v1.10 request to the v1.9 field numbers."""
    renumber = {2: 3, 3: 4, 4: 2}  # v1.10 field → v1.9 field: attribute_indices, link_index, values

    def walk(buf, depth):
        child = (1, 2, 2, 2)[depth]
        out = []
        for n, wt, raw in fields(buf):
            if n == child and wt == 2:
                inner = payload(raw)
                if depth == 3:
                    new = rebuild([(renumber.get(f, f), w, r) for f, w, r in fields(inner)])
                else:
                    new = walk(inner, depth + 1)
                raw = varint(len(new)) + new
            out.append((n, wt, raw))
        return rebuild(out)
    return walk(req_bytes, 0)


def http_post(port, body, headers=None):
    r = urllib.request.Request(f"http://127.0.0.1:{port}/v1development/profiles", data=body, method="POST",
                               headers={"Content-Type": "application/x-protobuf", **(headers or {})})
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def with_sample_attributes(req):
    d = req.dictionary
    d.string_table.append("thread.name")
    d.string_table.append("main")
    a = d.attribute_table.add(key_strindex=len(d.string_table) - 2)
    a.value.string_value = "main"
    for rp in req.resource_profiles:
        for sp in rp.scope_profiles:
            for p in sp.profiles:
                for s in p.samples:
                    s.attribute_indices.append(len(d.attribute_table) - 1)
    return req


def main():
    work = tempfile.mkdtemp(prefix="proflow-layout-")
    http_port, grpc_port, metrics_port, sink_port = free_port(), free_port(), free_port(), free_port()
    config = f"""
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc_port}
      http:
        endpoint: 127.0.0.1:{http_port}
        include_metadata: true
exporters:
  file:
    path: {work}/out
    format: proto
  otlphttp:
    endpoint: http://127.0.0.1:{sink_port}
    compression: none
    headers_from_metadata: [X-Scope-OrgID, OTLP-Profiles-Development-Version, X-Request-Source]
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [file, otlphttp]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""
    plain = make_request(samples=5, service="layout-svc")
    attributed = with_sample_attributes(make_request(samples=4, service="layout-svc"))
    timestamps_only = make_request(samples=3, service="ts-svc")
    for rp in timestamps_only.resource_profiles:
        for sp in rp.scope_profiles:
            for p in sp.profiles:
                for i, s in enumerate(p.samples):
                    del s.values[:]
                    s.timestamps_unix_nano.append(1700000000000000000 + i)
    timestamps_only = with_sample_attributes(timestamps_only)
    old_plain, old_attributed = to_v19(plain.SerializeToString()), to_v19(attributed.SerializeToString())
    # The rewrite is real: read back as v1.10 the old request has no values left.
    assert all(not s.values for rp in svc.ExportProfilesServiceRequest.FromString(old_plain).resource_profiles
               for sp in rp.scope_profiles for p in sp.profiles for s in p.samples)

    with BodySink(sink_port) as sink, Proflow(config, wait_ports=[http_port, grpc_port, metrics_port]) as pf:
        for name, body in (("v1.9 without sample attributes", old_plain), ("v1.9 with sample attributes", old_attributed)):
            status, answer = http_post(http_port, body)
            assert status == 400 and b"v1.9" in answer, (name, status, answer)
            with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
                try:
                    ch.unary_unary("/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export",
                                   request_serializer=None, response_deserializer=None)(body, timeout=10)
                    raise AssertionError(f"{name}: gRPC accepted")
                except grpc.RpcError as e:
                    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "v1.9" in e.details(), (name, e)
        status, answer = http_post(http_port, plain.SerializeToString(), {"OTLP-Profiles-Development-Version": "2"})
        assert status == 400 and b"otlp-profiles-development-version" in answer, (status, answer)
        headers = {"X-Scope-OrgID": "tenant-l", "OTLP-Profiles-Development-Version": "1", "X-Request-Source": "layout"}
        for req, h in ((plain, headers), (attributed, {}), (timestamps_only, {})):
            status, answer = http_post(http_port, req.SerializeToString(), h)
            assert status == 200, (status, answer)
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            svc_grpc.ProfilesServiceStub(ch).Export(plain, timeout=10)
        wait_until(lambda: len(sink.requests) >= 4, "the otlphttp backend")
        m = pf.metrics(metrics_port)
    assert metric(m, "proflow_receiver_layout_mismatch_requests_total", layout="v1.9") == 4, m
    assert metric(m, "otelcol_receiver_refused_profile_samples", receiver="otlp") == 5 * 2, m  # decodable ones
    got = read_proto_dir(f"{work}/out")
    values = sorted(v for r in got for rp in r.resource_profiles for sp in rp.scope_profiles for p in sp.profiles
                    for s in p.samples for v in s.values)
    assert values == sorted([1, 2, 3, 4, 5] * 2 + [1, 2, 3, 4]), values
    by_source = {h.get("x-request-source"): h for _, h, _ in sink.requests}
    assert by_source["layout"]["x-scope-orgid"] == "tenant-l", by_source
    assert all(h.get("otlp-profiles-development-version") == "1" for _, h, _ in sink.requests), sink.requests
    print("ok: v1.9-layout requests refused naming the layout (HTTP 400, gRPC INVALID_ARGUMENT) and counted; "
          "v1.10 requests kept exactly; version header checked; metadata forwarded by headers_from_metadata")


if __name__ == "__main__":
    main()
