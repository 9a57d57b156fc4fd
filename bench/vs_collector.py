"""vs_collector.py — issue 11's comparison: proflow against the OpenTelemetry Collector as an OTLP
forwarder, at the same offered load, measured in one run.

Each system runs the same pipeline, started fresh for every phase:

  h2load (gRPC, h2c) -> forwarder [otlp receiver (gRPC) -> batch -> otlphttp (gzip | none)]
                     -> sink proflow [otlp receiver (HTTP) -> debug exporter that discards]

(The Collector v0.165.0's batch processor refuses profiles pipelines, so there the batching is the
otlp_http exporter's own, sending_queue.batch with flush_timeout 200 ms and its default min_size of
8192 items; proflow uses its batch processor with its defaults: 8192 samples, 200 ms.)

Systems: `otelcol` is the real Collector v0.165.0 built from its Go modules by
scripts/install-test-peers.sh (tests/peers/otelcol; run with --feature-gates=service.profilesSupport);
`proflow` is this tree's build; `proflow-base` (with --baseline-proflow) is another proflow binary,
e.g. the commit a branch started from, built separately. Both use their defaults for batch and
otlphttp except queue sizes (sending_queue.queue_size: 100 requests) so that saturation measures
throughput, not queue growth.

Requests are real profiles built from tests/fixtures/pprof by tests/pprof_to_otlp:
  small  every Go and Node fixture (14 files, ~58 KB, 1991 samples)
  medium the CPU fixtures (go cpu, cpu-2, node cpu) 6 times (~106 KB, 6582 samples)
  large  every fixture 39 times (~1 MB, 77649 samples)

Fixed-rate phases: for each size and compression, the systems take turns A B A B (--repeats), each at
the same --rate-* requests per second for --duration seconds. Printed per system: CPU ms/request
(utime+stime of the forwarder over the phase / requests answered OK), peak RSS (VmHWM), p50/p99
latency (h2load --log-file: request start to end of response), delivered/sent samples (samples the
sink's debug exporter got, read after the forwarder drained on SIGTERM, over samples in requests
answered OK), and refused requests. The ratio rows divide proflow's figures by the Collector's.

Saturation phase: one per system on the medium request with gzip: h2load as fast as it can (closed
loop, 2 connections x 8 streams) for --duration seconds; requests/s delivered, CPU utilization and
requests per CPU-second (delivered), and of the requests answered: those a proflow forwarder refused
(answered minus what its receiver accepted: a gRPC status telling the client to retry, which h2load
counts as answered) and those it accepted but the sink never got (lost, which must be 0).

CPU is only the forwarder's; h2load, the sink and the forwarder share the machine's cores."""
import argparse
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration", "lib"))
import harness  # noqa: E402
import otlp_passthrough as op  # noqa: E402  (Request, /proc readers, latency percentiles)

GRPC_PATH = op.GRPC_PATH
PEERS = os.environ.get("PROFLOW_PEERS_DIR", os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                                                         "proflow-peers"))
QUEUE_SIZE = 100


class Process:
    """One forwarder or sink process with its config in its own directory."""

    def __init__(self, argv_head, config_yaml, wait_ports, workdir, name):
        self.dir = tempfile.mkdtemp(prefix=f"{name}-", dir=workdir)
        path = os.path.join(self.dir, "config.yaml")
        with open(path, "w") as f:
            f.write(config_yaml)
        self.log_path = os.path.join(self.dir, "log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([*argv_head[:1], "--config", path, *argv_head[1:]], cwd=self.dir,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for p in wait_ports:
            if not harness.wait_port(p, timeout=60, alive=lambda: self.proc.poll() is None):
                self.kill()
                raise RuntimeError(f"{name} did not listen on {p}:\n{self.logs()}")

    @property
    def pid(self):
        return self.proc.pid

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()[-4000:]

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.log.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def sink_config(http_port, metrics_port):
    return (f"receivers:\n  otlp:\n    protocols:\n      http: {{endpoint: 127.0.0.1:{http_port}}}\n"
            f"exporters:\n  debug: {{verbosity: basic}}\n"
            f"service:\n  pipelines:\n    profiles: {{receivers: [otlp], exporters: [debug]}}\n"
            f"  telemetry:\n    metrics: {{address: 127.0.0.1:{metrics_port}}}\n    logs: {{level: warn}}\n")


def proflow_config(grpc_port, sink_port, compression, metrics_port):
    return (f"receivers:\n  otlp:\n    protocols:\n      grpc: {{endpoint: 127.0.0.1:{grpc_port}}}\n"
            f"processors:\n  batch: {{}}\n"
            f"exporters:\n  otlphttp:\n    endpoint: http://127.0.0.1:{sink_port}\n    compression: {compression}\n"
            f"    sending_queue: {{queue_size: {QUEUE_SIZE}}}\n"
            f"service:\n  pipelines:\n    profiles: {{receivers: [otlp], processors: [batch], exporters: [otlphttp]}}\n"
            f"  telemetry:\n    metrics: {{address: 127.0.0.1:{metrics_port}}}\n    logs: {{level: warn}}\n")


def otelcol_config(grpc_port, sink_port, compression, _metrics_port):
    # The batch processor of v0.165.0 refuses profiles pipelines ("telemetry type is not supported"):
    # the exporter's own batching (sending_queue.batch, 200 ms like the processor's timeout, default
    # min_size 8192 items) stands in for it.
    return (f"receivers:\n  otlp:\n    protocols:\n      grpc: {{endpoint: 127.0.0.1:{grpc_port}}}\n"
            f"exporters:\n  otlp_http:\n    endpoint: http://127.0.0.1:{sink_port}\n    compression: {compression}\n"
            f"    sending_queue:\n      queue_size: {QUEUE_SIZE}\n      batch: {{flush_timeout: 200ms}}\n"
            f"service:\n  pipelines:\n    profiles: {{receivers: [otlp], exporters: [otlp_http]}}\n"
            f"  telemetry:\n    metrics: {{level: none}}\n    logs: {{level: warn}}\n")


class System:
    def __init__(self, name, argv_head, config_fn):
        self.name, self.argv_head, self.config_fn = name, argv_head, config_fn


def run_phase(system, request, compression, rate, duration, workdir):
    """One phase with a fresh forwarder and sink. rate None = saturation (closed loop)."""
    fp = harness.free_port
    sink_http, sink_metrics, grpc_port, metrics_port = fp(), fp(), fp(), fp()
    sink = Process([harness.PROFLOW], sink_config(sink_http, sink_metrics), (sink_http, sink_metrics), workdir, "sink")
    fwd = None
    try:
        fwd = Process(system.argv_head, system.config_fn(grpc_port, sink_http, compression, metrics_port),
                      (grpc_port,), workdir, system.name)
        log_path = os.path.join(workdir, f"h2load-{system.name}-{request.name}-{compression}-{time.monotonic_ns()}.tsv")
        load = op.LOAD["grpc"]
        cmd = ["h2load", "-t", "1", "-c", str(load["clients"]), "-m", str(load["streams"]), "-D", str(duration),
               f"--log-file={log_path}", "-d", request.grpc_path, "-H", "content-type: application/grpc",
               "-H", "te: trailers"]
        if rate:
            cmd.append(f"--rps={rate / load['clients']:.3f}")
        cmd.append(f"http://127.0.0.1:{grpc_port}{GRPC_PATH}")
        cpu0 = op.proc_cpu_seconds(fwd.pid)
        started = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
        elapsed = time.monotonic() - started
        if out.returncode != 0:
            raise RuntimeError(f"h2load exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
        # gRPC answers are HTTP 200 whatever the status: the forwarder's refusals show as grpc-status
        # in trailers, which h2load does not report; delivered/sent below catches any loss.
        answered = sum(1 for line in open(log_path) if line.strip() and line.split("\t")[1] == "200")
        sent = answered * request.samples

        def delivered_now():
            return harness.metric(harness.parse_metrics(harness.http_get(
                f"http://127.0.0.1:{sink_metrics}/metrics")[1].decode()), "otelcol_exporter_sent_profile_samples")

        # What the forwarder accepted (proflow's receiver metric; the Collector runs without metrics):
        # the rest of what h2load saw answered was refused with a gRPC status (backpressure), not lost.
        accepted = None
        if system.name != "otelcol":
            accepted = harness.metric(harness.parse_metrics(harness.http_get(
                f"http://127.0.0.1:{metrics_port}/metrics")[1].decode()), "otelcol_receiver_accepted_profile_samples")
        # CPU includes the tail (batch timeout, queue drain): wait until the sink has everything (or 20 s).
        deadline = time.monotonic() + 20
        while delivered_now() < (sent if accepted is None else accepted) and time.monotonic() < deadline:
            time.sleep(0.1)
        cpu_load = op.proc_cpu_seconds(fwd.pid) - cpu0
        peak_rss = op.proc_peak_rss_mb(fwd.pid)
        p50, p99 = op.latency_percentiles_ms(log_path)
        fwd.stop()  # drains: what was accepted is delivered before it exits
        delivered = delivered_now()
    finally:
        if fwd:
            fwd.kill()
        sink.stop()
    return {
        "requests": answered, "elapsed": elapsed, "cpu_s": cpu_load,
        "cpu_ms_per_req": 1000.0 * cpu_load / answered if answered else float("nan"),
        "peak_rss_mb": peak_rss, "p50_ms": p50, "p99_ms": p99,
        "delivered": delivered, "sent": sent, "accepted": accepted,
        "req_per_s": (delivered / request.samples) / elapsed,
        "req_per_cpu_s": (delivered / request.samples) / cpu_load if cpu_load else float("nan"),
        "cpu_util": cpu_load / elapsed,
    }


def mean(values):
    values = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
    return sum(values) / len(values) if values else float("nan")


def fmt(v, t="{:.2f}"):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else t.format(v)


def fixed_case(systems, request, compression, rate, duration, repeats, workdir):
    runs = {s.name: [] for s in systems}
    for _ in range(repeats):
        for s in systems:  # A B A B
            runs[s.name].append(run_phase(s, request, compression, rate, duration, workdir))
    print(f"\n#### {request.name} ({request.bytes / 1000:.0f} KB, {request.samples} samples), compression {compression}, "
          f"{rate:g} req/s, {repeats} x {duration} s per system\n")
    print("| system | CPU ms/request | peak RSS MB | p50 ms | p99 ms | delivered/sent samples |")
    print("|---|---:|---:|---:|---:|---:|")
    agg = {}
    for s in systems:
        r = runs[s.name]
        agg[s.name] = {k: mean([x[k] for x in r]) for k in ("cpu_ms_per_req", "p50_ms", "p99_ms")}
        agg[s.name]["peak_rss_mb"] = max(x["peak_rss_mb"] for x in r)
        delivered, sent = sum(x["delivered"] for x in r), sum(x["sent"] for x in r)
        print(f"| {s.name} | {fmt(agg[s.name]['cpu_ms_per_req'])} "
              f"({', '.join(fmt(x['cpu_ms_per_req']) for x in r)}) | {fmt(agg[s.name]['peak_rss_mb'], '{:.1f}')} | "
              f"{fmt(agg[s.name]['p50_ms'])} | {fmt(agg[s.name]['p99_ms'])} | {delivered:.0f}/{sent:.0f} |")
    if "otelcol" in agg:
        for s in systems:
            if s.name == "otelcol":
                continue
            a, c = agg[s.name], agg["otelcol"]
            print(f"| {s.name}/otelcol | x{fmt(a['cpu_ms_per_req'] / c['cpu_ms_per_req'])} | "
                  f"x{fmt(a['peak_rss_mb'] / c['peak_rss_mb'])} | x{fmt(a['p50_ms'] / c['p50_ms'])} | "
                  f"x{fmt(a['p99_ms'] / c['p99_ms'])} | |")
    sys.stdout.flush()
    return agg


def saturation(systems, request, compression, duration, workdir):
    print(f"\n#### saturation: {request.name} ({request.bytes / 1000:.0f} KB), compression {compression}, "
          f"{duration} s per system, closed loop\n")
    print("| system | delivered req/s | CPU util | requests per CPU-second | answered | refused (backpressure) "
          "| accepted, not delivered (lost) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    res = {}
    for s in systems:
        r = run_phase(s, request, compression, None, duration, workdir)
        res[s.name] = r
        if r["accepted"] is None:  # the Collector: refusals and losses cannot be told apart
            refused, lost = "-", f"{r['requests'] - r['delivered'] / request.samples:.0f} (refused or lost)"
        else:
            refused = f"{r['requests'] - r['accepted'] / request.samples:.0f}"
            lost = f"{(r['accepted'] - r['delivered']) / request.samples:.0f}"
        print(f"| {s.name} | {fmt(r['req_per_s'], '{:.1f}')} | {fmt(r['cpu_util'])} | "
              f"{fmt(r['req_per_cpu_s'], '{:.1f}')} | {r['requests']} | {refused} | {lost} |")
        sys.stdout.flush()
    for a in res:
        for b in res:
            if a != b and b in ("otelcol", "proflow-base"):
                print(f"\nrequests per CPU-second, {a}/{b}: x{fmt(res[a]['req_per_cpu_s'] / res[b]['req_per_cpu_s'])}")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(SOURCE_DIR, "build-bench"))
    ap.add_argument("--otelcol", default=os.path.join(PEERS, "bin", "otelcol"))
    ap.add_argument("--baseline-proflow", help="another proflow binary to measure as proflow-base")
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--sizes", default="small,medium,large")
    ap.add_argument("--compressions", default="gzip,none")
    ap.add_argument("--rate-small", type=float, default=50)
    ap.add_argument("--rate-medium", type=float, default=50)
    ap.add_argument("--rate-large", type=float, default=2)
    ap.add_argument("--no-saturation", action="store_true")
    args = ap.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    harness.PROFLOW = os.path.join(build_dir, "proflow")
    tool = os.path.join(build_dir, "tests", "pprof_to_otlp")
    if args.baseline_proflow:
        args.baseline_proflow = os.path.abspath(args.baseline_proflow)
    for path in (harness.PROFLOW, tool, args.otelcol):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing (build proflow and pprof_to_otlp; scripts/install-test-peers.sh builds otelcol)")
    systems = [System("otelcol", [args.otelcol, "--feature-gates=service.profilesSupport"], otelcol_config),
               System("proflow", [harness.PROFLOW], proflow_config)]
    if args.baseline_proflow:
        systems.append(System("proflow-base", [args.baseline_proflow], proflow_config))

    signal.signal(signal.SIGTERM, op.on_signal)
    workdir = tempfile.mkdtemp(prefix="proflow-bench-vs-collector-")
    try:
        fx = op.pprof_fixtures()
        cpu = [p for p in fx if os.path.basename(p).startswith("cpu")]
        requests = {"small": op.Request("small", tool, fx, workdir),
                    "medium": op.Request("medium", tool, cpu * 6, workdir),
                    "large": op.Request("large", tool, fx * 39, workdir)}
        rates = {"small": args.rate_small, "medium": args.rate_medium, "large": args.rate_large}
        print(f"{len(systems)} systems: " + ", ".join(f"{s.name} = {s.argv_head[0]}" for s in systems))
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        for size in args.sizes.split(","):
            for comp in args.compressions.split(","):
                fixed_case(systems, requests[size], comp, rates[size], args.duration, args.repeats, workdir)
        if not args.no_saturation:
            saturation(systems, requests["medium"], "gzip", args.duration, workdir)
    except (op.Interrupted, KeyboardInterrupt) as e:
        sys.exit(f"interrupted ({e})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
