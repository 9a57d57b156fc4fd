#!/usr/bin/python3
"""scrape_scale.py — benchmark of the pprof scraper at 1,000 and 5,000 targets (not a test).

One Go HTTP server (scrape_scale_server.go) answers every path with the same fixture pprof; proflow
scrapes N distinct paths on it (N targets, listed in a file_sd JSON file, one `memory` profile each,
delta off so every scrape is converted in full) every --interval seconds and writes them with the file
exporter (`proto`), under a `memory_limiter` of --memory-limit-mib (a scraper of 10 000 targets needs
more than the default budget of 192 MiB). After one interval of warm-up it measures --intervals intervals:
  - CPU fraction of one core used by proflow (utime+stime from /proc over wall time);
  - RSS per target: (RSS with N targets - RSS with 1 target) / (N - 1);
  - p99 of scrape-start lateness (proflow_receiver_pprof_scrape_lateness_seconds histogram, the
    bucket bound reached by 99% of starts in the window);
  - scrapes started in the window (the histogram's count) against N x intervals.
Then runs scrape_scale_convert (pprof → OTLP → pprof against plain gunzip + protobuf decode, same
run) on the Go fixtures. Usage (see docs/benchmarks.md):
  bench/scrape_scale.py --build-dir build-rel [--targets 1000,5000] [--interval 15] [--intervals 3]"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures", "pprof", "go")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        return r.read().decode()


def pprofs_sent(text, origin):
    """proflow_exporter_pprofs_total{pprof=origin} summed over exporters (0 with the file exporter)."""
    return sum(float(m.group(1)) for m in re.finditer(
        r'^proflow_exporter_pprofs_total\{[^}]*pprof="' + origin + r'"[^}]*\} (\S+)$', text, re.M))


def lateness_buckets(text):
    out = {}
    for m in re.finditer(r'^proflow_receiver_pprof_scrape_lateness_seconds_bucket\{[^}]*le="([^"]+)"\} (\S+)$', text,
                         re.M):
        out[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = float(m.group(2))
    return out


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} never opened")


def start_server(tmp):
    env = dict(os.environ, GO111MODULE="off", GOFLAGS="", CGO_ENABLED="0", GOTOOLCHAIN="local")
    env.setdefault("GOCACHE", os.path.join(tempfile.gettempdir(), "scrape-scale-gocache"))
    binary = os.path.join(tmp, "server")
    subprocess.run(["go", "build", "-o", binary, os.path.join(HERE, "scrape_scale_server.go")], check=True, env=env)
    proc = subprocess.Popen([binary, "-file", os.path.join(FIXTURES, "allocs.pb.gz")], stdout=subprocess.PIPE,
                            text=True)
    addr = proc.stdout.readline().split()[1]
    return proc, addr


PROFILES_ONE = """          profile.process_cpu: {enabled: false}
          profile.goroutine: {enabled: false}
          profile.mutex: {enabled: false}
          profile.block: {enabled: false}
          profile.memory: {delta: false}"""
# Five types per target: process_cpu, memory (delta off), goroutine, mutex and block (deltas on).
PROFILES_FIVE = """          profile.memory: {delta: false}"""


def run(build_dir, tmp, addr, n, interval, intervals, types=1, memory_mib=1024, exporter="file",
        processors=("memory_limiter",), name=""):
    run_dir = os.path.join(tmp, f"run{n}{name}")
    os.makedirs(os.path.join(run_dir, "sd"))
    groups = [{"targets": [addr], "labels": {"instance": f"t{i}", "__profile_path_prefix__": f"/t{i}"}}
              for i in range(n)]
    with open(os.path.join(run_dir, "sd", "targets.json"), "w") as f:
        json.dump(groups, f)
    port = free_port()
    exporter_yaml = (f"""  file:
    path: {run_dir}/out
    format: proto
    rotation: {{max_backups: 200}}""" if exporter == "file" else f"""  pyroscope:
    endpoint: http://{addr}""")
    config = f"""
receivers:
  pprof:
    scrape_configs:
      - job_name: bench
        scrape_interval: {interval}s
        scrape_timeout: {interval + 5}s
        file_sd_configs:
          - files: ["{run_dir}/sd/*.json"]
        profiling_config:
{PROFILES_ONE if types == 1 else PROFILES_FIVE}
processors:
  memory_limiter: {{limit_mib: {memory_mib}}}
  batch: {{}}
  resource:
    attributes:
      - {{key: cluster, value: bench, action: insert}}
exporters:
{exporter_yaml}
service:
  pipelines:
    profiles:
      receivers: [pprof]
      processors: [{", ".join(processors)}]
      exporters: [{exporter}]
  telemetry:
    logs: {{level: warn}}
    metrics:
      address: 127.0.0.1:{port}
"""
    cfg_path = os.path.join(run_dir, "config.yaml")
    open(cfg_path, "w").write(config)
    log = open(os.path.join(run_dir, "proflow.log"), "w")
    proc = subprocess.Popen([os.path.join(build_dir, "proflow"), "--config", cfg_path], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_port(port)
        time.sleep(interval + 2)  # warm-up: targets are created and every one is scraped once
        before_text = metrics(port)
        cpu0, t0 = cpu_seconds(proc.pid), time.time()
        time.sleep(interval * intervals)
        cpu1, t1 = cpu_seconds(proc.pid), time.time()
        rss = rss_bytes(proc.pid)
        after_text = metrics(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    b0, b1 = lateness_buckets(before_text), lateness_buckets(after_text)
    window = {le: b1[le] - b0.get(le, 0) for le in b1}
    total = window.get(float("inf"), 0)
    p99 = next((le for le in sorted(window) if window[le] >= 0.99 * total), float("inf")) if total else float("nan")
    shutil.rmtree(os.path.join(run_dir, "out"), ignore_errors=True)
    sent = {o: pprofs_sent(after_text, o) - pprofs_sent(before_text, o) for o in ("as_scraped", "encoded")}
    return {"n": n, "cpu": (cpu1 - cpu0) / (t1 - t0), "rss": rss, "p99": p99, "starts": total,
            "expected": n * intervals * types, "name": name, "sent": sent}


def variants(exporter, n):
    """(name, processors) of the runs for n targets. With the pyroscope exporter, targets > 1 run twice
    in a row: as scraped (pprof -> batch -> pyroscope sends the scraped bytes) and with a resource
    processor first, which changes every batch and so forces pprof -> OTLP -> pprof (the baseline)."""
    if exporter == "file":
        return [("", ("memory_limiter",))]
    runs = [("pyroscope as scraped", ("memory_limiter", "batch"))]
    if n > 1:
        runs.append(("pyroscope round trip", ("memory_limiter", "resource", "batch")))
    return runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--targets", default="1000,5000")
    ap.add_argument("--interval", type=int, default=15)
    ap.add_argument("--intervals", type=int, default=3)
    ap.add_argument("--profile-types", type=int, choices=(1, 5), default=1,
                    help="1: memory only; 5: process_cpu, memory, goroutine, mutex, block (all served the same "
                         "fixture; mutex and block as deltas)")
    ap.add_argument("--memory-limit-mib", type=int, default=1024,
                    help="memory_limiter limit_mib: the default budget (192 MiB) is below what 10 000 x 5 targets "
                         "take (about 19 KiB each), so every scrape would be deferred")
    ap.add_argument("--exporter", choices=("file", "pyroscope"), default="file",
                    help="file: the file exporter (proto); pyroscope: batch + pyroscope (push) to the target "
                         "server, which discards pushes, as scraped and as round trip (see variants)")
    ap.add_argument("--no-convert", action="store_true", help="skip the conversion timing")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="scrape-scale-")
    server, addr = start_server(tmp)
    try:
        results = []
        for n in [1] + [int(x) for x in args.targets.split(",")]:
            for name, processors in variants(args.exporter, n):
                results.append(run(args.build_dir, tmp, addr, n, args.interval, 1 if n == 1 else args.intervals,
                                   args.profile_types, args.memory_limit_mib, args.exporter, processors, name))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    base = results[0]
    print(f"\nscrape_scale: {args.profile_types} profile type(s) per target, interval {args.interval}s, "
          f"{args.intervals} measured intervals, {os.cpu_count()} cores")
    print(f"{'targets':>8} {'pipeline':>22} {'cpu % of 1 core':>16} {'RSS MiB':>9} {'RSS/target KiB':>15} "
          f"{'lateness p99':>13} {'scrape starts':>14}")
    for r in results:
        per = (r["rss"] - base["rss"]) / (r["n"] - 1) / 1024 if r["n"] > 1 else float("nan")
        p99 = f"<= {r['p99'] * 1000:g} ms" if r["p99"] != float("inf") else "> 5 s"
        print(f"{r['n']:>8} {r['name'] or args.exporter:>22} {100 * r['cpu']:>15.1f}% {r['rss'] / 2**20:>9.1f} "
              f"{per:>15.1f} {p99:>13} {int(r['starts']):>7}/{r['expected']:<6}")
    if args.exporter == "pyroscope":
        for r in results:
            print(f"{r['n']} targets, {r['name']}: pprofs sent as scraped {r['sent']['as_scraped']:.0f}, "
                  f"encoded {r['sent']['encoded']:.0f}")
    for fast, slow in zip(results, results[1:]):
        if fast["n"] == slow["n"] > 1 and slow["name"].endswith("round trip"):
            print(f"{fast['n']} targets: as scraped / round trip CPU = {fast['cpu'] / slow['cpu']:.2f}x")
    if args.no_convert:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    convert = os.path.join(args.build_dir, "bench", "scrape_scale_convert")
    files = [os.path.join(FIXTURES, f) for f in ("cpu.pb.gz", "allocs.pb.gz", "heap.pb.gz", "goroutine.pb.gz",
                                                  "mutex.pb.gz", "block.pb.gz")]
    print("\nconversion (pprof -> OTLP -> pprof vs gunzip + protobuf decode, same run):")
    subprocess.run([convert, "--seconds", "2", *files], check=True)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
