#!/usr/bin/python3
"""pyroscope_ingest.py — throughput of the `pyroscope` receiver, replaying requests captured from the
real @pyroscope/nodejs SDK (tests/fixtures/pyroscope-push/nodejs: req-001 wall, req-002 heap, raw
gzipped pprof) at full speed with h2load over HTTP/1.1 keep-alive, through two pipelines measured in
the same run:

  full:  pyroscope receiver → pyroscope exporter (Push API) → sink (a second proflow: pyroscope
         receiver → debug exporter with logs at warn, i.e. discarding)
  null:  pyroscope receiver → debug exporter with logs at warn (discarding)

Reports requests/s, MB/s of request bodies, CPU per request of the proflow under test (utime+stime
from /proc, and the sink's separately), peak RSS (VmHWM), every ratio full/null, and the answers
(all must be 2xx). Then the JFR decode rate against just reading the file (bench/pyroscope_ingest_jfr).

With BASELINE_BUILD_DIR, the same measurement runs first with that build's proflow, then with
BUILD_DIR's, and the CPU and req/s ratios after/before are printed (a change measured in one run).

Usage: bench/pyroscope_ingest.py BUILD_DIR [requests per run] [connections] [BASELINE_BUILD_DIR]"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(SRC, "tests", "fixtures", "pyroscope-push", "nodejs")
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def start(binary, work, name, exporter_yaml, exporter_id):
    port, mport = free_port(), free_port()
    cfg = f"""
receivers:
  pyroscope:
    endpoint: 127.0.0.1:{port}
exporters:
{exporter_yaml}
service:
  pipelines:
    profiles:
      receivers: [pyroscope]
      exporters: [{exporter_id}]
  telemetry:
    logs:
      level: warn
    metrics:
      address: 127.0.0.1:{mport}
"""
    path = os.path.join(work, f"{name}.yaml")
    open(path, "w").write(cfg)
    log = open(os.path.join(work, f"{name}.log"), "w")
    proc = subprocess.Popen([binary, "--config", path], stdout=log, stderr=subprocess.STDOUT)
    wait_port(port)
    wait_port(mport)
    return {"proc": proc, "port": port, "mport": mport, "name": name}


def cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mb(pid):
    m = re.search(r"VmHWM:\s+(\d+) kB", open(f"/proc/{pid}/status").read())
    return int(m.group(1)) / 1024


def metric(mport, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=5).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


def h2load(url, body, n, c):
    out = subprocess.run(["h2load", "--h1", "-n", str(n), "-c", str(c), "-d", body, "-H",
                          "content-type: application/octet-stream", url], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"finished in ([\d.]+)(s|ms|us)", out)
    secs = float(m.group(1)) / {"s": 1, "ms": 1e3, "us": 1e6}[m.group(2)]
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    return secs, [int(x) for x in codes.groups()]


def run(target, others, url_path, body, n, c):
    pids = [target["proc"].pid] + [o["proc"].pid for o in others]
    before = [cpu_s(p) for p in pids]
    secs, codes = h2load(f"http://127.0.0.1:{target['port']}{url_path}", body, n, c)
    after = [cpu_s(p) for p in pids]
    size = os.path.getsize(body)
    return {"rps": n / secs, "mbps": n * size / secs / 1e6, "cpu_us": [(a - b) / n * 1e6 for a, b in zip(after, before)],
            "codes": codes}


def measure(binary, work, n, c, tag):
    """Both pipelines of one proflow binary: prints its rows (pipeline named "<tag> null" / "<tag> full"
    when comparing binaries), checks delivery, stops its processes."""
    import json
    discard = "  debug:\n    verbosity: basic"
    sink = start(binary, work, f"{tag}sink", discard, "debug")
    full = start(binary, work, f"{tag}full",
                 f"  pyroscope:\n    endpoint: http://127.0.0.1:{sink['port']}\n    protocol: push", "pyroscope")
    null = start(binary, work, f"{tag}null", discard, "debug")
    print(f"\n# proflow {binary}; h2load --h1 -n {n} -c {c}; bodies from {FIX}")
    print("| request | pipeline | req/s | MB/s | CPU µs/req (proflow) | CPU µs/req (sink) | 2xx / non-2xx |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for stem in ("req-001", "req-002"):
        meta = json.load(open(os.path.join(FIX, stem + ".meta.json")))
        body = os.path.join(FIX, stem + ".body")
        kind = "wall" if "sampleRate" in meta["url"] else "heap"
        for label, target, others in (("null", null, []), ("full", full, [sink])):
            run(target, others, meta["url"], body, max(n // 10, 100), c)  # warm-up
            r = run(target, others, meta["url"], body, n, c)
            results[(stem, label)] = r
            sink_cpu = f"{r['cpu_us'][1]:.0f}" if others else "-"
            print(f"| {stem} {kind} ({os.path.getsize(body)} B) | {tag}{label} | {r['rps']:.0f} | {r['mbps']:.1f} | "
                  f"{r['cpu_us'][0]:.0f} | {sink_cpu} | {r['codes'][0]} / {sum(r['codes'][1:])} |")
        f, z = results[(stem, "full")], results[(stem, "null")]
        print(f"| {stem} {kind} | {tag}full/null | {f['rps'] / z['rps']:.2f} | {f['mbps'] / z['mbps']:.2f} | "
              f"{f['cpu_us'][0] / z['cpu_us'][0]:.2f} | | |")
    # Let the exporter drain, then check the sink got every sample the full pipeline accepted.
    deadline = time.time() + 60
    accepted = metric(full["mport"], "otelcol_receiver_accepted_profile_samples")
    while time.time() < deadline and metric(sink["mport"], "otelcol_receiver_accepted_profile_samples") < accepted:
        time.sleep(0.2)
    delivered = metric(sink["mport"], "otelcol_receiver_accepted_profile_samples")
    print(f"\nsamples accepted by the full pipeline: {accepted:.0f}; received by the sink: {delivered:.0f}")
    print("peak RSS (VmHWM): " + ", ".join(f"{p['name']} {peak_rss_mb(p['proc'].pid):.1f} MB" for p in (full, null, sink)))
    for p in (full, null, sink):
        p["proc"].send_signal(signal.SIGTERM)
        p["proc"].wait(timeout=30)
    return results


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    c = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    baseline = sys.argv[4] if len(sys.argv) > 4 else None
    work = tempfile.mkdtemp(prefix="bench-pyro-")
    if baseline:
        before = measure(os.path.join(baseline, "proflow"), work, n, c, "before ")
        after = measure(os.path.join(build, "proflow"), work, n, c, "after ")
        print("\n| request | pipeline | CPU µs/req after/before | req/s after/before |")
        print("|---|---|---|---|")
        for (stem, label), a in after.items():
            b = before[(stem, label)]
            print(f"| {stem} | {label} | {a['cpu_us'][0] / b['cpu_us'][0]:.2f} | {a['rps'] / b['rps']:.2f} |")
    else:
        measure(os.path.join(build, "proflow"), work, n, c, "")
    jfr = os.path.join(SRC, "tests", "fixtures", "jfr", "java17-profile.jfr")
    print("\nJFR decode (bench/pyroscope_ingest_jfr):")
    print(subprocess.run([os.path.join(build, "bench", "pyroscope_ingest_jfr"), jfr, "50"], capture_output=True,
                         text=True, check=True).stdout, end="")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
