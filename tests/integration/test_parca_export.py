"""test_parca_export.py — the parca exporter end to end: real Go profiles (tests/fixtures/pprof/go) go
into proflow's otlp receiver, and a grpcio Parca backend (servers/profile_backends.py, Python protobuf
+ `go tool pprof -raw`) records what WriteRaw delivers.

Checked: one series per label set with __name__ and no other reserved label, totals per sample type
equal the fixtures', gzipped pprofs with ids 1..n, bearer token and configured headers as metadata;
UNAVAILABLE / RESOURCE_EXHAUSTED, a slow server (DEADLINE_EXCEEDED) and a refused connection (server
started late) are retried until everything arrives once, INVALID_ARGUMENT is dropped and counted."""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "servers"))
from harness import Proflow, free_port, metric, run_cases  # noqa: E402
from otlp_feed import build_request, config, expected_sums, fixture_samples, post  # noqa: E402
from profile_backends import ParcaServer  # noqa: E402

RETRY = "retry_on_failure: {initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}"


def m_(m, name):
    return metric(m, name, exporter="parca")


def run(server_port, extra, feed, until, start_server_after_retries=False, script=()):
    """Runs proflow (otlp → parca), feeds it, waits until `until(metrics)`; returns (metrics, record)."""
    rport, mport = free_port(), free_port()
    exporter = f"parca:\n    endpoint: 127.0.0.1:{server_port}\n    insecure: true\n    {RETRY}\n{extra}"
    server = None if start_server_after_retries else ParcaServer(server_port, script)
    try:
        with Proflow(config(rport, mport, exporter), wait_ports=[rport, mport]) as pf:
            for body in feed:
                post(rport, body)
            if start_server_after_retries:
                pf.wait_metrics(mport, lambda m: m_(m, "proflow_exporter_retries_total") >= 2)
                server = ParcaServer(server_port, script)
            m = pf.wait_metrics(mport, until)
            logs = pf.logs()
        rec = server.dump(os.path.join(tempfile.mkdtemp(prefix="parca-backend-"), "record.json"))
    finally:
        if server:
            server.stop()
    return m, rec, logs



def assert_profile(profile, fixture):
    assert profile["pprof_ok"], f"go tool pprof -raw rejected the {fixture} pprof"
    assert profile["gzipped"] and profile["ids_sequential"], profile
    assert profile["sums"] == expected_sums(fixture), f"{fixture}: {profile['sums']} != {expected_sums(fixture)}"


def sent_all(n):
    return lambda m: m_(m, "otelcol_exporter_sent_profile_samples") == n


def case_labels_totals_metadata():
    port = free_port()
    body = build_request([("cpu.pb.gz", {"service.name": "checkout", "k8s.namespace.name": "shop"}),
                          ("heap.pb.gz", {"service.name": "checkout"}),
                          ("mutex.pb.gz", {"service.name": "db"})])
    total = sum(fixture_samples(f) for f in ("cpu.pb.gz", "heap.pb.gz", "mutex.pb.gz"))
    m, rec, _ = run(port, "    bearer_token: tok123\n    headers: {x-team: prof}\n    external_labels: {env: test}\n",
                    [body], sent_all(total))
    assert m_(m, "otelcol_exporter_send_failed_profile_samples") == 0, m
    series = {s["labels"]["__name__"]: s for s in rec["series"]}
    assert sorted(series) == ["memory", "mutex", "process_cpu"], rec["series"]
    assert series["process_cpu"]["labels"] == {"__name__": "process_cpu", "service_name": "checkout",
                                               "k8s_namespace_name": "shop", "env": "test"}
    assert series["memory"]["labels"] == {"__name__": "memory", "service_name": "checkout", "env": "test"}
    assert series["mutex"]["labels"]["service_name"] == "db"
    for name, fixture in (("process_cpu", "cpu.pb.gz"), ("memory", "heap.pb.gz"), ("mutex", "mutex.pb.gz")):
        assert len(series[name]["profiles"]) == 1
        assert_profile(series[name]["profiles"][0], fixture)
        assert series[name]["normalized"] is False
    assert rec["requests"] == 1, rec
    h = rec["headers"][0]
    assert h["authorization"] == "Bearer tok123" and h["x-team"] == "prof", h


def case_retried(script, extra=""):
    port = free_port()
    m, rec, _ = run(port, extra, [build_request([("cpu.pb.gz", {"service.name": "checkout"})])],
                    sent_all(fixture_samples("cpu.pb.gz")), script=script)
    assert m_(m, "otelcol_exporter_send_failed_profile_samples") == 0, m
    assert m_(m, "proflow_exporter_retries_total") == len(script), (m, rec["requests"])
    assert rec["requests"] == len(script) + 1 and len(rec["series"]) == 1, rec
    assert_profile(rec["series"][0]["profiles"][0], "cpu.pb.gz")


def case_invalid_is_permanent():
    port = free_port()
    n = fixture_samples("cpu.pb.gz")
    m, rec, logs = run(port, "", [build_request([("cpu.pb.gz", {"service.name": "checkout"})])],
                       lambda m: m_(m, "otelcol_exporter_send_failed_profile_samples") == n, script=["invalid"])
    assert m_(m, "otelcol_exporter_sent_profile_samples") == 0, m
    assert rec["requests"] == 1 and rec["series"] == [], rec
    assert "INVALID_ARGUMENT" in logs, logs


def case_refused_then_up():
    port = free_port()
    m, rec, _ = run(port, "", [build_request([("goroutine.pb.gz", {"service.name": "api"})])],
                    sent_all(fixture_samples("goroutine.pb.gz")), start_server_after_retries=True)
    assert m_(m, "otelcol_exporter_send_failed_profile_samples") == 0, m
    assert len(rec["series"]) == 1, rec
    assert_profile(rec["series"][0]["profiles"][0], "goroutine.pb.gz")


def all_cases():
    cases = [
        ("labels, totals, metadata", case_labels_totals_metadata),
        ("UNAVAILABLE and RESOURCE_EXHAUSTED retried", lambda: case_retried(["unavailable", "exhausted"])),
        ("slow server: DEADLINE_EXCEEDED retried", lambda: case_retried(["slow:3"], "    timeout: 1s\n")),
        ("INVALID_ARGUMENT is permanent", case_invalid_is_permanent),
        ("connection refused until the server starts", case_refused_then_up),
    ]
    return cases


if __name__ == "__main__":
    run_cases(all_cases())
