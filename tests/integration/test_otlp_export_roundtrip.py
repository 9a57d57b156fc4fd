#!/usr/bin/python3
"""test_otlp_export_roundtrip.py — two real proflow processes chained by the OTLP exporters.

curl POSTs requests built with Python protobuf to proflow A (otlp receiver over HTTP), whose pipeline
fans out to an otlphttp exporter and an otlp (gRPC) exporter, both pointing at proflow B. B receives
OTLP/HTTP and OTLP/gRPC on two receivers, each in its own pipeline ending in a file exporter (proto).
After A is stopped (SIGTERM drains its queues) and B has written everything, every request sent must
be on disk exactly once per path, byte-for-byte equal as a message to what curl sent (compared with
Python protobuf), and A's exporter metrics must count every sample as sent and none as failed."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Proflow, free_port, metric, run_cases  # noqa: E402
from otlp_export_peers import post_otlp_http, sample_count, small_request, svc  # noqa: E402




def read_dir(path):
    return sorted(svc.ExportProfilesServiceRequest.FromString(open(os.path.join(path, n), "rb").read())
                  .SerializeToString(deterministic=True) for n in os.listdir(path))


def main():
    sent = [small_request(f"service-{i}", leaf=f"work{i}", line=9 + i, values=[100 + s for s in range(i + 1)],
                          time_unix_nano=1700000100000000000 + i) for i in range(5)]
    total = sum(sample_count(r) for r in sent)
    work = tempfile.mkdtemp(prefix="proflow-otlp-roundtrip-")
    b_http, b_grpc, b_metrics = free_port(), free_port(), free_port()
    a_http, a_metrics = free_port(), free_port()

    config_b = f"""
receivers:
  otlp/http:
    protocols:
      http:
        endpoint: 127.0.0.1:{b_http}
  otlp/grpc:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{b_grpc}
exporters:
  file/http:
    path: {work}/http
    format: proto
  file/grpc:
    path: {work}/grpc
    format: proto
service:
  pipelines:
    profiles/http:
      receivers: [otlp/http]
      exporters: [file/http]
    profiles/grpc:
      receivers: [otlp/grpc]
      exporters: [file/grpc]
  telemetry:
    metrics:
      address: 127.0.0.1:{b_metrics}
"""
    config_a = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{a_http}
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:{b_http}
  otlp:
    endpoint: 127.0.0.1:{b_grpc}
    tls:
      insecure: true
    compression: zstd
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [otlphttp, otlp]
  telemetry:
    metrics:
      address: 127.0.0.1:{a_metrics}
"""
    with Proflow(config_b, wait_ports=[b_http, b_grpc, b_metrics]) as b:
        with Proflow(config_a, wait_ports=[a_http, a_metrics]) as a:
            for req in sent:
                post_otlp_http(a_http, req.SerializeToString())
            # Wait until both exporters report every sample delivered, then stop A (SIGTERM drains).
            deadline = time.time() + 60
            while time.time() < deadline:
                m = a.metrics(a_metrics)
                if all(metric(m, "otelcol_exporter_sent_profile_samples", exporter=e) == total
                       for e in ("otlphttp", "otlp")):
                    break
                time.sleep(0.05)
            for e in ("otlphttp", "otlp"):
                assert metric(m, "otelcol_exporter_sent_profile_samples", exporter=e) == total, (e, m)
                assert metric(m, "otelcol_exporter_send_failed_profile_samples", exporter=e) == 0, (e, m)
                assert metric(m, "otelcol_exporter_enqueue_failed_profile_samples", exporter=e) == 0, (e, m)
                assert metric(m, "proflow_exporter_sent_bytes_total", exporter=e) > 0, (e, m)
        deadline = time.time() + 30
        while time.time() < deadline:
            m = b.metrics(b_metrics)
            if all(metric(m, "otelcol_exporter_sent_profile_samples", exporter=e) == total
                   for e in ("file/http", "file/grpc")):
                break
            time.sleep(0.05)

    want = sorted(r.SerializeToString(deterministic=True) for r in sent)
    for path in ("http", "grpc"):
        got = read_dir(os.path.join(work, path))
        assert len(got) == len(sent), f"{path}: {len(got)} requests written, {len(sent)} sent"
        assert got == want, f"{path}: the requests written by proflow B differ from the ones sent to A"
    print(f"round trip through otlphttp and otlp exporters: {len(sent)} requests, {total} samples each way: ok")


if __name__ == "__main__":
    run_cases([("otlp export roundtrip", main)])
