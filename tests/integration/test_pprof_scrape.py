"""test_pprof_scrape.py — the pprof receiver scraping a real Go net/http/pprof target, written by the
file exporter as pprof (`format: pprof`, one .pb.gz per scraped profile) and read with `go tool pprof`.

One live job and one job pointing at a closed port. Checks:
  - every profile type is written, and `go tool pprof -raw` parses every file;
  - CPU profiles cover the server-side ?seconds= window (Duration at least 1s for a 2s interval) and
    their CPU total fits that window (`-top`: Total samples <= Duration x cores), with cpu = samples x
    period;
  - client-side deltas (memory's alloc_*, mutex, block) cover the time since the previous scrape:
    Time is that scrape, Duration about the scrape interval, and the windows follow each other; a
    memory scrape stays one pprof (its inuse_* snapshot shares the window);
  - client-side deltas of the cumulative allocs profile: the sum over every written memory file equals
    the difference of two cumulative scrapes the test takes itself with curl. This is exact because
    the target runs with GOGC=off: Go publishes the allocs profile only at a GC, and the only GC is
    the one the test forces (heap?gc=1) between its two scrapes, after proflow primed its baseline and
    before proflow's last scrape;
  - proflow's own metrics: the live target up, the dead one down with errors counted."""
import datetime
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Proflow, free_port, metric, run_cases, start_go_target, wait_until  # noqa: E402

WANT_TYPES = {"process_cpu", "memory", "goroutine", "mutex", "block"}
INTERVAL_S = 2


def start_target():
    return start_go_target("-cpu-workers", "1", "-duty", "0.3", "-alloc-workers", "0", "-mem-rate", "512",
                           env={"GOGC": "off"})


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


def window(path):
    """(start in unix ns, duration in s) of a pprof, from `go tool pprof -raw` (Time has ns precision,
    Duration two decimals); duration 0 when the pprof has none."""
    raw = pprof_text("-raw", path)
    m = re.search(r"^Time: (\d+-\d+-\d+ \d+:\d+:\d+)(?:\.(\d+))? \+0000 UTC$", raw, re.M)
    assert m, raw[:300]
    whole = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    start = int(whole.timestamp()) * 10**9 + int((m.group(2) or "0").ljust(9, "0"))
    d = re.search(r"^Duration: ([\d.]+)$", raw, re.M)
    return start, float(d.group(1)) if d else 0.0


def check_windows(name, windows):
    """Client-side deltas: each covers the time since the previous scrape of the target, which runs on
    a fixed schedule: a whole number of scrape intervals (more than one after a failed scrape), up to
    how late the scrape started. Consecutive windows follow each other without gap or overlap."""
    assert len(windows) >= 2, (name, windows)
    windows.sort()
    for start, duration in windows:
        intervals = round(duration / INTERVAL_S)
        assert intervals >= 1 and abs(duration - intervals * INTERVAL_S) < INTERVAL_S / 4, (name, windows)
    for (start, duration), (next_start, _) in zip(windows, windows[1:]):
        assert abs((next_start - start) / 1e9 - duration) <= 0.01, (name, windows)  # Duration's precision


def written(out_dir):
    """[(path, profile type)] of the files written so far, oldest first."""
    items = []
    for path in sorted(glob.glob(os.path.join(out_dir, "profiles-*.pb.gz"))):
        m = re.match(r"profiles-\d+-\d+-(.+)\.pb\.gz$", os.path.basename(path))
        assert m, path
        items.append((path, m.group(1)))
    return items


def count_of(out_dir, name):
    return sum(1 for _, n in written(out_dir) if n == name)



def curl(url, path):
    subprocess.run(["curl", "-fsS", "--max-time", "20", "-o", path, url], check=True)
    return path


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
        scrape_interval: {INTERVAL_S}s
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
    format: pprof
service:
  pipelines:
    profiles:
      receivers: [pprof]
      exporters: [file]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""
    allocs = f"http://127.0.0.1:{port}/debug/pprof/allocs"
    try:
        with Proflow(config, wait_ports=[metrics_port]) as pf:
            # proflow's first memory scrape primes its delta baseline; with GOGC=off the profile cannot
            # change before the test forces a GC, so the test's own first scrape sees the same state.
            wait_until(lambda: metric(pf.metrics(metrics_port), "proflow_receiver_pprof_scrapes_total", job="gotarget",
                                    profile="memory") >= 1, "the baseline memory scrape")
            before = curl(allocs, os.path.join(tmp, "before.pb.gz"))
            # The one GC (only the heap endpoint honours gc=1): publishes what was allocated so far.
            curl(f"http://127.0.0.1:{port}/debug/pprof/heap?gc=1", os.path.join(tmp, "gc.pb.gz"))
            # Two more memory scrapes: at least one started after the GC.
            n = count_of(out_dir, "memory")
            wait_until(lambda: count_of(out_dir, "memory") >= n + 2, "memory scrapes after the GC")
            wait_until(lambda: WANT_TYPES <= {name for _, name in written(out_dir)}, "every profile type")
            wait_until(lambda: count_of(out_dir, "mutex") >= 2 and count_of(out_dir, "block") >= 2,
                     "two mutex and block deltas")
            m = pf.metrics(metrics_port)
            assert metric(m, "proflow_receiver_pprof_up", job="gotarget", profile="goroutine") == 1, m
            assert metric(m, "proflow_receiver_pprof_up", job="dead", profile="process_cpu") == 0, m
            assert metric(m, "proflow_receiver_pprof_scrape_errors_total", job="dead") >= 1, m
            assert metric(m, "otelcol_receiver_accepted_profile_samples", receiver="pprof") > 0, m
            assert metric(m, "proflow_receiver_pprof_scrape_bytes", job="gotarget", profile="memory") > 0, m
        after = curl(allocs, os.path.join(tmp, "after.pb.gz"))  # proflow has stopped; no GC since
        logs = open(pf.log_path).read()
        assert "is down" in logs and "127.0.0.1:1" in logs, logs

        items = written(out_dir)
        assert WANT_TYPES <= {name for _, name in items}, items
        cores = os.cpu_count()
        delta_sum = {"alloc_objects/count": 0, "alloc_space/bytes": 0}
        windows = {"memory": [], "mutex": [], "block": []}
        for path, name in items:
            sums = sample_sums(path)  # go tool pprof must parse every file
            if name == "process_cpu":
                assert list(sums) == ["samples/count", "cpu/nanoseconds"], sums
                raw = pprof_text("-raw", path)
                period = int(re.search(r"^Period: (\d+)$", raw, re.M).group(1))
                assert sums["cpu/nanoseconds"] == sums["samples/count"] * period, sums
                top = pprof_text("-top", path)
                m = re.search(r"Duration: ([\d.]+)s, Total samples = ([\d.]+)(ms|s) ", top)
                if m:  # absent when the window had no samples
                    assert float(m.group(1)) >= 1.0, top  # ?seconds=1 for a 2s interval
                    cpu_s = float(m.group(2)) / (1000 if m.group(3) == "ms" else 1)
                    assert 0 < cpu_s <= float(m.group(1)) * cores, top
                    assert abs(cpu_s * 1e9 - sums["cpu/nanoseconds"]) < 0.01e9, (top, sums)
                else:
                    # The 1 s window as the Go runtime measured it: a busy machine can report 999.13ms.
                    assert re.search(r"Duration: (1(\.\d+)?s|9\d\d(\.\d+)?ms)", top), top
            if name == "memory":
                # One pprof per scrape: the alloc_* deltas and the inuse_* snapshot share the window.
                assert set(sums) == {"alloc_objects/count", "alloc_space/bytes", "inuse_objects/count",
                                     "inuse_space/bytes"}, sums
                windows["memory"].append(window(path))
                for t in delta_sum:
                    delta_sum[t] += sums[t]
            if name in ("mutex", "block"):
                windows[name].append(window(path))
            if name == "goroutine":
                assert sums["goroutine/count"] > 5, sums
        first, last = sample_sums(before), sample_sums(after)
        for t, got in delta_sum.items():
            assert got == last[t] - first[t], (t, got, first[t], last[t])
        assert delta_sum["alloc_space/bytes"] > 0, delta_sum
        for name, ws in windows.items():
            check_windows(name, ws)
        print(f"ok: {len(items)} pprofs; memory deltas sum to {delta_sum}; delta windows (s): "
              f"{ {name: [d for _, d in ws] for name, ws in windows.items()} }")
    finally:
        subprocess.run(["kill", str(pid)])


if __name__ == "__main__":
    run_cases([("pprof scrape", main)])
