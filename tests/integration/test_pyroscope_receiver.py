#!/usr/bin/python3
"""test_pyroscope_receiver.py — the `pyroscope` receiver in the real proflow binary, with real clients.

1. Every request captured from the real @pyroscope/nodejs SDK (tests/fixtures/pyroscope-push: 0.6.4 raw
   gzipped pprof, 0.4.13 multipart, 0.6.4 with basic auth + X-Scope-OrgID) is replayed byte for byte,
   headers included, over one keep-alive HTTP/1.1 connection per run. Each must get 200, and the pprof
   the `file` exporter wrote in `format: pprof` must equal the fixture's summary.json per request:
   profile type, sample types in order, sample count, per-type totals as the real `go tool pprof -top`
   reports them and exact sums from `go tool pprof -raw`, and the sample labels; the same batches
   written as OTLP (`format: proto`) carry the same counts and sums, the service name and the name's
   labels.
2. The Push API with four real clients: curl Connect proto over HTTP/1.1 and over h2c, Connect JSON
   over HTTP/1.1 (urllib), and grpcio. Each pushes one fixture pprof; totals must survive.
3. Errors, each with its status and a message naming the problem: unknown format 415, bad name 400,
   bad from 400, malformed pprof 400, oversize on the wire 413, oversize after gunzip 413, Connect
   without __name__ 400 invalid_argument, Connect unknown content type 415, gRPC malformed
   INVALID_ARGUMENT. Refusals are counted on /metrics by status."""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import FIXTURES, Proflow, free_port, metric, run_cases  # noqa: E402
import pyroscope_receiver_lib as L  # noqa: E402
import grpc  # noqa: E402

RUNS = ["nodejs", "nodejs-0.4.13-multipart", "nodejs-cpu-auth-tenant"]
PUSH_PATH = "/push.v1.PusherService/Push"


def fixture_requests(run):
    d = os.path.join(FIXTURES, "pyroscope-push", run)
    summary = json.load(open(os.path.join(d, "summary.json")))
    reqs = []
    for name in sorted(n for n in os.listdir(d) if n.endswith(".meta.json")):
        meta = json.load(open(os.path.join(d, name)))
        stem = name[: -len(".meta.json")]
        body = open(os.path.join(d, stem + ".body"), "rb").read()
        raw = f"{meta['method']} {meta['url']} HTTP/1.1\r\n"
        pairs = meta["raw_headers_in_order"]
        pairs = list(zip(pairs[0::2], pairs[1::2])) if pairs and isinstance(pairs[0], str) else pairs
        raw += "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n"
        want = summary.get(stem + ".body") or summary.get(stem + ".part-profile.pb.gz")
        reqs.append((stem, raw.encode("latin-1") + body, want, os.path.join(d, want["file"])))
    return reqs


def profile_type(want):
    return "wall" if "wall/nanoseconds" in want["sample_types"] else "memory"


def check_item(item, want, source, service, labels, what):
    """`source` is the pprof the client sent, as `go tool pprof` reads it (it merges equal samples)."""
    assert item["name"] == profile_type(want), (what, item["name"])
    assert item["service"] == service, (what, item["service"])
    for k, v in labels.items():
        assert item["resource"].get(k) == v, (what, k, item["resource"])
    pprof, contents = item["pprof"], item["contents"]
    assert contents["types"] == want["sample_types"], (what, contents["types"], want["sample_types"])
    assert contents["samples"] == want["num_samples"], (what, contents["samples"], want["num_samples"])
    assert contents["stackless"]["samples"] == want["samples_with_empty_stack"], (what, contents["stackless"])
    sent = L.pprof_totals(source)
    assert (pprof["samples"], pprof["label_keys"]) == (sent["samples"], sent["label_keys"]), (what, pprof, sent)
    assert pprof["top"] == want["value_sums"], (what, pprof["top"], want["value_sums"])
    assert pprof["sums"] == want["value_sums"], (what, pprof["sums"], want["value_sums"])
    assert item["samples"] == want["num_samples"], (what, item["samples"], want["num_samples"])
    assert item["sums"] == want["value_sums"], (what, item["sums"], want["value_sums"])
    for key in want["sample_label_keys"]:
        assert item["pprof"]["label_keys"].get(key, 0) > 0, (what, key, item["pprof"])


def curl_connect(port, body, http2):
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge" if http2 else "--http1.1", "-o", "-", "-w",
                          "\n%{http_code} %{http_version}", "-H", "content-type: application/proto", "-H",
                          "connect-protocol-version: 1", "--data-binary", "@-", f"http://127.0.0.1:{port}{PUSH_PATH}"],
                         input=body, capture_output=True, check=True).stdout
    text, _, status = out.rpartition(b"\n")
    code, version = status.decode().split()
    return int(code), version, text


def urllib_post(url, body, headers):
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def push_request(pb, raw_profile, service, transport):
    req = pb.PushRequest()
    s = req.series.add()
    for k, v in (("__name__", "wall"), ("service_name", service), ("transport", transport)):
        s.labels.add(name=k, value=v)
    s.samples.add(raw_profile=raw_profile, ID="0f2c5a56-3b8e-4f7d-9f0a-6b2d1c3e4f50")
    return req


def main():
    work = tempfile.mkdtemp(prefix="proflow-pyro-recv-")
    out_dir = os.path.join(work, "out")
    port, metrics_port = free_port(), free_port()
    cfg = L.config(port, metrics_port, out_dir, extra="    max_request_body_size: 1MiB")
    pb, pb_grpc = L.push_stubs()
    wall_fixture = os.path.join(FIXTURES, "pyroscope-push", "nodejs", "req-001.body")
    wall_body = open(wall_fixture, "rb").read()
    wall_want = json.load(open(os.path.join(FIXTURES, "pyroscope-push", "nodejs", "summary.json")))["req-001.body"]
    expected = []  # (want summary, sent pprof, service, labels, what), in the order the exporters write files

    with Proflow(cfg, wait_ports=[port, metrics_port]) as pf:
        # 1. byte-for-byte replay
        ingest_ok = 0
        for run in RUNS:
            sock = None
            for stem, raw, want, source in fixture_requests(run):
                status, headers, body, sock = L.raw_request(port, raw, sock)
                assert status == 200, (run, stem, status, body)
                ingest_ok += 1
                labels = {"env": "test", "region": "local", "pyroscope_spy": "nodespy"}
                expected.append((want, source, "fixture-app", labels, f"{run}/{stem}"))
            sock.close()

        # 2. Push with real clients
        for http2, transport in ((False, "connect-h1"), (True, "connect-h2")):
            body = push_request(pb, wall_body, "push-app", transport).SerializeToString()
            code, version, text = curl_connect(port, body, http2)
            assert code == 200 and text == b"", (transport, code, text)
            assert version == ("2" if http2 else "1.1"), version
            expected.append((wall_want, wall_fixture, "push-app", {"transport": transport}, transport))
        from google.protobuf import json_format
        js = json_format.MessageToJson(push_request(pb, wall_body, "push-app", "connect-json")).encode()
        code, headers, text = urllib_post(f"http://127.0.0.1:{port}{PUSH_PATH}", js,
                                          {"content-type": "application/json", "connect-protocol-version": "1"})
        assert code == 200 and json.loads(text) == {}, (code, text)
        expected.append((wall_want, wall_fixture, "push-app", {"transport": "connect-json"}, "connect-json"))
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = pb_grpc.PusherServiceStub(ch)
            # gzip-compressed raw_profile, as Pyroscope's own clients send it
            stub.Push(push_request(pb, wall_body, "push-app", "grpc"), timeout=10)
            expected.append((wall_want, wall_fixture, "push-app", {"transport": "grpc"}, "grpc"))

            # 3. errors
            malformed = pb.PushRequest()
            bad = malformed.series.add()
            bad.labels.add(name="__name__", value="wall")
            bad.samples.add(raw_profile=b"\x01\x02garbage")
            try:
                stub.Push(malformed, timeout=10)
                raise AssertionError("malformed gRPC push accepted")
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e
        errors = [
            ("/ingest?name=app.cpu&format=flamegraph", b"a;b 1", 415, "format"),
            ("/ingest?name=bad%20app%7Bx%3D%7D&from=1700000000", b"a;b 1", 400, "name"),
            ("/ingest?name=app.cpu&from=yesterday-ish", b"a;b 1", 400, "from"),
            ("/ingest?name=app&format=pprof", b"\x0a\xff\xff not a pprof", 400, "pprof"),
            ("/ingest?name=app&format=pprof", gzip.compress(bytes(2 << 20)), 413, "inflates to more than"),
            ("/ingest?name=app&format=trie", b"x", 415, "trie"),
        ]
        for target, body, want_status, word in errors:
            code, _, text = urllib_post(f"http://127.0.0.1:{port}{target}", body,
                                        {"content-type": "application/octet-stream"})
            assert code == want_status, (target, code, text)
            assert word in text.decode(), (target, text)
        # Oversize on the wire: the server answers from Content-Length, before any body byte is sent.
        head = f"POST /ingest?name=app&format=pprof HTTP/1.1\r\nhost: x\r\ncontent-length: {2 << 20}\r\n\r\n"
        code, _, _, sock = L.raw_request(port, head.encode())
        sock.close()
        assert code == 413, code
        nameless = pb.PushRequest()
        nameless.series.add().samples.add(raw_profile=wall_body)
        code, headers, text = urllib_post(f"http://127.0.0.1:{port}{PUSH_PATH}", nameless.SerializeToString(),
                                          {"content-type": "application/proto"})
        err = json.loads(text)
        assert code == 400 and err["code"] == "invalid_argument" and "__name__" in err["message"], (code, text)
        assert {k.lower(): v for k, v in headers.items()}["content-type"] == "application/json", headers
        code, _, _ = urllib_post(f"http://127.0.0.1:{port}{PUSH_PATH}", b"{}", {"content-type": "text/xml"})
        assert code == 415, code

        m = L.wait_exported(pf, metrics_port)
        assert metric(m, "proflow_receiver_requests_total", receiver="pyroscope", transport="ingest",
                      status="200") == ingest_ok
        assert metric(m, "proflow_receiver_requests_total", transport="push", status="200") == 3
        assert metric(m, "proflow_receiver_requests_total", transport="push", status="OK") == 1
        assert metric(m, "proflow_receiver_requests_total", transport="push", status="INVALID_ARGUMENT") == 1
        assert metric(m, "proflow_receiver_requests_total", transport="push", status="400") == 1
        assert metric(m, "proflow_receiver_requests_total", transport="push", status="415") == 1
        assert metric(m, "proflow_receiver_requests_total", transport="ingest", status="415") == 2
        assert metric(m, "proflow_receiver_requests_total", transport="ingest", status="400") == 3
        assert metric(m, "proflow_receiver_requests_total", transport="ingest", status="413") == 1  # after gunzip
        assert metric(m, "otelcol_receiver_refused_profile_samples", receiver="pyroscope") == 0
        # OTLP has one Profile per sample type, each with the pprof's samples.
        for exporter in L.FILE_EXPORTERS:
            assert metric(m, "otelcol_exporter_sent_profile_samples", exporter=exporter) == \
                sum(w["num_samples"] * len(w["sample_types"]) for w, *_ in expected), (exporter, m)
        pprof_dir = os.path.join(out_dir, "pprof")
        on_disk = sum(os.path.getsize(os.path.join(pprof_dir, f)) for f in os.listdir(pprof_dir))
        assert metric(m, "proflow_exporter_sent_bytes_total", exporter="file/pprof") == on_disk, (on_disk, m)

    items = L.exported(out_dir)
    assert len(items) == len(expected), (len(items), len(expected))
    for item, (want, source, service, labels, what) in zip(items, expected):
        check_item(item, want, source, service, labels, what)
    print(f"ok: {len(expected)} requests replayed or pushed, totals equal the fixtures' summaries")


if __name__ == "__main__":
    run_cases([("pyroscope receiver", main)])
