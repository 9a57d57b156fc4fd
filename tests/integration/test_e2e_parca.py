#!/usr/bin/python3
"""test_e2e_parca.py — end to end from a real Go net/http/pprof target to a Parca backend: proflow's
`pprof` receiver scrapes process_cpu and memory (tests/fixtures/pprof/go/run-target.sh) on a short
interval, and the `parca` exporter sends WriteRaw to the grpcio backend of
servers/profile_backends.py, which decodes with Python protobuf and runs `go tool pprof -raw`.

Checked:
  - exactly the two enabled types arrive, as __name__ process_cpu and memory, with the target's
    labels service_name, job and instance and no other reserved label;
  - every raw profile is gzipped, has ids 1..n and parses with `go tool pprof`;
  - CPU profiles carry duration_nanos, cpu = samples x period, and their CPU total fits the window
    (at most duration x cores); the busy target shows some CPU;
  - memory profiles are client-side deltas of the cumulative allocs profile: no alloc value is
    negative, and their alloc totals add up to at most what the target reports cumulatively at the
    end (read with curl and `go tool pprof -raw` after proflow has stopped);
  - proflow's metrics: everything the receiver accepted was sent, nothing failed."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "servers"))
from harness import Proflow, free_port, metric, run_cases, start_go_target  # noqa: E402
from e2e_lib import record_details, totals  # noqa: E402
from profile_backends import ParcaServer, profiles_by_name  # noqa: E402
from pyroscope_receiver_lib import pprof_totals  # noqa: E402

PROFILES_EACH = 3  # CPU and memory profiles to collect before stopping
ALLOC_TYPES = ("alloc_objects/count", "alloc_space/bytes")


def start_target():
    return start_go_target("-cpu-workers", "1", "-duty", "0.3", "-alloc-workers", "1", "-mem-rate", "4096")


def config(target_port, backend_port, metrics_port):
    return f"""
receivers:
  pprof:
    scrape_configs:
      - job_name: gotarget
        scrape_interval: 2s
        scrape_timeout: 10s
        static_configs:
          - targets: ["127.0.0.1:{target_port}"]
            labels: {{service_name: checkout}}
        profiling_config:
          profile.goroutine: {{enabled: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
exporters:
  parca:
    endpoint: 127.0.0.1:{backend_port}
    insecure: true
    retry_on_failure: {{initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0}}
service:
  pipelines:
    profiles:
      receivers: [pprof]
      exporters: [parca]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""


def by_name(snapshot):
    return {name: [p for _, p in entries] for name, entries in profiles_by_name(snapshot).items()}


def enough(snapshot):
    got = by_name(snapshot)
    return all(len(got.get(n, [])) >= PROFILES_EACH for n in ("process_cpu", "memory"))


def main():
    record_details()
    work = tempfile.mkdtemp(prefix="proflow-e2e-parca-")
    backend_port, metrics_port = free_port(), free_port()
    backend = ParcaServer(backend_port)
    pid = None
    try:
        pid, target_port = start_target()
        with Proflow(config(target_port, backend_port, metrics_port), wait_ports=[metrics_port], workdir=work) as pf:
            assert backend.wait(enough, timeout=45), f"backend: {backend.snapshot()['series']}\n{pf.logs()}"
            m = pf.wait_metrics(metrics_port, lambda m: metric(m, "otelcol_exporter_sent_profile_samples",
                                                                exporter="parca") ==
                             metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pprof"))
        # proflow has stopped: anything still queued was drained to the backend on SIGTERM.
        record = backend.dump(os.path.join(work, "backend.json"))
        subprocess.run(["curl", "-fsS", "--max-time", "20", "-o", os.path.join(work, "allocs.pb.gz"),
                        f"http://127.0.0.1:{target_port}/debug/pprof/allocs"], check=True)
    finally:
        backend.stop()
        if pid:
            subprocess.run(["kill", str(pid)])

    assert metric(m, "otelcol_exporter_send_failed_profile_samples", exporter="parca") == 0, m
    assert metric(m, "otelcol_exporter_enqueue_failed_profile_samples", exporter="parca") == 0, m
    assert metric(m, "otelcol_receiver_refused_profile_samples", receiver="pprof") == 0, m

    instance = f"127.0.0.1:{target_port}"
    for s in record["series"]:
        labels = s["labels"]
        want = {"service_name": "checkout", "job": "gotarget", "instance": instance}
        assert want.items() <= labels.items(), labels
        assert [k for k in labels if k.startswith("__")] == ["__name__"], labels
        assert s["normalized"] is False, s
        for p in s["profiles"]:
            assert p["pprof_ok"] and p["gzipped"] and p["ids_sequential"], p

    got = by_name(record)
    assert sorted(got) == ["memory", "process_cpu"], sorted(got)

    cores = os.cpu_count()
    for p in got["process_cpu"]:
        assert p["sample_types"] == ["samples/count", "cpu/nanoseconds"], p
        assert p["period_type"] == "cpu/nanoseconds" and p["period"] > 0, p
        assert p["duration_nanos"] > 0, p
        assert p["sums"]["cpu/nanoseconds"] == p["sums"]["samples/count"] * p["period"], p
        assert 0 <= p["sums"]["cpu/nanoseconds"] <= p["duration_nanos"] * cores, (p, cores)
    cpu_sums, _ = totals(got["process_cpu"])
    assert cpu_sums["cpu/nanoseconds"] > 0, "the busy target showed no CPU in any profile"

    for p in got["memory"]:
        assert set(p["sample_types"]) == {"alloc_objects/count", "alloc_space/bytes", "inuse_objects/count",
                                          "inuse_space/bytes"}, p
        assert all(p["min"][t] >= 0 for t in ALLOC_TYPES), p
    mem_sums, _ = totals(got["memory"])
    cumulative = pprof_totals(os.path.join(work, "allocs.pb.gz"))["sums"]
    for t in ALLOC_TYPES:
        assert 0 <= mem_sums[t] <= cumulative[t], (t, mem_sums[t], cumulative[t])
    print(f"ok: {len(got['process_cpu'])} process_cpu and {len(got['memory'])} memory profiles via WriteRaw; "
          f"CPU {cpu_sums['cpu/nanoseconds'] / 1e9:.2f}s, allocated {mem_sums['alloc_space/bytes']} bytes in deltas")


if __name__ == "__main__":
    run_cases([("e2e parca", main)])
