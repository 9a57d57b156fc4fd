"""otlp_passthrough.py — issue 3's benchmark: what the otlp receiver -> otlphttp exporter path costs
compared with a null pipeline (otlp receiver -> debug exporter that discards), measured back to back.

Run it through bench/otlp_passthrough.sh, which builds proflow and pprof_to_otlp first.

Requests are real profiles: every pprof fixture of tests/fixtures/pprof/{go,node} converted to one OTLP
ExportProfilesServiceRequest by tests/pprof_to_otlp (the "small" request, ~58 KB), and the same set
repeated REPEAT_LARGE times in one request (the "large" one, ~500 KB); "medium" is the CPU fixtures (go cpu,
cpu-2, node cpu) 6 times (~106 KB) and "1mb" every fixture 39 times (~1 MB), the two requests of issue 11. h2load sends them over gRPC (h2c,
pre-framed body) and over HTTP/1.1 keep-alive connections.

  null:  h2load -> proflow [otlp -> debug(basic), logs at warn]
  full:  h2load -> proflow [otlp -> otlphttp] -> sink proflow [otlp -> debug(basic)]

For each transport and size, four phases of DURATION seconds, each with fresh processes:
  saturation null / full   h2load as fast as it can (closed loop); profiles/s and MB/s are what reached
                           the discarding debug exporter (of the sink in full) during the phase.
  fixed rate null / full   h2load at FIXED_FRACTION of the full pipeline's saturation rate, so neither
                           configuration refuses anything: CPU s/GB and the latency percentiles
                           (h2load --log-file) compare the same offered load.
CPU is utime+stime of the proflow under test (/proc/<pid>/stat; the sink is reported apart), peak
RSS is its VmHWM. Ratios full/null are the figures we track."""
import argparse
import gzip
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration", "lib"))
import harness  # noqa: E402  (start/stop proflow, free ports, /metrics parsing: shared with the tests)

GRPC_PATH = "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"
HTTP_PATH = "/v1development/profiles"
REPEAT_LARGE = 19          # 19 copies of the fixture set make a ~500 KB request
# The exporter's queue holds decoded batches; the default 1000 requests would take ~0.7 GB at 58 KB per
# request and several GB at 500 KB, so saturation would measure queue growth instead of throughput.
QUEUE_SIZE = 50
CLK_TCK = os.sysconf("SC_CLK_TCK")

# h2load settings per transport: gRPC multiplexes streams on few connections, HTTP/1.1 needs one
# connection per request in flight.
LOAD = {
    "grpc": {"clients": 2, "streams": 8},
    "http": {"clients": 8, "streams": 1},
}


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


def pprof_fixtures():
    fixtures = os.environ.get("PROFLOW_FIXTURES", os.path.join(SOURCE_DIR, "tests", "fixtures"))
    paths = []
    for runtime in ("go", "node"):
        d = os.path.join(fixtures, "pprof", runtime)
        paths += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".pb.gz"))
    return paths


class Request:
    """One serialized ExportProfilesServiceRequest on disk, raw (HTTP) and gRPC-framed."""

    def __init__(self, name, tool, fixtures, workdir, gzip_level=0):
        """gzip_level > 0: the bodies sent are gzipped at that level (Content-Encoding / grpc-encoding
        gzip), as OTLP clients send them by default."""
        self.name = name
        self.gzip = gzip_level > 0
        self.raw_path = os.path.join(workdir, f"{name}.binpb")
        out = subprocess.run([tool, self.raw_path, *fixtures], capture_output=True, text=True, check=True)
        fields = dict(kv.split("=") for kv in out.stdout.split())
        self.profiles = int(fields["profiles"])
        self.samples = int(fields["samples"])
        with open(self.raw_path, "rb") as f:
            body = f.read()
        self.bytes = len(body)
        if self.gzip:
            body = gzip.compress(body, compresslevel=gzip_level, mtime=0)
            self.raw_path += ".gz"
            with open(self.raw_path, "wb") as f:
                f.write(body)
        self.grpc_path = self.raw_path + ".grpc"
        with open(self.grpc_path, "wb") as f:
            f.write((b"\1" if self.gzip else b"\0") + struct.pack(">I", len(body)) + body)


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime, stime: fields 14 and 15 of stat


def proc_peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def proflow_config(grpc_port, http_port, exporter, metrics_port):
    """exporter: (id, inline YAML body). One pipeline: otlp receiver -> that exporter."""
    exporter_id, exporter_body = exporter
    protocols = ""
    if grpc_port:
        protocols += f"      grpc: {{endpoint: 127.0.0.1:{grpc_port}}}\n"
    if http_port:
        protocols += f"      http: {{endpoint: 127.0.0.1:{http_port}}}\n"
    return (f"receivers:\n  otlp:\n    protocols:\n{protocols}"
            f"exporters:\n  {exporter_id}: {exporter_body}\n"
            f"service:\n  pipelines:\n    profiles: {{receivers: [otlp], exporters: [{exporter_id}]}}\n"
            f"  telemetry:\n    metrics: {{address: 127.0.0.1:{metrics_port}}}\n    logs: {{level: warn}}\n")


DISCARD = ("debug", "{verbosity: basic}")   # logs at info, below the configured warn: discards


class Pipeline:
    """The proflow under test (and, for `full`, its sink), started fresh for one phase."""

    def __init__(self, kind, workdir):
        free_port = harness.free_port
        self.grpc_port, self.http_port, self.metrics_port = free_port(), free_port(), free_port()
        self.front = self.sink = None
        self.sink_metrics_port = None
        exporter = DISCARD
        try:
            if kind == "full":
                sink_http, self.sink_metrics_port = free_port(), free_port()
                self.sink = harness.Proflow(proflow_config(None, sink_http, DISCARD, self.sink_metrics_port),
                                            wait_ports=(sink_http, self.sink_metrics_port),
                                            workdir=tempfile.mkdtemp(prefix="sink-", dir=workdir))
                exporter = ("otlphttp", f"{{endpoint: \"http://127.0.0.1:{sink_http}\", "
                                        f"sending_queue: {{queue_size: {QUEUE_SIZE}}}}}")
            self.front = harness.Proflow(proflow_config(self.grpc_port, self.http_port, exporter, self.metrics_port),
                                         wait_ports=(self.grpc_port, self.http_port, self.metrics_port),
                                         workdir=tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir))
        except BaseException:
            self.kill()
            raise

    def delivered_samples(self):
        """Samples that reached the discarding debug exporter at the end of the chain."""
        if self.sink:
            return harness.metric(self.sink.metrics(self.sink_metrics_port), "otelcol_exporter_sent_profile_samples")
        return harness.metric(self.front.metrics(self.metrics_port), "otelcol_exporter_sent_profile_samples")

    def refused_samples(self):
        return harness.metric(self.front.metrics(self.metrics_port), "otelcol_receiver_refused_profile_samples")

    def stop(self):
        for p in (self.front, self.sink):
            if p:
                p.stop()

    def kill(self):
        for p in (self.front, self.sink):
            if p and p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()


def h2load_command(transport, request, pipeline, duration, rate, log_path):
    load = LOAD[transport]
    cmd = ["h2load", "-t", "1", "-c", str(load["clients"]), "-m", str(load["streams"]), "-D", str(duration),
           f"--log-file={log_path}"]
    if rate:
        cmd.append(f"--rps={rate / load['clients']:.3f}")
    if transport == "grpc":
        cmd += ["-d", request.grpc_path, "-H", "content-type: application/grpc", "-H", "te: trailers"]
        if request.gzip:
            cmd += ["-H", "grpc-encoding: gzip"]
        cmd.append(f"http://127.0.0.1:{pipeline.grpc_port}{GRPC_PATH}")
    else:
        cmd += ["--h1", "-d", request.raw_path, "-H", "content-type: application/x-protobuf"]
        if request.gzip:
            cmd += ["-H", "content-encoding: gzip"]
        cmd.append(f"http://127.0.0.1:{pipeline.http_port}{HTTP_PATH}")
    return cmd


def latency_percentiles_ms(log_path):
    """p50 and p99 of h2load's per-request "microseconds until end of response" column."""
    with open(log_path) as f:
        values = sorted(int(line.split("\t")[2]) for line in f if line.strip())
    if not values:
        return float("nan"), float("nan")

    def rank(p):
        return values[max(0, math.ceil(p * len(values)) - 1)] / 1000.0
    return rank(0.50), rank(0.99)


def run_phase(kind, transport, request, duration, rate, workdir):
    """Runs one phase; returns its figures."""
    pipeline = Pipeline(kind, workdir)
    try:
        # h2load appends to an existing log file: one file per phase.
        log_path = os.path.join(workdir, f"h2load-{kind}-{transport}-{request.name}-{rate or 'saturation'}.tsv")
        cmd = h2load_command(transport, request, pipeline, duration, rate, log_path)
        pid = pipeline.front.proc.pid
        sink_pid = pipeline.sink.proc.pid if pipeline.sink else None
        cpu0 = proc_cpu_seconds(pid)
        sink_cpu0 = proc_cpu_seconds(sink_pid) if sink_pid else 0.0
        delivered0 = pipeline.delivered_samples()
        started = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
        elapsed = time.monotonic() - started
        if out.returncode != 0:
            raise RuntimeError(f"h2load exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
        cpu = proc_cpu_seconds(pid) - cpu0
        sink_cpu = proc_cpu_seconds(sink_pid) - sink_cpu0 if sink_pid else float("nan")
        delivered_requests = (pipeline.delivered_samples() - delivered0) / request.samples
        refused_requests = pipeline.refused_samples() / request.samples
        peak_rss = proc_peak_rss_mb(pid)
        sink_rss = proc_peak_rss_mb(sink_pid) if sink_pid else float("nan")
        p50, p99 = latency_percentiles_ms(log_path)
        pipeline.stop()
    except BaseException:
        pipeline.kill()
        raise
    delivered_gb = delivered_requests * request.bytes / 1e9
    return {
        "requests_per_s": delivered_requests / elapsed,
        "profiles_per_s": delivered_requests * request.profiles / elapsed,
        "mb_per_s": delivered_requests * request.bytes / 1e6 / elapsed,
        "cpu_s_per_gb": cpu / delivered_gb if delivered_gb else float("nan"),
        "cpu_util": cpu / elapsed,
        "peak_rss_mb": peak_rss,
        "p50_ms": p50,
        "p99_ms": p99,
        "refused_pct": 100.0 * refused_requests / (refused_requests + delivered_requests)
        if refused_requests + delivered_requests else 0.0,
        "sink_cpu_util": sink_cpu / elapsed,
        "sink_rss_mb": sink_rss,
    }


COLUMNS = [("profiles/s", "profiles_per_s", "{:.0f}"), ("MB/s", "mb_per_s", "{:.1f}"),
           ("CPU s/GB", "cpu_s_per_gb", "{:.1f}"), ("CPU util", "cpu_util", "{:.2f}"),
           ("peak RSS MB", "peak_rss_mb", "{:.1f}"), ("p50 ms", "p50_ms", "{:.2f}"),
           ("p99 ms", "p99_ms", "{:.2f}"), ("refused %", "refused_pct", "{:.1f}")]


def fmt(template, value):
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else template.format(value)


def print_table(title, rows):
    """rows: (phase label, pipeline label, figures or ratios)."""
    print(f"\n#### {title}\n")
    print("| phase | pipeline | " + " | ".join(c[0] for c in COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for phase, label, figures in rows:
        cells = []
        for _, key, template in COLUMNS:
            value = figures.get(key)
            cells.append(("x" + fmt("{:.2f}", value)) if label == "full/null" and value is not None
                         and key != "refused_pct" else fmt(template, value))
        print(f"| {phase} | {label} | " + " | ".join(cells) + " |")
    sys.stdout.flush()


def ratios(full, null):
    out = {}
    for _, key, _ in COLUMNS:
        if key == "refused_pct":
            continue
        a, b = full[key], null[key]
        out[key] = a / b if b and not (math.isnan(a) or math.isnan(b)) else float("nan")
    return out


def bench_case(transport, request, duration, fixed_fraction, workdir):
    sat_null = run_phase("null", transport, request, duration, None, workdir)
    sat_full = run_phase("full", transport, request, duration, None, workdir)
    rate = max(1.0, fixed_fraction * sat_full["requests_per_s"])
    fix_null = run_phase("null", transport, request, duration, rate, workdir)
    fix_full = run_phase("full", transport, request, duration, rate, workdir)
    fixed = f"fixed {rate:.0f} req/s"
    print_table(f"{transport}, {request.name} request ({request.bytes / 1000:.0f} KB, {request.profiles} profiles, "
                f"{request.samples} samples)",
                [("saturation", "null", sat_null), ("saturation", "full", sat_full),
                 ("saturation", "full/null", ratios(sat_full, sat_null)),
                 (fixed, "null", fix_null), (fixed, "full", fix_full),
                 (fixed, "full/null", ratios(fix_full, fix_null))])
    print(f"\nsink proflow (not counted above): CPU util {fmt('{:.2f}', sat_full['sink_cpu_util'])} at saturation, "
          f"{fmt('{:.2f}', fix_full['sink_cpu_util'])} at the fixed rate; "
          f"peak RSS {fmt('{:.1f}', max(sat_full['sink_rss_mb'], fix_full['sink_rss_mb']))} MB")
    print(f"p99 added latency at {rate:.0f} req/s: {fix_full['p99_ms'] - fix_null['p99_ms']:+.2f} ms")


def main():
    parser = argparse.ArgumentParser(description="otlp receiver -> otlphttp exporter vs the null pipeline, "
                                                 "over gRPC and HTTP/1.1 with h2load")
    parser.add_argument("--build-dir", default=os.path.join(SOURCE_DIR, "build-bench"))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("DURATION", "10")),
                        help="seconds per phase (four phases per transport and size)")
    parser.add_argument("--fixed-fraction", type=float, default=0.5,
                        help="fixed-rate phases offer this fraction of the full pipeline's saturation rate")
    parser.add_argument("--transports", default="grpc,http")
    parser.add_argument("--sizes", default="small,large", help="small, large, medium, 1mb")
    parser.add_argument("--gzip-requests", type=int, default=0, metavar="LEVEL",
                        help="send the requests gzipped at this level (0: uncompressed); MB figures stay "
                             "uncompressed request bytes")
    args = parser.parse_args()

    args.build_dir = os.path.abspath(args.build_dir)  # processes run in their own directories
    harness.PROFLOW = os.path.join(args.build_dir, "proflow")
    tool = os.path.join(args.build_dir, "tests", "pprof_to_otlp")
    for path in (harness.PROFLOW, tool):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: run bench/otlp_passthrough.sh (it builds what this needs)")
    if not shutil.which("h2load"):
        sys.exit("h2load is missing: run scripts/install-deps.sh (package nghttp2-client)")

    signal.signal(signal.SIGTERM, on_signal)
    workdir = tempfile.mkdtemp(prefix="proflow-bench-otlp-")
    try:
        fixtures = pprof_fixtures()
        cpu = [p for p in fixtures if os.path.basename(p).startswith("cpu")]
        lvl = args.gzip_requests
        requests = {"small": Request("small", tool, fixtures, workdir, lvl),
                    "large": Request("large", tool, fixtures * REPEAT_LARGE, workdir, lvl),
                    # issue 11's two requests: ~100 KB of CPU profiles and ~1 MB
                    "medium": Request("medium", tool, cpu * 6, workdir, lvl),
                    "1mb": Request("1mb", tool, fixtures * 39, workdir, lvl)}
        print(f"proflow {harness.PROFLOW}, {args.duration} s per phase, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.2f}")
        for transport in args.transports.split(","):
            for size in args.sizes.split(","):
                bench_case(transport, requests[size], args.duration, args.fixed_fraction, workdir)
    except (Interrupted, KeyboardInterrupt) as e:
        sys.exit(f"interrupted ({e})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
