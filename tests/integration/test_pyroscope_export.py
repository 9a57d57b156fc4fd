"""test_pyroscope_export.py — the pyroscope exporter end to end: real Go profiles (tests/fixtures/pprof/go)
go into proflow's otlp receiver, and a Python Pyroscope backend (servers/profile_backends.py, Python
protobuf + `go tool pprof -raw`) records what arrives.

Checked: series labels (__name__, service_name, sanitized resource attributes, external labels,
__delta__), per-sample-type totals equal the fixtures', valid gzipped pprofs with ids 1..n, UUID
sample IDs, tenant / basic-auth / Connect headers, tenant_from_metadata; the legacy /ingest mode
(multipart file parts, name/from/until/spyName, sample_type_config); and the fault cases, in both
the Push and the ingest protocol: 429 with Retry-After, 500, a slow server (timeout), a refused
connection (server started late) are retried until everything arrives exactly once, a 400 (Push) is
dropped and counted — all checked on the backend's final record and on proflow's /metrics. In ingest
mode, where a batch is one upload per pprof, an upload the backend accepted is never sent again while
another upload of its batch is retried (500 once), refused (400), runs out of retries or is still
retrying at shutdown (under ASan the clean exit also shows the batch's progress was freed)."""
import base64
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "servers"))
from harness import Proflow, free_port, metric, run_cli, run_cases  # noqa: E402
from otlp_feed import build_request, config, expected_sums, fixture_samples, post  # noqa: E402
from profile_backends import PyroscopeServer  # noqa: E402

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
CPU_ATTRS = {"service.name": "checkout", "k8s.pod.name": "pod-1"}
HEAP_ATTRS = {"service.name": "checkout"}
RETRY = "retry_on_failure: {initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}"
INGEST = "    protocol: ingest\n"
CPU_INGEST_NAME = "checkout{k8s_pod_name=pod-1}"


def exporter_yaml(port, extra="", retry=RETRY):
    return f"pyroscope:\n    endpoint: http://127.0.0.1:{port}\n    {retry}\n{extra}"


def start(server_port, extra="", retry=RETRY, shutdown_timeout=None):
    """proflow with otlp (HTTP) → pyroscope; returns (proflow, receiver port, metrics port)."""
    rport, mport = free_port(), free_port()
    text = config(rport, mport, exporter_yaml(server_port, extra, retry))
    if shutdown_timeout:
        text = text.replace("service:\n", f"service:\n  shutdown_timeout: {shutdown_timeout}\n", 1)
    pf = Proflow(text, wait_ports=[rport, mport])
    return pf, rport, mport



def delivered(rec, extra):
    """The backend's analyses of every profile it accepted, whichever protocol `extra` configures."""
    if INGEST in extra:
        return [u["profile"] for u in rec["uploads"]]
    return [p for s in rec["series"] for p in s["profiles"]]


def assert_delivered_once(m, rec, extra):
    """One cpu.pb.gz arrived, once, in the last request; proflow counts it and that request's body as
    sent, nothing failed or waits; every attempt went to the same URL."""
    profiles = delivered(rec, extra)
    assert len(profiles) == 1, rec
    assert_profile(profiles[0], "cpu.pb.gz")
    assert sent(m) == fixture_samples("cpu.pb.gz") and failed(m) == 0, m
    assert metric(m, "otelcol_exporter_enqueue_failed_profile_samples", exporter="pyroscope") == 0, m
    assert metric(m, "otelcol_exporter_queue_size", exporter="pyroscope") == 0, m
    body_bytes = int(rec["headers"][-1]["content-length"])
    assert metric(m, "proflow_exporter_sent_bytes_total", exporter="pyroscope") == body_bytes, (body_bytes, m)
    if INGEST in extra:
        assert rec["uploads"][0]["query"]["name"] == CPU_INGEST_NAME, rec["uploads"]
        assert rec["paths"][0].startswith("/ingest?"), rec["paths"]
    else:
        assert rec["paths"][0] == "/push.v1.PusherService/Push", rec["paths"]
    assert rec["paths"] == rec["paths"][:1] * rec["requests"], rec["paths"]


def sent(m):
    return metric(m, "otelcol_exporter_sent_profile_samples", exporter="pyroscope")


def failed(m):
    return metric(m, "otelcol_exporter_send_failed_profile_samples", exporter="pyroscope")


def retries(m):
    return metric(m, "proflow_exporter_retries_total", exporter="pyroscope")


def by_name(record):
    return {s["labels"]["__name__"]: s for s in record["series"]}


def assert_profile(profile, fixture):
    assert profile["pprof_ok"], f"go tool pprof -raw rejected the {fixture} pprof"
    assert profile["gzipped"] and profile["ids_sequential"], profile
    assert profile["sums"] == expected_sums(fixture), f"{fixture}: {profile['sums']} != {expected_sums(fixture)}"


def dumped(server, name):
    return server.dump(os.path.join(tempfile.mkdtemp(prefix="pyroscope-backend-"), name + ".json"))


def case_push_labels_totals_headers():
    port = free_port()
    server = PyroscopeServer(port)
    extra = ("    tenant_id: acme\n    basic_auth: {username: alice, password: s3cret}\n"
             "    external_labels: {cluster: eu1}\n")
    try:
        pf, rport, mport = start(port, extra)
        with pf:
            post(rport, build_request([("cpu.pb.gz", CPU_ATTRS), ("heap.pb.gz", HEAP_ATTRS)]))
            total = fixture_samples("cpu.pb.gz") + fixture_samples("heap.pb.gz")
            m = pf.wait_metrics(mport, lambda m: sent(m) == total)
            assert failed(m) == 0
        rec = dumped(server, "push")
    finally:
        server.stop()
    series = by_name(rec)
    assert sorted(series) == ["memory", "process_cpu"], rec["series"]
    assert series["process_cpu"]["labels"] == {"__name__": "process_cpu", "service_name": "checkout",
                                               "k8s_pod_name": "pod-1", "cluster": "eu1", "__delta__": "false"}
    assert series["memory"]["labels"] == {"__name__": "memory", "service_name": "checkout", "cluster": "eu1",
                                          "__delta__": "false"}
    assert_profile(series["process_cpu"]["profiles"][0], "cpu.pb.gz")
    assert_profile(series["memory"]["profiles"][0], "heap.pb.gz")
    for s in rec["series"]:
        assert len(s["profiles"]) == 1 and all(UUID.match(i) for i in s["ids"]), s["ids"]
    assert rec["requests"] == 1, rec["requests"]
    h = rec["headers"][0]
    assert h["x-scope-orgid"] == "acme", h
    assert h["authorization"] == "Basic " + base64.b64encode(b"alice:s3cret").decode(), h
    assert h["content-type"] == "application/proto" and h["connect-protocol-version"] == "1", h


def case_tenant_from_metadata():
    port = free_port()
    server = PyroscopeServer(port)
    try:
        pf, rport, mport = start(port, "    tenant_id: fallback\n    tenant_from_metadata: true\n")
        with pf:
            post(rport, build_request([("goroutine.pb.gz", {"service.name": "api"})]), {"X-Scope-OrgID": "team-a"})
            post(rport, build_request([("goroutine.pb.gz", {"service.name": "api"})]))
            pf.wait_metrics(mport, lambda m: sent(m) == 2 * fixture_samples("goroutine.pb.gz"))
        rec = dumped(server, "tenant")
    finally:
        server.stop()
    assert sorted(h["x-scope-orgid"] for h in rec["headers"]) == ["fallback", "team-a"], rec["headers"]
    for s in rec["series"]:
        assert_profile(s["profiles"][0], "goroutine.pb.gz")


def case_faults_retried(script, extra=""):
    """Each scripted fault costs one attempt, then the batch of one cpu.pb.gz is delivered."""
    port = free_port()
    server = PyroscopeServer(port, script)
    try:
        pf, rport, mport = start(port, extra)
        with pf:
            post(rport, build_request([("cpu.pb.gz", CPU_ATTRS)]))
            m = pf.wait_metrics(mport, lambda m: sent(m) == fixture_samples("cpu.pb.gz"))
        # A slow answer ends after proflow gave up on it and was answered by the retry.
        slow = sum(a.startswith("slow") for a in script)
        assert server.wait(lambda r: r["slow"] == slow), server.snapshot()
        rec = dumped(server, "faults")
        assert retries(m) == len(script), (rec["requests"], rec["headers"], m)
    finally:
        server.stop()
    assert rec["requests"] == len(script) + 1, rec["requests"]
    assert rec["refused"] == len(script) - slow, rec
    assert_delivered_once(m, rec, extra)


def case_permanent_400():
    port = free_port()
    server = PyroscopeServer(port, ["400"])
    try:
        pf, rport, mport = start(port)
        with pf:
            post(rport, build_request([("cpu.pb.gz", CPU_ATTRS)]))
            m = pf.wait_metrics(mport, lambda m: failed(m) == fixture_samples("cpu.pb.gz"))
            assert sent(m) == 0, m
            assert "bad labels" in pf.logs(), pf.logs()
        rec = dumped(server, "permanent")
    finally:
        server.stop()
    assert rec["requests"] == 1 and rec["series"] == [], rec


def case_connection_refused_then_up(extra=""):
    port = free_port()
    pf, rport, mport = start(port, extra)
    with pf:
        post(rport, build_request([("cpu.pb.gz", CPU_ATTRS)]))
        # The backend comes up only after proflow has retried against the closed port.
        pf.wait_metrics(mport, lambda m: retries(m) >= 2)
        server = PyroscopeServer(port)
        try:
            m = pf.wait_metrics(mport, lambda m: sent(m) == fixture_samples("cpu.pb.gz"))
            rec = dumped(server, "refused")
        finally:
            server.stop()
    # Every attempt before the server was up failed to connect, so it saw exactly one request.
    assert rec["requests"] == 1, rec
    assert_delivered_once(m, rec, extra)


def case_ingest():
    port = free_port()
    server = PyroscopeServer(port)
    try:
        pf, rport, mport = start(port, INGEST + "    external_labels: {cluster: eu1}\n")
        with pf:
            post(rport, build_request([("cpu.pb.gz", CPU_ATTRS), ("heap.pb.gz", HEAP_ATTRS)]))
            total = fixture_samples("cpu.pb.gz") + fixture_samples("heap.pb.gz")
            pf.wait_metrics(mport, lambda m: sent(m) == total)
        rec = dumped(server, "ingest")
    finally:
        server.stop()
    uploads = {u["query"]["name"]: u for u in rec["uploads"]}
    assert set(uploads) == {"checkout{cluster=eu1}", "checkout{cluster=eu1,k8s_pod_name=pod-1}"}, sorted(uploads)
    cpu, heap = uploads["checkout{cluster=eu1,k8s_pod_name=pod-1}"], uploads["checkout{cluster=eu1}"]
    for u, fixture in ((cpu, "cpu.pb.gz"), (heap, "heap.pb.gz")):
        assert u["parts"] == {"profile": "profile", "sample_type_config": "sample_type_config"}, u["parts"]
        assert u["query"]["spyName"] == "proflow" and "format" not in u["query"], u["query"]
        assert int(u["query"]["from"]) <= int(u["query"]["until"]), u["query"]
        assert_profile(u["profile"], fixture)
        assert sorted(u["sample_type_config"]) == sorted(t.split("/")[0] for t in expected_sums(fixture))
    assert cpu["sample_type_config"]["cpu"]["sampled"] is True
    assert heap["sample_type_config"]["inuse_space"] == {"units": "bytes", "aggregation": "average",
                                                         "display-name": "inuse_space"}
    assert all(h["content-type"].startswith("multipart/form-data; boundary=") for h in rec["headers"])


INGEST_FIXTURES = {CPU_INGEST_NAME: "cpu.pb.gz", "checkout{}": "heap.pb.gz"}


def case_ingest_one_upload_fails(script, retry=RETRY, stop_while_retrying=False):
    """A cpu+heap batch in ingest mode is two uploads. The server accepts the first to arrive (cpu or
    heap) and answers the other as `script` says; whatever becomes of that one, the accepted upload
    is never sent again. The server records each request's headers in the order it took its actions,
    so headers[1] is the failing upload and every later request must be that same upload again (same
    Content-Length: same pprof, same-length boundary). Returns (metrics, record, Content-Lengths)."""
    port = free_port()
    server = PyroscopeServer(port, ["ok"] + script)
    total = fixture_samples("cpu.pb.gz") + fixture_samples("heap.pb.gz")
    try:
        pf, rport, mport = start(port, INGEST, retry, "1s" if stop_while_retrying else None)
        with pf:
            post(rport, build_request([("cpu.pb.gz", CPU_ATTRS), ("heap.pb.gz", HEAP_ATTRS)]))
            if stop_while_retrying:
                m = pf.wait_metrics(mport, lambda m: retries(m) >= 2)
            else:
                m = pf.wait_metrics(mport, lambda m: sent(m) + failed(m) == total)
        # proflow exited 0 (under ASan: nothing leaked, the batch's upload progress included).
        rec = dumped(server, "ingest-one-fails")
    finally:
        server.stop()
    lengths = [int(h["content-length"]) for h in rec["headers"]]
    assert len(lengths) >= 2 and lengths[0] != lengths[1], lengths
    assert lengths[1:] == lengths[1:2] * (len(lengths) - 1), ("an accepted upload was sent again", lengths)
    names = [u["query"]["name"] for u in rec["uploads"]]
    assert len(names) == len(set(names)) and set(names) <= set(INGEST_FIXTURES), names
    for u in rec["uploads"]:
        assert_profile(u["profile"], INGEST_FIXTURES[u["query"]["name"]])
    return m, rec, lengths


def case_ingest_one_upload_retried():
    """The second upload answered 500 once: only it is resent, and each arrives exactly once."""
    m, rec, lengths = case_ingest_one_upload_fails(["500"])
    assert sorted(u["query"]["name"] for u in rec["uploads"]) == sorted(INGEST_FIXTURES), rec["uploads"]
    assert rec["requests"] == 3 and rec["refused"] == 1, rec
    total = fixture_samples("cpu.pb.gz") + fixture_samples("heap.pb.gz")
    assert sent(m) == total and failed(m) == 0 and retries(m) == 1, m
    # Both accepted requests count as sent bytes, though they were sent by different attempts.
    assert metric(m, "proflow_exporter_sent_bytes_total", exporter="pyroscope") == lengths[0] + lengths[2], (lengths, m)


def case_ingest_one_upload_dropped(script, retry=RETRY, stop_while_retrying=False):
    """The second upload never gets through (refused for good, out of retries, or still retrying at
    shutdown): the batch is dropped and counted, and the first upload arrived exactly once."""
    m, rec, _ = case_ingest_one_upload_fails(script, retry, stop_while_retrying)
    assert len(rec["uploads"]) == 1, rec["uploads"]
    if not stop_while_retrying:
        total = fixture_samples("cpu.pb.gz") + fixture_samples("heap.pb.gz")
        assert failed(m) == total and sent(m) == 0, m


def case_config_errors():
    bad = {
        "    tenant_id: x\n": "endpoint is required",
        "    endpoint: localhost:4040\n": "must be an http:// or https:// URL",
        "    endpoint: http://x:4040\n    bearer_token: t\n    basic_auth: {username: u}\n": "cannot both be set",
        "    endpoint: http://x:4040\n    external_labels: {\"bad-name\": v}\n": "\"bad-name\" is not a valid label name",
        "    endpoint: http://x:4040\n    protocol: grpc\n": "protocol",
    }
    for exporter, message in bad.items():
        path = os.path.join(tempfile.mkdtemp(prefix="pyroscope-config-"), "config.yaml")
        with open(path, "w") as f:
            f.write(config(free_port(), free_port(), "pyroscope:\n" + exporter))
        r = run_cli("validate", "--config", path)
        assert r.returncode == 1 and message in r.stderr, (exporter, r.returncode, r.stderr)


def all_cases():
    cases = [
        ("config errors", case_config_errors),
        ("push: labels, totals, headers", case_push_labels_totals_headers),
        ("push: tenant_from_metadata", case_tenant_from_metadata),
        ("push: 429 Retry-After and 500 retried", lambda: case_faults_retried(["429:1", "500"])),
        ("push: slow server times out, retried", lambda: case_faults_retried(["slow:3"], "    timeout: 1s\n")),
        ("push: 400 is permanent", case_permanent_400),
        ("push: connection refused until the server starts", case_connection_refused_then_up),
        ("ingest: multipart upload", case_ingest),
        ("ingest: 429 Retry-After and 500 retried", lambda: case_faults_retried(["429:1", "500"], INGEST)),
        ("ingest: slow server times out, retried",
         lambda: case_faults_retried(["slow:3"], INGEST + "    timeout: 1s\n")),
        ("ingest: connection refused until the server starts", lambda: case_connection_refused_then_up(INGEST)),
        ("ingest: one upload of a batch answered 500 is resent alone", case_ingest_one_upload_retried),
        ("ingest: one upload of a batch refused with 400", lambda: case_ingest_one_upload_dropped(["400"])),
        ("ingest: one upload of a batch out of retries (max_elapsed_time)",
         lambda: case_ingest_one_upload_dropped(["500"] * 100, RETRY.replace("max_elapsed_time: 0", "max_elapsed_time: 1s"))),
        ("ingest: one upload of a batch still retrying at shutdown",
         lambda: case_ingest_one_upload_dropped(["500"] * 100, stop_while_retrying=True)),
    ]
    return cases


if __name__ == "__main__":
    run_cases(all_cases())
