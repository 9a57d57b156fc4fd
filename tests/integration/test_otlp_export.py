"""test_otlp_export.py — the otlphttp and otlp (gRPC) exporters against real backends: Python's
http.server and a grpcio servicer (tests/integration/lib/otlp_export_peers.py), which decode every
request with Python protobuf. The exporter runs alone in tests/otlp_export_tool (no receiver needed);
each case checks what the backend received (every batch exactly once, nothing lost) and the exporter's
metrics: retryable answers are retried (Retry-After honoured), permanent ones dropped and counted,
RESOURCE_EXHAUSTED is retried only with a google.rpc.RetryInfo (whose delay is used), a full queue
refuses (counted in requests or in samples), a backend that is down for a while (PROFLOW_TEST_OUTAGE_S, 4 s by default) gets everything once it
is back, and the shutdown deadline drops (and counts) what could not be delivered."""
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import free_port, metric, parse_metrics, run_cases  # noqa: E402
from otlp_export_peers import GrpcPeer, HttpPeer, batch_indices  # noqa: E402

BUILD_DIR = os.environ.get("PROFLOW_BUILD_DIR", "build")
TOOL = os.environ.get("OTLP_EXPORT_TOOL", os.path.join(BUILD_DIR, "tests", "otlp_export_tool"))
# How long the backend stays down in case_backend_down. The exporter retries from its first backoff
# (100 ms here, growing to 1 s) on, so a few seconds already makes every batch retry through an outage;
# set 20 or more to soak it.
OUTAGE_S = float(os.environ.get("PROFLOW_TEST_OUTAGE_S", "4"))
SAMPLES = 3


def run_exporter(kind, port, extra_yaml="", batches=5, deadline_ms=60000, debug_log=False):
    """Runs the exporter until its shutdown completes; returns (refused batches, metrics, stderr)."""
    if kind == "otlphttp":
        endpoint = f"endpoint: http://127.0.0.1:{port}"
    else:
        endpoint = f"endpoint: 127.0.0.1:{port}\n    tls: {{insecure: true}}"
    config = (f"exporters:\n  {kind}:\n    {endpoint}\n    headers: {{x-scope-orgid: acme}}\n"
              f"    retry_on_failure: {{initial_interval: 100ms, max_interval: 1s}}\n{extra_yaml}")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(config)
    env = dict(os.environ, OTLP_EXPORT_TOOL_DEBUG="1") if debug_log else None
    proc = subprocess.run([TOOL, kind, f.name, str(batches), str(SAMPLES), str(deadline_ms)],
                          capture_output=True, text=True, timeout=240, env=env)
    os.unlink(f.name)
    assert proc.returncode == 0, f"otlp_export_tool exited {proc.returncode}:\n{proc.stderr}"
    first, _, rest = proc.stdout.partition("\n")
    assert first.startswith("refused="), proc.stdout
    return int(first.split("=")[1]), parse_metrics(rest), proc.stderr


def m(metrics, name, kind):
    return metric(metrics, name, exporter=kind)


def assert_delivered_once(peer, expected):
    got = peer.delivered_indices()
    assert got == sorted(expected), f"backend received batches {got}, expected {sorted(expected)} once each"


def case_retry_permanent_partial(kind, peer_cls):
    port = free_port()
    # Request 1 is refused with 503 + Retry-After / UNAVAILABLE, request 2 is invalid (permanent),
    # request 3 is a partial success with 2 rejected profiles; everything else is accepted.
    script = ["unavailable:1" if kind == "otlphttp" else "unavailable", "bad", "partial:2"]
    peer = peer_cls(port, script)
    try:
        refused, metrics, logs = run_exporter(kind, port, "    sending_queue: {num_consumers: 1}\n")
    finally:
        peer.stop()
    assert refused == 0
    # With one consumer the order is fixed: batch 0 is refused, its retry is invalid (dropped for
    # good), batch 1 is the partial success.
    assert_delivered_once(peer, [1, 2, 3, 4])
    assert peer.refused == 2
    assert m(metrics, "otelcol_exporter_sent_profile_samples", kind) == 4 * SAMPLES
    assert m(metrics, "otelcol_exporter_send_failed_profile_samples", kind) == SAMPLES
    assert m(metrics, "proflow_exporter_retries_total", kind) == 1
    assert m(metrics, "proflow_exporter_partial_success_rejected_profiles_total", kind) == 2
    assert m(metrics, "proflow_exporter_sent_bytes_total", kind) > 0
    assert m(metrics, "otelcol_exporter_queue_size", kind) == 0
    assert "invalid profile: bad stack_index" in logs, logs
    assert all(h.get("x-scope-orgid") == "acme" for h in peer.headers), peer.headers


def case_grpc_resource_exhausted():
    """RESOURCE_EXHAUSTED with a RetryInfo of 1.5 s is retried after 2 s (the delay in whole seconds,
    well above the 100 ms backoff); without RetryInfo it is permanent, as in the Collector."""
    port = free_port()
    peer = GrpcPeer(port, ["exhausted:1.5", "ok", "exhausted"])
    try:
        refused, metrics, logs = run_exporter("otlp", port, "    sending_queue: {num_consumers: 1}\n",
                                              debug_log=True)
    finally:
        peer.stop()
    assert refused == 0
    # One consumer: batch 0 is refused with RetryInfo and its retry accepted; batch 1 is dropped.
    assert_delivered_once(peer, [0, 2, 3, 4])
    assert peer.refused == 2
    assert m(metrics, "proflow_exporter_retries_total", "otlp") == 1
    assert m(metrics, "otelcol_exporter_sent_profile_samples", "otlp") == 4 * SAMPLES
    assert m(metrics, "otelcol_exporter_send_failed_profile_samples", "otlp") == SAMPLES
    assert f"retrying {SAMPLES} profile samples in 2000 ms" in logs, logs
    assert "permanent error" in logs and "RESOURCE_EXHAUSTED: ingestion queue full" in logs, logs


def case_http_encodings():
    for extra, content_type, encoding in (
        ("    compression: none\n    encoding: json\n", "application/json", None),
        ("    compression: zstd\n", "application/x-protobuf", "zstd"),
        ("", "application/x-protobuf", "gzip"),
    ):
        port = free_port()
        peer = HttpPeer(port)
        try:
            refused, metrics, _ = run_exporter("otlphttp", port, extra, batches=3)
        finally:
            peer.stop()
        assert refused == 0
        assert_delivered_once(peer, [0, 1, 2])
        assert all(h.get("content-type") == content_type for h in peer.headers), peer.headers
        assert all(h.get("content-encoding") == encoding for h in peer.headers), peer.headers
        for r in peer.delivered:
            assert sum(len(p.samples) for rp in r.resource_profiles for sp in rp.scope_profiles
                       for p in sp.profiles) == SAMPLES
        assert m(metrics, "otelcol_exporter_sent_profile_samples", "otlphttp") == 3 * SAMPLES


def case_slow_backend(kind, peer_cls):
    """The first answer comes after the 1 s timeout: the attempt fails and is retried."""
    port = free_port()
    peer = peer_cls(port, ["slow:3"])
    try:
        refused, metrics, _ = run_exporter(kind, port, "    timeout: 1s\n    sending_queue: {num_consumers: 1}\n",
                                           batches=2)
        peer.wait_slow(1)
    finally:
        peer.stop()
    assert refused == 0
    assert_delivered_once(peer, [0, 1])
    assert [batch_indices(r) for r in peer.slow] == [[0]]
    assert m(metrics, "otelcol_exporter_sent_profile_samples", kind) == 2 * SAMPLES
    assert m(metrics, "proflow_exporter_retries_total", kind) == 1


def case_backend_down(kind, peer_cls):
    """Nothing listens for OUTAGE_S seconds; once the backend is up every batch arrives exactly once."""
    port = free_port()
    holder = {}
    starter = threading.Timer(OUTAGE_S, lambda: holder.setdefault("peer", peer_cls(port)))
    starter.start()
    try:
        refused, metrics, _ = run_exporter(kind, port, "    sending_queue: {num_consumers: 2}\n", batches=6,
                                           deadline_ms=120000)
    finally:
        starter.join()
        holder["peer"].stop()
    assert refused == 0
    assert_delivered_once(holder["peer"], range(6))
    assert m(metrics, "otelcol_exporter_sent_profile_samples", kind) == 6 * SAMPLES
    assert m(metrics, "otelcol_exporter_send_failed_profile_samples", kind) == 0
    assert m(metrics, "proflow_exporter_retries_total", kind) >= 6


def case_queue_full(kind, peer_cls, sizer="requests"):
    """All batches arrive at once: one is sending, two fit in the queue, the rest are refused. The
    queue holds two batches: 2 requests, or 2 * SAMPLES items (profile samples)."""
    port = free_port()
    peer = peer_cls(port)
    capacity = 2 * SAMPLES if sizer == "items" else 2
    try:
        refused, metrics, _ = run_exporter(
            kind, port, f"    sending_queue: {{num_consumers: 1, queue_size: {capacity}, sizer: {sizer}}}\n",
            batches=7)
    finally:
        peer.stop()
    assert refused == 4
    assert_delivered_once(peer, [0, 1, 2])
    assert m(metrics, "otelcol_exporter_enqueue_failed_profile_samples", kind) == 4 * SAMPLES
    assert m(metrics, "otelcol_exporter_sent_profile_samples", kind) == 3 * SAMPLES
    assert m(metrics, "otelcol_exporter_queue_capacity", kind) == capacity


def case_shutdown_deadline(kind, peer_cls):
    """The backend never accepts: at the shutdown deadline everything is dropped and counted."""
    port = free_port()
    peer = peer_cls(port, ["unavailable"] * 1000)
    try:
        refused, metrics, logs = run_exporter(kind, port, "    sending_queue: {num_consumers: 2}\n", batches=5,
                                              deadline_ms=1500)
    finally:
        peer.stop()
    assert refused == 0
    assert peer.delivered == []
    assert m(metrics, "otelcol_exporter_sent_profile_samples", kind) == 0
    assert m(metrics, "otelcol_exporter_send_failed_profile_samples", kind) == 5 * SAMPLES
    assert "shutdown deadline" in logs, logs


def all_cases():
    cases = [
        ("otlphttp retry/permanent/partial", lambda: case_retry_permanent_partial("otlphttp", HttpPeer)),
        ("otlp retry/permanent/partial", lambda: case_retry_permanent_partial("otlp", GrpcPeer)),
        ("otlphttp encodings", case_http_encodings),
        ("otlphttp slow backend", lambda: case_slow_backend("otlphttp", HttpPeer)),
        ("otlp slow backend", lambda: case_slow_backend("otlp", GrpcPeer)),
        ("otlphttp queue full", lambda: case_queue_full("otlphttp", HttpPeer)),
        ("otlp queue full", lambda: case_queue_full("otlp", GrpcPeer)),
        ("otlphttp queue full, items sizer", lambda: case_queue_full("otlphttp", HttpPeer, "items")),
        ("otlp queue full, items sizer", lambda: case_queue_full("otlp", GrpcPeer, "items")),
        ("otlp RESOURCE_EXHAUSTED with/without RetryInfo", case_grpc_resource_exhausted),
        ("otlphttp shutdown deadline", lambda: case_shutdown_deadline("otlphttp", HttpPeer)),
        ("otlp shutdown deadline", lambda: case_shutdown_deadline("otlp", GrpcPeer)),
        ("otlphttp backend down 20s", lambda: case_backend_down("otlphttp", HttpPeer)),
        ("otlp backend down 20s", lambda: case_backend_down("otlp", GrpcPeer)),
    ]
    return cases


if __name__ == "__main__":
    run_cases(all_cases())
