"""test_otlp_receiver_tls.py — the otlp receiver of the real proflow binary behind TLS and bearer-token
auth, with a throwaway self-signed certificate made by `openssl req`: grpcio over TLS, curl over
HTTPS with ALPN h2 and http/1.1; a wrong or missing token gets UNAUTHENTICATED / 401, plaintext to
the TLS port fails, and only the authorised samples are counted as accepted."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import Proflow, free_port, metric, run_cases  # noqa: E402
from otlp_client import make_request, self_signed_cert, svc, svc_grpc  # noqa: E402
import grpc  # noqa: E402


def curl_status(*args):
    res = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", *args],
                         capture_output=True, text=True, timeout=60)
    return res.stdout


def main():
    work = tempfile.mkdtemp(prefix="otlp-receiver-tls-")
    cert, key = self_signed_cert(work)
    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write("s3cret\n")
    grpc_port, http_port, tel_port = free_port(), free_port(), free_port()
    config = f"""
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc_port}
        tls:
          cert_file: {cert}
          key_file: {key}
        auth:
          bearer_token_file: {token_file}
      http:
        endpoint: 127.0.0.1:{http_port}
        tls:
          cert_file: {cert}
          key_file: {key}
          min_version: "1.3"
        auth:
          bearer_token: s3cret
exporters:
  debug:
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [debug]
  telemetry:
    metrics:
      address: 127.0.0.1:{tel_port}
"""
    body = os.path.join(work, "req.pb")
    with open(body, "wb") as f:
        f.write(make_request(4).SerializeToString())
    url = f"https://localhost:{http_port}/v1development/profiles"
    post = ["--cacert", cert, "--data-binary", "@" + body, "-H", "Content-Type: application/x-protobuf"]
    with Proflow(config, wait_ports=(grpc_port, http_port, tel_port), workdir=work) as pf:
        creds = grpc.ssl_channel_credentials(root_certificates=open(cert, "rb").read())
        with grpc.secure_channel(f"localhost:{grpc_port}", creds) as ch:
            stub = svc_grpc.ProfilesServiceStub(ch)
            resp = stub.Export(make_request(6), timeout=30, metadata=[("authorization", "Bearer s3cret")])
            assert isinstance(resp, svc.ExportProfilesServiceResponse)
            for md in ([("authorization", "Bearer nope")], None):
                try:
                    stub.Export(make_request(6), timeout=30, metadata=md)
                    raise AssertionError("expected UNAUTHENTICATED")
                except grpc.RpcError as e:
                    assert e.code() == grpc.StatusCode.UNAUTHENTICATED, e.code()
        auth = ["-H", "Authorization: Bearer s3cret"]
        assert curl_status(*post, *auth, "--http2", url) == "200 2", "h2 via ALPN"
        assert curl_status(*post, *auth, "--http1.1", url) == "200 1.1", "http/1.1 via ALPN"
        assert curl_status(*post, "--http1.1", url) == "401 1.1"
        assert curl_status(*post, *auth, "--tls-max", "1.2", url).startswith("000"), "min_version 1.3"
        assert curl_status(*post, *auth, f"http://127.0.0.1:{http_port}/v1development/profiles").startswith("000")
        m = pf.metrics(tel_port)
        assert metric(m, "otelcol_receiver_accepted_profile_samples", transport="grpc") == 6
        assert metric(m, "otelcol_receiver_accepted_profile_samples", transport="http") == 8
        assert metric(m, "proflow_http_server_rejected_total", server="otlp/grpc", reason="unauthenticated") == 2
        assert metric(m, "proflow_http_server_rejected_total", server="otlp/http", reason="unauthenticated") == 1
        assert metric(m, "proflow_http_server_rejected_total", server="otlp/http", reason="tls") >= 2
    print("ok: otlp receiver over TLS with bearer auth")


if __name__ == "__main__":
    run_cases([("otlp receiver tls", main)])
