#!/usr/bin/python3
"""test_verbatim_forwarding.py — issue 11's pass-through fast path, checked on the bytes a backend gets.

proflow [otlp receiver -> exporters] forwards to real OTLP peers (otlp_export_peers: http.server and
grpcio). The requests are built so that re-encoding them changes their bytes: the dictionary comes
before resource_profiles on the wire (protobuf-c writes fields in number order), and they are gzipped
by Python at level 9 with mtime 0 (proflow's libdeflate writes other bytes). So a body equal to what
was sent can only be the received bytes, and a re-encoded body shows.

Cases:
  - gzip in (HTTP) -> otlphttp gzip: the backend gets the very bytes sent (compressed bytes not
    recompressed); proflow_exporter_otlp_bodies_total{body="verbatim_compressed"} counts it.
  - plain in -> otlphttp gzip, gzip in -> otlphttp none, zstd in -> otlphttp zstd, gzip in over gRPC ->
    otlp (gRPC) gzip: the decompressed body is byte-identical to the sent protobuf bytes.
  - a resource processor in the pipeline, validation dropping an invalid profile (partial success), a
    batch processor merging two requests: the body is re-encoded (not the sent bytes) and carries the
    change.
  - one receiver fanning out to a pipeline with a resource processor and a plain one: the plain one
    still gets the sent bytes, the other the changed batch (copy-on-write keeps them apart).
  - the pyroscope exporter beside an otlphttp one: the batch, kept as bytes, is decoded for it and a
    second proflow's pyroscope receiver gets every sample.
  - compression_params.level is checked like the Collector does."""
import gzip
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Proflow, free_port, metric, run_cases, run_cli, wait_until  # noqa: E402
from otlp_export_peers import GrpcPeer, HttpPeer, grpc, small_request, svc, svc_grpc  # noqa: E402


def odd_order_bytes(req):
    """req serialized with field 2 (dictionary) before field 1 (resource_profiles): the same message
    (protobuf merges repeated fields), but not the bytes any encoder writes."""
    dict_only = svc.ExportProfilesServiceRequest()
    dict_only.dictionary.CopyFrom(req.dictionary)
    rest = svc.ExportProfilesServiceRequest()
    rest.resource_profiles.extend(req.resource_profiles)
    return dict_only.SerializeToString() + rest.SerializeToString()


def gzip9(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def zstd19(data):
    return subprocess.run(["zstd", "-19", "-q", "-c"], input=data, capture_output=True, check=True).stdout


def unzstd(data):
    return subprocess.run(["zstd", "-d", "-q", "-c"], input=data, capture_output=True, check=True).stdout


def post(port, body, encoding=None):
    cmd = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
           "-H", "Content-Type: application/x-protobuf", "--data-binary", "@-"]
    if encoding:
        cmd += ["-H", f"Content-Encoding: {encoding}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}/v1development/profiles"], input=body,
                         capture_output=True, check=True)
    assert out.stdout == b"200", f"the otlp receiver answered {out.stdout!r}: {out.stderr!r}"


def config(recv_http, recv_grpc, metrics_port, exporters, pipelines, processors=""):
    return f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{recv_http}}}
      grpc: {{endpoint: 127.0.0.1:{recv_grpc}}}
{processors}
exporters:
{exporters}
service:
  pipelines:
{pipelines}
  telemetry:
    metrics: {{address: 127.0.0.1:{metrics_port}}}
"""


def otlphttp(name, port, compression="gzip"):
    return f"""  otlphttp/{name}:
    endpoint: http://127.0.0.1:{port}
    compression: {compression}
    retry_on_failure: {{enabled: false}}
"""


class Setup:
    """proflow with HTTP peers `names` (one otlphttp exporter each) and the given pipelines."""

    def __init__(self, exporters, pipelines, processors="", grpc_peer=False):
        self.recv_http, self.recv_grpc, self.metrics_port = free_port(), free_port(), free_port()
        self.peers, text = {}, ""
        for name, compression in exporters:
            port = free_port()
            self.peers[name] = HttpPeer(port)
            text += otlphttp(name, port, compression)
        if grpc_peer:
            port = free_port()
            self.peers["grpc"] = GrpcPeer(port)
            text += f"""  otlp/grpc:
    endpoint: 127.0.0.1:{port}
    tls: {{insecure: true}}
    compression: gzip
    retry_on_failure: {{enabled: false}}
"""
        self.proflow = Proflow(config(self.recv_http, self.recv_grpc, self.metrics_port, text, pipelines, processors),
                               wait_ports=(self.recv_http, self.recv_grpc, self.metrics_port))

    def bodies(self, name, n=1):
        peer = self.peers[name]
        wait_until(lambda: len(peer.delivered) >= n, f"{n} request(s) at {name}", timeout=30)
        with peer.lock:
            return list(peer.bodies)

    def bodies_counted(self, exporter, kind):
        return metric(self.proflow.metrics(self.metrics_port), "proflow_exporter_otlp_bodies_total",
                      exporter=exporter, body=kind)

    def close(self):
        self.proflow.stop()
        for p in self.peers.values():
            p.stop()


def pipeline(name, exporters, processors=()):
    procs = f"      processors: [{', '.join(processors)}]\n" if processors else ""
    return f"    profiles/{name}:\n      receivers: [otlp]\n{procs}      exporters: [{', '.join(exporters)}]\n"


REQ = small_request("checkout", values=(5, 7, 11))
PLAIN = odd_order_bytes(REQ)


def test_gzip_passthrough():
    s = Setup([("a", "gzip")], pipeline("a", ["otlphttp/a"]))
    try:
        sent = gzip9(PLAIN)
        # the same message, but not the bytes an encoder writes
        assert PLAIN != REQ.SerializeToString() and svc.ExportProfilesServiceRequest.FromString(PLAIN) == REQ
        post(s.recv_http, sent, "gzip")
        body = s.bodies("a")[0]
        assert body == sent, "the backend did not get the gzip bytes that were sent"
        assert s.bodies_counted("otlphttp/a", "verbatim_compressed") == 1
        assert s.bodies_counted("otlphttp/a", "encoded") == 0
    finally:
        s.close()


def test_other_encodings_forward_the_protobuf_bytes():
    s = Setup([("gz", "gzip"), ("none", "none"), ("zstd", "zstd")],
              pipeline("gz", ["otlphttp/gz"]) + pipeline("none", ["otlphttp/none"]) +
              pipeline("zstd", ["otlphttp/zstd"]), grpc_peer=False)
    try:
        post(s.recv_http, PLAIN)                      # plain in: gz recompresses, none sends as is, zstd compresses
        post(s.recv_http, gzip9(PLAIN), "gzip")       # gzip in: gz as is, none decompressed, zstd recompresses
        sent_zstd = zstd19(PLAIN)
        post(s.recv_http, sent_zstd, "zstd")          # zstd in: zstd as is
        gz, none, zs = s.bodies("gz", 3), s.bodies("none", 3), s.bodies("zstd", 3)
        assert [gzip.decompress(b) for b in gz] == [PLAIN] * 3
        assert gz[1] == gzip9(PLAIN)
        assert none == [PLAIN] * 3
        assert [unzstd(b) for b in zs] == [PLAIN] * 3
        assert zs[2] == sent_zstd
        assert s.bodies_counted("otlphttp/gz", "verbatim_compressed") == 1
        assert s.bodies_counted("otlphttp/gz", "verbatim") == 2
        assert s.bodies_counted("otlphttp/none", "verbatim") == 3
        assert s.bodies_counted("otlphttp/zstd", "verbatim_compressed") == 1
        for e in ("gz", "none", "zstd"):
            assert s.bodies_counted(f"otlphttp/{e}", "encoded") == 0
    finally:
        s.close()


def test_grpc_in_grpc_out():
    s = Setup([("h", "gzip")], pipeline("g", ["otlp/grpc", "otlphttp/h"]), grpc_peer=True)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{s.recv_grpc}", compression=grpc.Compression.Gzip) as ch:
            export = ch.unary_unary("/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export",
                                    request_serializer=lambda b: b, response_deserializer=lambda b: b)
            export(PLAIN, timeout=10)
        body = s.bodies("h")[0]
        assert gzip.decompress(body) == PLAIN
        wait_until(lambda: len(s.peers["grpc"].delivered) == 1, "the gRPC peer got the request", timeout=30)
        assert s.peers["grpc"].delivered[0] == REQ
        # grpcio compressed the message; both exporters send those compressed bytes as they came
        assert s.bodies_counted("otlp/grpc", "verbatim_compressed") == 1
        assert s.bodies_counted("otlphttp/h", "verbatim_compressed") == 1
    finally:
        s.close()


RESOURCE = """processors:
  resource:
    attributes:
      - {key: deployment.environment, value: prod, action: upsert}
  batch:
    timeout: 2s
"""


def resource_of(body):
    req = svc.ExportProfilesServiceRequest.FromString(gzip.decompress(body))
    return {kv.key: kv.value.string_value for kv in req.resource_profiles[0].resource.attributes}


def test_changed_batches_are_encoded_again():
    s = Setup([("plain", "gzip"), ("changed", "gzip")],
              pipeline("plain", ["otlphttp/plain"]) + pipeline("changed", ["otlphttp/changed"], ["resource"]),
              processors=RESOURCE)
    try:
        sent = gzip9(PLAIN)
        post(s.recv_http, sent, "gzip")
        assert s.bodies("plain") == [sent], "the unchanged fan-out branch must still forward the sent bytes"
        changed = s.bodies("changed")[0]
        assert changed != sent and gzip.decompress(changed) != PLAIN
        assert resource_of(changed) == {"service.name": "checkout", "deployment.environment": "prod"}
        assert s.bodies_counted("otlphttp/changed", "encoded") == 1
        assert s.bodies_counted("otlphttp/changed", "verbatim") == 0
        assert s.bodies_counted("otlphttp/changed", "verbatim_compressed") == 0
    finally:
        s.close()


def test_partial_success_and_merging_drop_the_bytes():
    s = Setup([("v", "gzip"), ("b", "gzip")],
              pipeline("v", ["otlphttp/v"]) + pipeline("b", ["otlphttp/b"], ["batch"]), processors=RESOURCE)
    try:
        bad = svc.ExportProfilesServiceRequest()
        bad.CopyFrom(REQ)
        broken = bad.resource_profiles[0].scope_profiles[0].profiles.add()
        broken.samples.add(stack_index=99, values=[1])         # out of range: this profile is dropped
        post(s.recv_http, gzip9(odd_order_bytes(bad)), "gzip")   # partial success
        body = s.bodies("v")[0]
        got = svc.ExportProfilesServiceRequest.FromString(gzip.decompress(body))
        assert len(got.resource_profiles[0].scope_profiles[0].profiles) == 1, got
        assert gzip.decompress(body) != PLAIN and got == REQ
        assert s.bodies_counted("otlphttp/v", "encoded") == 1
        # the batch pipeline got two requests within its timeout: merged, so encoded once
        post(s.recv_http, gzip9(PLAIN), "gzip")
        merged = s.bodies("b", 1)
        wait_until(lambda: s.bodies_counted("otlphttp/b", "encoded") == 1, "one merged batch", timeout=30)
        req = svc.ExportProfilesServiceRequest.FromString(gzip.decompress(merged[0]))
        samples = sum(len(p.samples) for rp in req.resource_profiles for sp in rp.scope_profiles for p in sp.profiles)
        assert samples == 6, req
        assert s.bodies_counted("otlphttp/b", "verbatim_compressed") == 0
    finally:
        s.close()


def test_lone_batch_passes_the_batch_processor_verbatim():
    s = Setup([("b", "gzip")], pipeline("b", ["otlphttp/b"], ["batch"]), processors=RESOURCE)
    try:
        sent = gzip9(PLAIN)
        post(s.recv_http, sent, "gzip")
        assert s.bodies("b") == [sent]
        assert s.bodies_counted("otlphttp/b", "verbatim_compressed") == 1
    finally:
        s.close()


def test_lazy_batch_decoded_for_pyroscope():
    """The same request fans out to otlphttp (sent verbatim) and to the pyroscope exporter, which reads
    the tree (series -> pprof): the batch is decoded for it, and a second proflow's pyroscope receiver
    gets every sample."""
    b_port, b_metrics = free_port(), free_port()
    backend = Proflow(f"""receivers:
  pyroscope: {{endpoint: 127.0.0.1:{b_port}}}
exporters:
  debug: {{verbosity: normal}}
service:
  pipelines:
    profiles: {{receivers: [pyroscope], exporters: [debug]}}
  telemetry:
    metrics: {{address: 127.0.0.1:{b_metrics}}}
""", wait_ports=(b_port, b_metrics))
    http_port = free_port()
    peer = HttpPeer(http_port)
    recv_http, recv_grpc, metrics_port = free_port(), free_port(), free_port()
    exporters = otlphttp("v", http_port) + f"""  pyroscope:
    endpoint: http://127.0.0.1:{b_port}
    retry_on_failure: {{enabled: false}}
"""
    a = Proflow(config(recv_http, recv_grpc, metrics_port, exporters, pipeline("p", ["otlphttp/v", "pyroscope"])),
                wait_ports=(recv_http, recv_grpc, metrics_port))
    try:
        sent = gzip9(PLAIN)
        post(recv_http, sent, "gzip")
        wait_until(lambda: len(peer.delivered) == 1, "the OTLP peer got the request", timeout=30)
        assert peer.bodies == [sent]
        want = sum(len(p.samples) for rp in REQ.resource_profiles for sp in rp.scope_profiles for p in sp.profiles)
        backend.wait_metrics(b_metrics, lambda m: metric(m, "otelcol_exporter_sent_profile_samples",
                                                         exporter="debug") == want, timeout=30)
        m = a.metrics(metrics_port)
        assert metric(m, "otelcol_exporter_sent_profile_samples", exporter="pyroscope") == want
        assert metric(m, "otelcol_exporter_send_failed_profile_samples", exporter="pyroscope") == 0
    finally:
        a.stop()
        backend.stop()
        peer.stop()


def test_compression_level_checked():
    work = tempfile.mkdtemp(prefix="proflow-verbatim-")
    cases = [("gzip", 12, False), ("gzip", -2, True), ("gzip", 9, True), ("zstd", 19, True), ("none", 1, False)]
    for compression, level, ok in cases:
        path = os.path.join(work, "c.yaml")
        with open(path, "w") as f:
            f.write(f"""receivers:
  otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:0}}}}}}
exporters:
  otlphttp: {{endpoint: "http://127.0.0.1:1", compression: {compression}, compression_params: {{level: {level}}}}}
service: {{pipelines: {{profiles: {{receivers: [otlp], exporters: [otlphttp]}}}}}}
""")
        out = run_cli("validate", "--config", path)
        assert (out.returncode == 0) == ok, (compression, level, out.stdout, out.stderr)
        if not ok:
            assert f"unsupported parameters {{Level:{level}}} for compression type \"{compression}\"" in out.stderr, \
                out.stderr


if __name__ == "__main__":
    run_cases([
        ("gzip in, gzip out: the sent bytes reach the backend", test_gzip_passthrough),
        ("plain, gzip and zstd in; gzip, none and zstd out: the sent protobuf bytes", test_other_encodings_forward_the_protobuf_bytes),
        ("gRPC gzip in: otlp and otlphttp send the compressed message as it came", test_grpc_in_grpc_out),
        ("a resource processor re-encodes; its fan-out sibling stays verbatim", test_changed_batches_are_encoded_again),
        ("partial success and batch merging re-encode", test_partial_success_and_merging_drop_the_bytes),
        ("a lone batch passes the batch processor verbatim", test_lone_batch_passes_the_batch_processor_verbatim),
        ("a lazy batch is decoded for the pyroscope exporter", test_lazy_batch_decoded_for_pyroscope),
        ("compression_params.level is checked like the Collector", test_compression_level_checked),
    ])
