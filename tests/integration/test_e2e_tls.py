#!/usr/bin/python3
"""test_e2e_tls.py — client-side TLS of the OTLP exporters between two real proflow processes.

Throwaway self-signed certificates (`openssl req`): one for proflow B's servers, one for proflow A as
an mTLS client. B's otlp receivers serve OTLP/HTTP over TLS and OTLP/gRPC over TLS requiring a
client certificate (client_ca_file), each in its own pipeline ending in a file exporter (proto).
curl POSTs requests built with Python protobuf to proflow A, whose `otlphttp` exporter trusts B
through tls.ca_file and whose `otlp` (gRPC) exporter also presents the client certificate.

Checked:
  - delivery: what B's file exporters wrote equals, message for message (Python protobuf), what was
    sent to A, on both paths; A counts every sample sent and none failed;
  - a second proflow A whose exporters trust the wrong CA, plus a gRPC exporter with the right CA but
    no client certificate, retries, then counts every sample as failed and logs each drop (a wrong
    CA with its certificate problem); it stays up (still answers /metrics, exits 0 on SIGTERM) and B
    writes nothing more, having refused the handshakes (counted as reason="tls")."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from harness import Proflow, free_port, metric, run_cases  # noqa: E402
from otlp_client import make_request, sample_count, self_signed_cert, svc  # noqa: E402

RETRY = "retry_on_failure: {initial_interval: 100ms, max_interval: 300ms, max_elapsed_time: 2s}"
GOOD = ("otlphttp", "otlp")
BAD = ("otlphttp/wrong_ca", "otlp/wrong_ca", "otlp/no_client_cert")


def certificate(work, name):
    directory = os.path.join(work, name)
    os.makedirs(directory)
    return self_signed_cert(directory)


def config_b(http_port, grpc_port, metrics_port, server, client_ca, out):
    cert, key = server
    return f"""
receivers:
  otlp/http:
    protocols:
      http:
        endpoint: 127.0.0.1:{http_port}
        tls: {{cert_file: {cert}, key_file: {key}}}
  otlp/grpc:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc_port}
        tls: {{cert_file: {cert}, key_file: {key}, client_ca_file: {client_ca}}}
exporters:
  file/http:
    path: {out}/http
    format: proto
  file/grpc:
    path: {out}/grpc
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
      address: 127.0.0.1:{metrics_port}
"""


def config_a(receiver_port, metrics_port, exporters):
    """exporters: {name: YAML body lines}; every one gets the same short retry policy."""
    body = "".join(f"  {name}:\n{lines}    {RETRY}\n" for name, lines in exporters.items())
    return f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{receiver_port}
exporters:
{body}service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [{", ".join(exporters)}]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""


def otlphttp(port, ca):
    return f"    endpoint: https://127.0.0.1:{port}\n    tls: {{ca_file: {ca}}}\n"


def otlp_grpc(port, ca, client=None):
    mtls = f", cert_file: {client[0]}, key_file: {client[1]}" if client else ""
    return f"    endpoint: 127.0.0.1:{port}\n    tls: {{ca_file: {ca}{mtls}}}\n"


def post(port, body):
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                          "-H", "Content-Type: application/x-protobuf", "--data-binary", "@-",
                          f"http://127.0.0.1:{port}/v1development/profiles"],
                         input=body, capture_output=True, check=True, timeout=30)
    assert out.stdout == b"200", f"proflow A answered {out.stdout!r}: {out.stderr!r}"


def counted(m, name, exporters, n):
    return all(metric(m, name, exporter=e) == n for e in exporters)


def tls_rejections(m):
    """Handshakes B refused, per server (HTTP, gRPC)."""
    return [metric(m, "proflow_http_server_rejected_total", server=s, reason="tls")
            for s in ("otlp/http/http", "otlp/grpc/grpc")]


def written(path):
    return sorted(svc.ExportProfilesServiceRequest.FromString(open(os.path.join(path, n), "rb").read())
                  .SerializeToString(deterministic=True) for n in os.listdir(path))


def run_a(exporters, requests, until):
    """Runs a proflow A with these exporters, posts the requests, waits until until(metrics), stops A
    (asserting exit 0) and returns (metrics, A's log)."""
    rport, mport = free_port(), free_port()
    with Proflow(config_a(rport, mport, exporters), wait_ports=[rport, mport]) as a:
        for r in requests:
            post(rport, r.SerializeToString())
        m = a.wait_metrics(mport, until)
    with open(a.log_path) as f:
        return m, f.read()


def main():
    work = tempfile.mkdtemp(prefix="proflow-e2e-tls-")
    server, client, stranger = (certificate(work, n) for n in ("server", "client", "stranger"))
    sent = [make_request(samples=i + 2, service=f"svc-{i}") for i in range(4)]
    total = sum(sample_count(r) for r in sent)
    out = os.path.join(work, "out")
    http_port, grpc_port, b_metrics = free_port(), free_port(), free_port()

    def b_written(m):
        return [metric(m, "otelcol_exporter_sent_profile_samples", exporter=e) for e in ("file/http", "file/grpc")]

    with Proflow(config_b(http_port, grpc_port, b_metrics, server, client[0], out),
                 wait_ports=[http_port, grpc_port, b_metrics]) as b:
        good = {"otlphttp": otlphttp(http_port, server[0]), "otlp": otlp_grpc(grpc_port, server[0], client)}
        m, _ = run_a(good, sent, lambda m: counted(m, "otelcol_exporter_sent_profile_samples", GOOD, total))
        for e in GOOD:
            assert metric(m, "otelcol_exporter_send_failed_profile_samples", exporter=e) == 0, (e, m)
            assert metric(m, "proflow_exporter_sent_bytes_total", exporter=e) > 0, (e, m)
        b.wait_metrics(b_metrics, lambda m: b_written(m) == [total, total])
        rejected_before = tls_rejections(b.metrics(b_metrics))

        bad = {"otlphttp/wrong_ca": otlphttp(http_port, stranger[0]),
               "otlp/wrong_ca": otlp_grpc(grpc_port, stranger[0], client),
               "otlp/no_client_cert": otlp_grpc(grpc_port, server[0])}
        failed = sample_count(sent[0])
        m, logs = run_a(bad, sent[:1],
                        lambda m: counted(m, "otelcol_exporter_send_failed_profile_samples", BAD, failed))
        for e in BAD:
            assert metric(m, "otelcol_exporter_sent_profile_samples", exporter=e) == 0, (e, m)
            assert metric(m, "proflow_exporter_retries_total", exporter=e) >= 1, (e, m)
        # A wrong CA fails in A's own verification, so its drop names the certificate problem. A missing
        # client certificate is refused by B after A's TLS 1.3 handshake has finished, so A sees either
        # B's alert or a connection closed under it: only the drop itself is certain.
        reasons = {"otlphttp/wrong_ca": "SSL certificate problem", "otlp/wrong_ca": "SSL certificate problem",
                   "otlp/no_client_cert": ""}
        for e, reason in reasons.items():
            assert any(f"\t{e}\t" in line and "dropping" in line and reason in line for line in logs.splitlines()), \
                (e, reason, logs)
        mb = b.metrics(b_metrics)
        assert b_written(mb) == [total, total], mb
        assert all(after > before for after, before in zip(tls_rejections(mb), rejected_before)), mb

    want = sorted(r.SerializeToString(deterministic=True) for r in sent)
    for path in ("http", "grpc"):
        got = written(os.path.join(out, path))
        assert got == want, f"{path}: proflow B wrote {len(got)} requests that differ from the {len(sent)} sent to A"
    print(f"ok: {len(sent)} requests ({total} samples) over TLS (otlphttp) and mTLS (otlp gRPC); "
          f"wrong CA / missing client certificate retried, then counted as failed")


if __name__ == "__main__":
    run_cases([("e2e tls", main)])
