#!/usr/bin/python3
"""Regenerates the seed corpora under tests/fuzz/corpus/<target>/ from tests/fixtures and examples/.

Usage: /usr/bin/python3 tests/fuzz/make_corpus.py [BUILD_DIR]
BUILD_DIR (a normal build) provides tests/pprof_to_otlp and tests/pbjson_convert for the OTLP seeds;
without it those two corpora are left as they are. Seeds are kept small (libFuzzer mutates faster on
small inputs); the large JFR fixture is given to the fuzzer by scripts/fuzz.sh as an extra seed instead.
The OTLP seeds carry random profile ids (pprof_to_otlp), so regenerating them changes their bytes.
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")

SMALL_PPROFS = ["go/mutex", "go/threadcreate", "go/block", "go/goroutine", "node/heap", "go/heap", "node/cpu",
                "go/cpu-2"]


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fixture(rel):
    with open(os.path.join(FIX, rel), "rb") as f:
        return f.read()


# ---- protobuf wire helpers ----
def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def field_varint(num, v):
    return varint(num << 3) + varint(v & ((1 << 64) - 1))


def pprofs():
    for p in SMALL_PPROFS:
        gz = fixture("pprof/%s.pb.gz" % p)
        yield p.replace("/", "-"), gz, gzip.decompress(gz)


def push_request(series):
    out = b""
    for labels, raws in series:
        s = b"".join(field_bytes(1, field_bytes(1, k) + field_bytes(2, v)) for k, v in labels)
        s += b"".join(field_bytes(2, field_bytes(1, r) + field_bytes(2, "id-1")) for r in raws)
        out += field_bytes(1, s)
    return out


def b64(data):
    import base64
    return base64.b64encode(data).decode()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else None

    for name, gz, raw in pprofs():
        put("pprof_gz", name + ".pb.gz", gz)
        put("pprof_raw", name + ".pb", raw)

    # ---- /ingest: queries, multipart, folded, push ----
    metas = []
    for d in ["nodejs", "nodejs-cpu-auth-tenant", "nodejs-0.4.13-multipart"]:
        for seq in range(1, 10):
            p = os.path.join(FIX, "pyroscope-push", d, "req-%03d.meta.json" % seq)
            if os.path.exists(p):
                with open(p) as f:
                    metas.append((d, seq, json.load(f)))
    for d, seq, m in metas:
        q = m["url"].split("?", 1)[1] if "?" in m["url"] else ""
        put("ingest_query", "%s-%d.txt" % (d, seq), q)
    extras = ["name=app.cpu&from=now-1h&until=now&sampleRate=100&format=folded",
                  "name=my.app.alloc_space%7Bpod%3D%22a%5C%22b%22%2Cx%3Dy%7D&units=bytes&aggregationType=average",
                  "name=app%7B__name__%3Dwall%7D&from=1700000000000&until=1700000000999&spyName=ebpfspy",
                  "name=app&format=trie", "name=app.itimer&format=lines&from=-5m"]
    for i, extra in enumerate(extras):
        put("ingest_query", "extra-%d.txt" % i, extra)

    for d, seq, m in metas:
        ct = m["headers"].get("content-type", "")
        if ct.startswith("multipart/"):
            body = fixture("pyroscope-push/%s/req-%03d.body" % (d, seq))
            if len(body) < 8192:
                put("multipart", "%s-%d.bin" % (d, seq), ct.encode() + b"\r\n" + body)
    # a JFR form: jfr + labels parts (a LabelsSnapshot with one context)
    labels_pb = (field_bytes(1, field_varint(1, 7) + field_bytes(2, field_bytes(1, field_varint(1, 1) + field_varint(2, 2))))
                 + field_bytes(2, field_varint(1, 1) + field_bytes(2, "thread"))
                 + field_bytes(2, field_varint(1, 2) + field_bytes(2, "main")))
    put("jfr_labels", "one-context.pb", labels_pb)
    put("jfr_labels", "empty.pb", b"")
    put("jfr_labels", "two-contexts.pb", labels_pb + field_bytes(1, field_varint(1, 9) + field_bytes(2, b"")))
    jfr = fixture("jfr/java17-profile.jfr")
    bnd = "fuzzboundary"
    form = ("--%s\r\nContent-Disposition: form-data; name=\"jfr\"; filename=\"jfr\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n" % bnd).encode() + jfr[:2048] + \
           ("\r\n--%s\r\nContent-Disposition: form-data; name=\"labels\"; filename=\"labels\"\r\n\r\n" % bnd).encode() + \
           labels_pb + ("\r\n--%s--\r\n" % bnd).encode()
    put("multipart", "jfr-form.bin", ("multipart/form-data; boundary=%s\r\n" % bnd).encode() + form)
    gz = fixture("pprof/go/mutex.pb.gz")
    form = ("--%s\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\n\r\n" % bnd).encode() + gz + \
           ("\r\n--%s\r\nContent-Disposition: form-data; name=\"sample_type_config\"; filename=\"s.json\"\r\n\r\n" % bnd).encode() + \
           b'{"contentions":{"units":"lock_samples","display-name":"mutex_count"},"delay":{"units":"lock_nanoseconds","cumulative":true}}' + \
           ("\r\n--%s--\r\n" % bnd).encode()
    put("multipart", "pprof-sample-type-config.bin", ("multipart/form-data; boundary=\"%s\"\r\n" % bnd).encode() + form)

    put("jfr", "header-4k.jfr", jfr[:4096])

    folded = b"main;work;spin 10\nmain;idle 3\nmain;work;alloc;malloc 7\n"
    for i, sel in enumerate([0, 1, 2, 3, 4, 0x80, 5, 6]):
        put("folded", "folded-%d.txt" % i, bytes([sel]) + folded)
    put("folded", "lines.txt", bytes([3]) + b"main;work\nmain;work\nmain;idle\n")
    put("folded", "spaces.txt", bytes([0]) + b"a b;c d 5\n\n;x 1\r\nfoo;bar  2\n")

    # push.v1: proto and JSON, gzipped bodies as SDKs send them and raw ones
    bodies = [fixture("pyroscope-push/nodejs/req-%03d.body" % s) for s in (1, 2)]
    raw = [gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b for b in bodies]
    labels = [("__name__", "process_cpu"), ("service_name", "fuzz"), ("env", "test")]
    put("push_proto", "gz.pb", push_request([(labels, [bodies[0]]), ([("__name__", "memory")], [bodies[1]])]))
    put("push_proto", "raw.pb", push_request([(labels, [raw[0]])]))
    put("push_proto", "mutex.pb", push_request([(labels, [gzip.decompress(fixture("pprof/go/mutex.pb.gz"))])]))
    put("push_proto", "noname.pb", push_request([([("service_name", "x")], [b""])]))
    for name, r in [("gz", bodies[0]), ("mutex", gzip.decompress(fixture("pprof/go/mutex.pb.gz")))]:
        put("push_json", name + ".json", json.dumps({"series": [{"labels": [{"name": k, "value": v} for k, v in labels],
                                                                 "samples": [{"rawProfile": b64(r), "ID": "x"}]}]}))
    put("push_json", "empty.json", '{"series":[]}')

    # ---- gRPC framing and compression ----
    msg = gzip.decompress(fixture("pprof/go/mutex.pb.gz"))
    frame = lambda flag, m: bytes([flag]) + struct.pack(">I", len(m)) + m
    put("grpc_frame", "identity", bytes([1]) + frame(0, msg))
    put("grpc_frame", "gzip", bytes([2]) + frame(1, gzip.compress(msg, mtime=0)))
    put("grpc_frame", "deflate", bytes([3]) + frame(1, zlib.compress(msg)))
    put("grpc_frame", "two-frames", bytes([1]) + frame(0, b"ab") + frame(0, b"c"))
    put("grpc_frame", "timeout", bytes([0]) + b"100m")
    put("compress", "gzip", bytes([0]) + gzip.compress(msg, mtime=0))
    put("compress", "deflate", bytes([1]) + zlib.compress(msg))
    put("compress", "gzip-small-limit", bytes([0x80]) + gzip.compress(b"x" * 1000, mtime=0))
    try:
        zs = subprocess.run(["zstd", "-c", "-q"], input=msg, capture_output=True, check=True).stdout
        put("compress", "zstd", bytes([2]) + zs)
        put("grpc_frame", "zstd", bytes([4]) + frame(1, zs))
    except (OSError, subprocess.CalledProcessError):
        pass

    # ---- what OTLP backends answer ----
    partial = field_bytes(1, field_varint(1, 2) + field_bytes(2, "2 profiles had no samples"))
    put("otlp_reply", "partial.pb", b"\x00" + partial)
    put("otlp_reply", "empty.pb", b"\x00")
    put("otlp_reply", "partial.json", b"\x01" + json.dumps(
        {"partialSuccess": {"rejectedProfiles": "2", "errorMessage": "bad \u00e9 stack"}}).encode())
    put("otlp_reply", "empty.json", b"\x01{}")

    # ---- config, file_sd, relabel, sampling API ----
    for ex in ["gateway", "scraper", "sidecar"]:
        with open(os.path.join(ROOT, "examples", ex + ".yaml"), "rb") as f:
            put("config_yaml", ex + ".yaml", f.read())
    put("config_yaml", "expand.yaml", "#set receivers.otlp.protocols.http.endpoint=127.0.0.1:0\n"
        "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: ${env:FUZZ_ENDPOINT}\n"
        "        auth: {bearer_token: \"${FUZZ_TOKEN}\"}\n"
        "processors:\n  batch: {timeout: 1s, send_batch_size: 10}\n"
        "exporters:\n  debug: {verbosity: detailed}\n  file: {path: \"$${x}/out\"}\n"
        "service:\n  telemetry: {metrics: {address: \"${env:NOPE:-localhost:0}\"}}\n"
        "  pipelines:\n    profiles: {receivers: [otlp], processors: [batch], exporters: [debug]}\n")
    put("file_sd", "targets.json", b"\x01" + json.dumps([{"targets": ["127.0.0.1:6060", "localhost:1"],
                                                          "labels": {"job": "go", "env": "prod"}}]).encode())
    put("file_sd", "targets.yaml", b"\x00- targets: ['127.0.0.1:6060']\n  labels: {job: go, __scheme__: https}\n- targets: []\n")
    put("relabel", "hashmod", "- {source_labels: [__address__], modulus: 4, target_label: __tmp_hash, action: hashmod}\n"
        "- {source_labels: [__tmp_hash], regex: '^1$', action: keep}\n---\n__address__=127.0.0.1:6060\njob=go\n")
    put("relabel", "replace", "- source_labels: [job, instance]\n  separator: '/'\n  regex: '(.+)/(.+):(\\d+)'\n"
        "  target_label: svc\n  replacement: '${1}-$2_$3'\n- {action: labelmap, regex: '__meta_(.+)'}\n"
        "- {action: lowercase, source_labels: [svc], target_label: svc_lc}\n"
        "- {action: labeldrop, regex: '__meta_.*'}\n---\njob=api\ninstance=host:80\n__meta_zone=eu\n")
    put("relabel", "keepequal", "- {source_labels: [a], target_label: b, action: keepequal}\n"
        "- {source_labels: [c], regex: 'x|y', action: drop}\n- {action: uppercase, source_labels: [a], target_label: A}\n---\na=1\nb=1\nc=z\n")
    api = "/api/v1/sampling"
    put("sampling_api", "add", "POST %s/overrides\n" % api + json.dumps(
        {"match": {"service_name": "checkout"}, "probability": 0.5, "max_profiles_per_minute": 10,
         "max_bytes_per_second": "1KiB", "duration": "10m"}))
    put("sampling_api", "add-processor", "POST %s/overrides?processor=sampling\n{\"match\":{\"a\":\"b\"}}" % api)
    put("sampling_api", "list", "GET %s/overrides?processor=sampling\n" % api)
    put("sampling_api", "delete", "DELETE %s/overrides/1\n" % api)
    put("sampling_api", "alertmanager", "POST %s/alertmanager?processor=sampling\n" % api + json.dumps(
        {"version": "4", "status": "firing", "receiver": "proflow", "groupKey": "{}:{}",
         "alerts": [{"status": "firing", "labels": {"service": "a", "alertname": "HighCPU"}, "fingerprint": "f1",
                     "startsAt": "2026-01-01T00:00:00Z"},
                    {"status": "resolved", "labels": {"service": "b"}}]}))

    # ---- HTTP/1.1 and HTTP/2 ----
    h1 = [b"POST /v1development/profiles?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-protobuf\r\n"
          b"Content-Length: 5\r\n\r\nhello",
          b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
          b"POST /defer HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
          b"POST /v1development/profiles HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
          b"DELETE /api/v1/sampling/overrides/1 HTTP/1.0\r\nAuthorization: Bearer fuzz-token\r\n\r\n",
          b"POST /nope HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
          b"GET /v1development/profiles HTTP/1.1\r\n" + b"X-A: b\r\n" * 40 + b"\r\n"]
    for i, r in enumerate(h1):
        put("http1", "req-%d" % i, bytes([0 if i % 2 else 1 + 2 * 3]) + r)

    def frame2(typ, flags, sid, payload):
        return struct.pack(">I", len(payload))[1:] + bytes([typ, flags]) + struct.pack(">I", sid) + payload

    def hpack(headers):
        out = b""
        for k, v in headers:
            k, v = k.encode(), v.encode()
            out += b"\x00" + bytes([len(k)]) + k + bytes([len(v)]) + v
        return out

    settings = frame2(4, 0, 0, struct.pack(">HI", 3, 100) + struct.pack(">HI", 4, 65535))
    ack = frame2(4, 1, 0, b"")
    grpc_path = "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"
    req_headers = lambda path, ct: hpack([(":method", "POST"), (":scheme", "http"), (":path", path),
                                          (":authority", "a"), ("content-type", ct), ("te", "trailers"),
                                          ("grpc-timeout", "1S"), ("authorization", "Bearer fuzz-token")])
    g = bytes([0]) + struct.pack(">I", 3) + b"abc"
    h2 = [settings + ack + frame2(1, 4, 1, req_headers(grpc_path, "application/grpc")) + frame2(0, 1, 1, g),
          settings + frame2(1, 5, 1, hpack([(":method", "GET"), (":scheme", "http"), (":path", "/metrics?a=b"),
                                            (":authority", "a")])),
          settings + frame2(1, 4, 1, req_headers("/push.v1.PusherService/Push", "application/grpc+proto"))
          + frame2(0, 0, 1, g) + frame2(3, 0, 1, struct.pack(">I", 8))
          + frame2(1, 4, 3, req_headers("/defer", "application/json")) + frame2(0, 1, 3, b"{}"),
          settings + frame2(6, 0, 0, b"12345678") + frame2(8, 0, 0, struct.pack(">I", 1000))
          + frame2(7, 0, 0, struct.pack(">II", 0, 0))]
    for i, r in enumerate(h2):
        put("http2", "conn-%d" % i, bytes([1 if i % 2 == 0 else 0]) + r)

    if build:
        tools = os.path.join(build, "tests")
        for name, gz, _ in pprofs():
            tmp_in = os.path.join(OUT, ".tmp.pb.gz")
            with open(tmp_in, "wb") as f:
                f.write(gz)
            dst = os.path.join(OUT, "otlp_proto", name + ".binpb")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            subprocess.run([os.path.join(tools, "pprof_to_otlp"), dst, tmp_in], check=True, capture_output=True)
            os.unlink(tmp_in)
            with open(dst, "rb") as f:
                pb = f.read()
            js = subprocess.run([os.path.join(tools, "pbjson_convert"), "--proto-to-json"], input=pb,
                                capture_output=True, check=True).stdout
            if len(js) < 64 * 1024:
                put("otlp_json", name + ".json", js)
        sample = subprocess.run([os.path.join(tools, "pbjson_convert"), "--sample-proto"], capture_output=True,
                                check=True).stdout
        put("otlp_proto", "sample.binpb", sample)
        js = subprocess.run([os.path.join(tools, "pbjson_convert"), "--proto-to-json"], input=sample,
                            capture_output=True, check=True).stdout
        put("otlp_json", "sample.json", js)


if __name__ == "__main__":
    main()
