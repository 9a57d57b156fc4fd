"""test_pprof_scrape.py — the pprof receiver scraping a real Go net/http/pprof target.

Starts the Go target (fixtures/pprof/go/run-target.sh), runs proflow with the pprof receiver (one live
job, one job pointing at a closed port) and the file exporter (`proto`: one OTLP request per scrape),
waits until several scrapes were written, then converts every written request to pprof with
tests/pprof_roundtrip --from-otlp and checks each with `go tool pprof`: profile types present,
resource labels, CPU profiles of the server-side ?seconds= window, and client-side deltas of the
cumulative memory profile being smaller than the target's cumulative totals. proflow's own metrics
must show the live target up and the dead one down with errors counted."""
import glob
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import FIXTURES, Proflow, free_port, http_get, metric  # noqa: E402

BUILD = os.environ["PROFLOW_BUILD_DIR"]
TOOL = os.path.join(BUILD, "tests", "pprof_roundtrip")
WANT_TYPES = {"process_cpu", "memory", "goroutine", "mutex", "block"}


def start_target():
    out = subprocess.run(["bash", os.path.join(FIXTURES, "pprof", "go", "run-target.sh"), "0",
                          "-cpu-workers", "1", "-duty", "0.3"], check=True, capture_output=True, text=True,
                         timeout=120)
    pid, port = out.stdout.split()
    return int(pid), int(port)


def pprof_text(*args):
    return subprocess.run(["go", "tool", "pprof", *args], check=True, capture_output=True, text=True).stdout


def sample_sums(path):
    """{type: total} from `go tool pprof -raw` (exact integers)."""
    lines = pprof_text("-raw", path).splitlines()
    i = lines.index("Samples:")
    types = [t.replace("[dflt]", "") for t in lines[i + 1].split()]
    sums = dict.fromkeys(types, 0)
    for line in lines[i + 2:]:
        if line == "Locations":
            break
        if ":" in line and line.split(":")[0].replace(" ", "").lstrip("-").isdigit():
            for t, v in zip(types, line.split(":")[0].split()):
                sums[t] += int(v)
    return sums


def converted(out_dir, tmp):
    """Every written request → pprof files; returns [(path, name, service)]."""
    items = []
    for n, req in enumerate(sorted(glob.glob(os.path.join(out_dir, "*.binpb")))):
        res = subprocess.run([TOOL, "--from-otlp", req, os.path.join(tmp, f"req{n}")], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        for line in res.stdout.splitlines():
            path, *kvs = line.split()
            kv = dict(x.split("=", 1) for x in kvs)
            items.append((path, kv["name"], kv["service.name"]))
    return items


def main():
    pid, port = start_target()
    tmp = tempfile.mkdtemp(prefix="pprof-scrape-")
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir)
    metrics_port = free_port()
    config = f"""
receivers:
  pprof:
    scrape_configs:
      - job_name: gotarget
        scrape_interval: 2s
        scrape_timeout: 10s
        static_configs:
          - targets: ["127.0.0.1:{port}"]
            labels: {{service_name: checkout, env: test}}
      - job_name: dead
        scrape_interval: 2s
        static_configs:
          - targets: ["127.0.0.1:1"]
        profiling_config:
          profile.memory: {{enabled: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
          profile.goroutine: {{enabled: false}}
          profile.process_cpu: {{delta: false}}
exporters:
  file:
    path: {out_dir}
    format: proto
service:
  pipelines:
    profiles:
      receivers: [pprof]
      exporters: [file]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""
    try:
        with Proflow(config, wait_ports=[metrics_port]) as pf:
            # Wait (bounded) until every profile type was written at least once: memory/mutex/block need
            # two scrapes (the first primes the delta).
            deadline = time.time() + 60
            while time.time() < deadline:
                names = {name for _, name, _ in converted(out_dir, tmp)}
                if WANT_TYPES <= names:
                    break
                time.sleep(1)
            m = pf.metrics(metrics_port)
            assert metric(m, "proflow_receiver_pprof_up", job="gotarget", profile="goroutine") == 1, m
            assert metric(m, "proflow_receiver_pprof_up", job="dead", profile="process_cpu") == 0, m
            assert metric(m, "proflow_receiver_pprof_scrape_errors_total", job="dead") >= 1, m
            assert metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pprof") > 0, m
            assert metric(m, "proflow_receiver_pprof_scrape_bytes", job="gotarget", profile="memory") > 0, m
        logs = open(pf.log_path).read()
        assert "is down" in logs and "127.0.0.1:1" in logs, logs

        items = converted(out_dir, tmp)
        names = {name for _, name, _ in items}
        assert WANT_TYPES <= names, names
        assert {svc for _, _, svc in items} == {"checkout"}, items
        status, cumulative = http_get(f"http://127.0.0.1:{port}/debug/pprof/allocs")
        assert status == 200
        cum_path = os.path.join(tmp, "cumulative.pb.gz")
        open(cum_path, "wb").write(cumulative)
        cum_alloc = sample_sums(cum_path)["alloc_space/bytes"]
        for path, name, _ in items:
            sums = sample_sums(path)  # go tool pprof must parse every file
            if name == "process_cpu":
                assert list(sums) == ["samples/count", "cpu/nanoseconds"], sums
                assert "Duration: 1" in pprof_text("-raw", path)  # ?seconds=1 for a 2s interval
            if name == "memory":
                assert set(sums) == {"alloc_objects/count", "alloc_space/bytes", "inuse_objects/count",
                                     "inuse_space/bytes"}, sums
                assert 0 <= sums["alloc_space/bytes"] < cum_alloc, (sums, cum_alloc)
            if name == "goroutine":
                assert sums["goroutine/count"] > 5, sums
        print(f"ok: {len(items)} pprofs, types {sorted(names)}")
    finally:
        subprocess.run(["kill", str(pid)])


if __name__ == "__main__":
    main()
