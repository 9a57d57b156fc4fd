"""test_otlp_receiver.py — the otlp receiver in the real proflow binary, fed by real peers:
grpcio (h2c, gzip), curl (HTTP/1.1 and --http2-prior-knowledge; protobuf, JSON; gzip, zstd, deflate)
and h2load (concurrent HTTP/2 streams). Malformed, truncated, bad-index, oversize, gzip-bomb and
wrong-content-type requests get the OTLP answers and the process keeps serving. Every accepted sample
must reach the file exporter and the receiver's counters must add up exactly."""
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import Proflow, free_port, metric, run_cases  # noqa: E402
from otlp_client import make_request, sample_count, status_pb2, svc, svc_grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
import grpc  # noqa: E402

EXPORT = "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"


def curl(url, body_path, *args):
    """POSTs a file; returns (status, headers text, body bytes)."""
    with tempfile.NamedTemporaryFile() as hdr, tempfile.NamedTemporaryFile() as out:
        cmd = ["curl", "-s", "-S", "-o", out.name, "-D", hdr.name, "-w", "%{http_code}", "--data-binary",
               "@" + body_path, *args, url]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        return int(res.stdout), open(hdr.name).read().lower(), open(out.name, "rb").read()


def write(d, name, data):
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def status_of(body):
    st = status_pb2.Status()
    st.ParseFromString(body)
    return st


def main():
    work = tempfile.mkdtemp(prefix="otlp-receiver-")
    grpc_port, http_port, tel_port = free_port(), free_port(), free_port()
    out_dir = os.path.join(work, "out")
    config = f"""
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc_port}
        max_recv_msg_size_mib: 1
      http:
        endpoint: 127.0.0.1:{http_port}
        max_request_body_size: 1MiB
exporters:
  file:
    path: {out_dir}
    format: proto
    rotation:
      max_backups: 0
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [file]
  telemetry:
    metrics:
      address: 127.0.0.1:{tel_port}
"""
    url = f"http://127.0.0.1:{http_port}/v1development/profiles"
    accepted = {"grpc": 0, "http": 0}
    refused = {"grpc": 0, "http": 0}
    with Proflow(config, wait_ports=(grpc_port, http_port, tel_port), workdir=work) as pf:
        # ---- gRPC (grpcio over h2c), plain and gzip ----
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as ch:
            stub = svc_grpc.ProfilesServiceStub(ch)
            resp = stub.Export(make_request(5), timeout=30)
            assert isinstance(resp, svc.ExportProfilesServiceResponse)
            assert not resp.HasField("partial_success")
            stub.Export(make_request(7), timeout=30, compression=grpc.Compression.Gzip)
            accepted["grpc"] += 12
            for bad, code, what in ((make_request(4, bad_stack=True), grpc.StatusCode.INVALID_ARGUMENT, "stack_index"),
                                    (make_request(200000), grpc.StatusCode.RESOURCE_EXHAUSTED, "larger than max")):
                try:
                    stub.Export(bad, timeout=30)
                    raise AssertionError("expected an error")
                except grpc.RpcError as e:
                    assert e.code() == code, (e.code(), e.details())
                    assert what in e.details(), e.details()
            refused["grpc"] += 4
            # One valid and one invalid profile: the valid one is taken, the client hears of the other.
            mixed = make_request(3)
            broken = mixed.resource_profiles[0].scope_profiles[0].profiles.add(time_unix_nano=1)
            broken.sample_type.type_strindex = 1
            broken.samples.add(stack_index=77).values.append(1)
            resp = stub.Export(mixed, timeout=30)
            assert resp.partial_success.rejected_profiles == 1, resp
            assert "profiles[1].samples[0].stack_index 77 out of range" in resp.partial_success.error_message, resp
            accepted["grpc"] += 3
            refused["grpc"] += 1
            raw = ch.unary_unary(EXPORT)
            try:
                raw(b"\xff\xff\xff", timeout=30)
                raise AssertionError("expected INVALID_ARGUMENT")
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.code()
            try:
                ch.unary_unary("/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Nope")(b"", timeout=30)
                raise AssertionError("expected UNIMPLEMENTED")
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.UNIMPLEMENTED, e.code()

        # ---- HTTP: protobuf over HTTP/1.1 and h2c, every Content-Encoding ----
        pb = make_request(3).SerializeToString()
        plain = write(work, "req.pb", pb)
        pb_args = ["-H", "Content-Type: application/x-protobuf"]
        status, headers, body = curl(url, plain, *pb_args)
        assert status == 200 and "content-type: application/x-protobuf" in headers, (status, headers)
        svc.ExportProfilesServiceResponse().ParseFromString(body)
        status, headers, body = curl(url, plain, "--http2-prior-knowledge", "-H", "Content-Type: application/protobuf")
        assert status == 200 and headers.startswith("http/2 200"), headers
        status, headers, _ = curl(url, write(work, "req.gz", gzip.compress(pb)), *pb_args,
                                  "-H", "Content-Encoding: gzip")
        assert status == 200 and "content-encoding: gzip" in headers, headers
        zst = write(work, "req.zst", b"")
        subprocess.run(["zstd", "-q", "-f", plain, "-o", zst], check=True)
        status, headers, _ = curl(url, zst, *pb_args, "-H", "Content-Encoding: zstd")
        assert status == 200 and "content-encoding: zstd" in headers, headers
        status, _, _ = curl(url, write(work, "req.zz", zlib.compress(pb)), *pb_args, "-H", "Content-Encoding: deflate")
        assert status == 200, status
        accepted["http"] += 5 * 3

        # ---- HTTP: OTLP/JSON ----
        # OTLP/JSON writes ids as hex where the protobuf JSON mapping uses base64
        doc = json_format.MessageToDict(make_request(2))
        doc["resourceProfiles"][0]["scopeProfiles"][0]["profiles"][0]["profileId"] = bytes(range(1, 17)).hex()
        as_json = json.dumps(doc).encode()
        status, headers, body = curl(url, write(work, "req.json", as_json), "-H", "Content-Type: application/json")
        assert status == 200 and "content-type: application/json" in headers, (status, body)
        assert body.strip() == b"{}", body
        accepted["http"] += 2
        status, _, body = curl(url, write(work, "bad.json", b'{"resourceProfiles": 5}'),
                               "-H", "Content-Type: application/json")
        assert status == 400 and b'"code":3' in body and b"resourceProfiles" in body, (status, body)

        # ---- HTTP errors: each answered per the spec, the process keeps serving ----
        status, _, body = curl(url, write(work, "junk.pb", b"\xff\xff\xff\xff"), *pb_args)
        assert status == 400 and status_of(body).code == 3, (status, body)
        status, _, body = curl(url, write(work, "trunc.pb", pb[: len(pb) // 2]), *pb_args)
        assert status == 400, status
        status, _, body = curl(url, write(work, "badidx.pb", make_request(6, bad_stack=True).SerializeToString()),
                               *pb_args)
        assert status == 400 and "stack_index" in status_of(body).message, (status, body)
        refused["http"] += 6
        status, _, body = curl(url, write(work, "badidx.gz", gzip.compress(make_request(2, bad_stack=True)
                                                                            .SerializeToString())),
                               *pb_args, "-H", "Content-Encoding: gzip")
        assert status == 400 and status_of(gzip.decompress(body)).code == 3, status
        refused["http"] += 2
        status, _, _ = curl(url, write(work, "big.pb", make_request(200000).SerializeToString()), *pb_args)
        assert status == 413, status
        status, _, body = curl(url, write(work, "bomb.gz", gzip.compress(b"\0" * (8 << 20))), *pb_args,
                               "-H", "Content-Encoding: gzip")
        assert status == 413, status
        assert status_of(gzip.decompress(body)).code == 8
        status, _, body = curl(url, write(work, "garbage.gz", b"\x1f\x8b\x08\x00garbage"), *pb_args,
                               "-H", "Content-Encoding: gzip")
        assert status == 400, status
        status, _, body = curl(url, plain, "-H", "Content-Type: text/plain")
        assert status == 415 and b"unsupported content type" in body, (status, body)
        status, _, _ = curl(url, plain, *pb_args, "-H", "Content-Encoding: br")
        assert status == 415, status
        status, _, _ = curl(f"http://127.0.0.1:{http_port}/v1/profiles", plain, *pb_args)
        assert status == 404, status
        res = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url], capture_output=True, text=True)
        assert res.stdout == "405", res.stdout

        # ---- h2load: many concurrent streams on few connections ----
        res = subprocess.run(["h2load", "-n", "200", "-c", "4", "-m", "8", "-d", plain, "-H",
                              "content-type: application/x-protobuf", url], capture_output=True, text=True, timeout=120)
        assert "200 succeeded, 0 failed, 0 errored" in res.stdout, res.stdout
        assert "status codes: 200 2xx" in res.stdout, res.stdout
        accepted["http"] += 200 * 3

        # ---- still serving after all of the above ----
        status, _, _ = curl(url, plain, *pb_args)
        assert status == 200
        accepted["http"] += 3

        m = pf.metrics(tel_port)
        for t in ("grpc", "http"):
            got = metric(m, "otelcol_receiver_accepted_profile_samples", receiver="otlp", transport=t)
            assert got == accepted[t], (t, got, accepted[t])
            got = metric(m, "otelcol_receiver_refused_profile_samples", receiver="otlp", transport=t)
            assert got == refused[t], (t, got, refused[t])
        assert metric(m, "proflow_receiver_requests_total", transport="http", status="413") == 1
        assert metric(m, "proflow_receiver_requests_total", transport="http", status="415") == 2
        assert metric(m, "proflow_receiver_requests_total", transport="grpc", status="INVALID_ARGUMENT") == 2
        assert metric(m, "proflow_receiver_requests_total", transport="http", status="200") == 5 + 1 + 200 + 1
        assert metric(m, "proflow_receiver_bytes_total", transport="http") > 200 * len(pb)
        assert metric(m, "proflow_http_server_rejected_total", server="otlp/http", reason="body_too_large") == 1
        assert metric(m, "proflow_http_server_rejected_total", server="otlp/grpc", reason="body_too_large") == 1
    # every accepted sample is on disk once proflow has stopped (SIGTERM drains the exporter)
    on_disk = 0
    for path in glob.glob(os.path.join(out_dir, "*.binpb")):
        req = svc.ExportProfilesServiceRequest()
        with open(path, "rb") as f:
            req.ParseFromString(f.read())
        on_disk += sample_count(req)
    assert on_disk == accepted["grpc"] + accepted["http"], (on_disk, accepted)
    print("ok: otlp receiver", accepted, refused)


if __name__ == "__main__":
    run_cases([("otlp receiver", main)])
