"""test_pprof_faults.py — the pprof scraper facing broken targets, with the real binary.

A healthy job scrapes the real Go target (fixtures/pprof/go/run-target.sh). A second job takes its
targets from a file_sd JSON file listing Python servers that each misbehave in one way: hang (never
answer), reset the connection, answer 500, answer 200 with garbage, answer 200 with a 200 MB body
(streamed, never held in memory), plus one good server; the good one and the 500 one later
disappear from the file. Then the file is replaced by one that does not parse.

Each fault must be handled: counted (scrape errors, last_error{reason}), logged once (one "is down"
line per target however often it fails), no crash (clean exit at the end); the 200 MB body is cut off
at body_size_limit during the download (the server sees the connection go away long before it sent
200 MB); the vanished targets stop being scraped and their series leave /metrics; the bad file is logged
once and the previous target list is kept. Throughout, the healthy Go target's scrape count keeps
increasing. Finally a config reload drops the faulty job: every series of it goes, the healthy
target's come back."""
import json
import os
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import FIXTURES, Proflow, free_port, metric, run_cases, start_go_target, wait_until  # noqa: E402

BIG = 200 << 20
LIMIT = 1 << 20
GOOD_BODY = open(os.path.join(FIXTURES, "pprof", "go", "goroutine.pb.gz"), "rb").read()


class FaultHandler(socketserver.BaseRequestHandler):
    def handle(self):
        srv = self.server
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        srv.hits += 1
        if srv.kind == "hang":
            srv.stop.wait(120)
        elif srv.kind == "reset":
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.request.close()  # linger 0: RST instead of FIN
        elif srv.kind == "500":
            self.request.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!")
        elif srv.kind == "garbage":
            body = bytes((i * 7919) % 251 for i in range(4096))
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n" + body)
        elif srv.kind == "good":
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(GOOD_BODY)
                                 + GOOD_BODY)
        elif srv.kind == "big":
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % BIG)
            chunk, sent = b"\0" * (1 << 20), 0
            try:
                while sent < BIG:
                    self.request.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            srv.sent.append(sent)


class FaultServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, kind, stop):
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.kind, self.stop, self.hits, self.sent = kind, stop, 0, []
        self.addr = f"127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


def write_atomically(path, text):
    tmp = path + ".tmp"  # does not match the *.json pattern
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


PER_TARGET_FAMILIES = {"proflow_receiver_pprof_up", "proflow_receiver_pprof_scrape_duration_seconds",
                       "proflow_receiver_pprof_scrape_bytes", "proflow_receiver_pprof_scrapes_total",
                       "proflow_receiver_pprof_scrape_errors_total", "proflow_receiver_pprof_scrapes_skipped_total"}
LAST_ERROR = "proflow_receiver_pprof_last_error"


def series_of(ms, instance):
    """Names of the metric families that have a series for the instance."""
    return {k.split("{")[0] for k in ms if f'instance="{instance}"' in k}


def metrics_or_none(fetch):
    """The metrics, or {} while the endpoint restarts during a reload."""
    try:
        return fetch()
    except (OSError, AssertionError):
        return {}



def main():
    stop = threading.Event()
    servers = {kind: FaultServer(kind, stop) for kind in ("hang", "reset", "500", "garbage", "big", "good")}
    pid, go_port = start_go_target("-cpu-workers", "1", "-duty", "0.2")
    tmp = tempfile.mkdtemp(prefix="pprof-faults-")
    sd_dir = os.path.join(tmp, "sd")
    os.makedirs(sd_dir)
    sd_file = os.path.join(sd_dir, "faulty.json")
    write_atomically(sd_file, json.dumps([{"targets": [s.addr for s in servers.values()], "labels": {"team": "chaos"}}]))
    metrics_port = free_port()
    faulty_job = f"""      - job_name: faulty
        scrape_interval: 2s
        scrape_timeout: 3s
        body_size_limit: {LIMIT}
        file_sd_configs:
          - files: ["{sd_dir}/*.json"]
        relabel_configs:
          - {{source_labels: [__meta_filepath], target_label: sd_file}}
        profiling_config:
          profile.process_cpu: {{enabled: false}}
          profile.memory: {{enabled: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
"""
    config = f"""
receivers:
  pprof:
    scrape_configs:
      - job_name: healthy
        scrape_interval: 2s
        scrape_timeout: 10s
        static_configs:
          - targets: ["127.0.0.1:{go_port}"]
        profiling_config:
          profile.process_cpu: {{enabled: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
{faulty_job}exporters:
  debug: {{}}
service:
  pipelines:
    profiles:
      receivers: [pprof]
      exporters: [debug]
  telemetry:
    metrics:
      address: 127.0.0.1:{metrics_port}
"""
    want_reason = {"hang": "timeout", "reset": "connection", "500": "http_status", "garbage": "bad_pprof",
                   "big": "body_size_limit"}
    try:
        with Proflow(config, wait_ports=[metrics_port]) as pf:
            def m():
                return pf.metrics(metrics_port)

            def healthy_scrapes(ms):
                return metric(ms, "proflow_receiver_pprof_scrapes_total", job="healthy", profile="goroutine")

            def scrapes(kind, ms):
                return metric(ms, "proflow_receiver_pprof_scrapes_total", job="faulty", instance=servers[kind].addr)

            # Every fault has happened at least twice.
            wait_until(lambda: all(scrapes(k, m()) >= 2 for k in want_reason) and servers["hang"].hits >= 2,
                     "two scrapes of every faulty target")
            ms = m()
            start_healthy = healthy_scrapes(ms)
            for kind, reason in want_reason.items():
                inst = servers[kind].addr
                assert metric(ms, "proflow_receiver_pprof_up", job="faulty", instance=inst) == 0, (kind, ms)
                assert metric(ms, "proflow_receiver_pprof_scrape_errors_total", job="faulty", instance=inst) >= 2, kind
                assert metric(ms, "proflow_receiver_pprof_last_error", job="faulty", instance=inst, reason=reason) == 1, \
                    (kind, {k: v for k, v in ms.items() if inst in k})
            assert metric(ms, "proflow_receiver_pprof_up", job="faulty", instance=servers["good"].addr) == 1, ms
            # The 200 MB body was cut off near body_size_limit, far from its end.
            assert servers["big"].sent and max(servers["big"].sent) < 32 * LIMIT, servers["big"].sent

            # The good server and the one answering 500 disappear from the file: they stop being scraped
            # and every series of theirs leaves /metrics (the 500 one had a last_error series too).
            vanished = ("good", "500")
            for kind in vanished:
                assert series_of(ms, servers[kind].addr) >= PER_TARGET_FAMILIES | ({LAST_ERROR} if kind == "500"
                                                                                   else set()), (kind, ms)
            listed = [k for k in want_reason if k not in vanished]
            write_atomically(sd_file, json.dumps([{"targets": [servers[k].addr for k in listed],
                                                   "labels": {"team": "chaos"}}]))
            wait_until(lambda: "(0 added, 2 removed)" in pf.logs(), "the removal of the vanished targets")
            gone_hits = {kind: servers[kind].hits for kind in vanished}
            ms = m()
            for kind in vanished:
                assert series_of(ms, servers[kind].addr) == set(), (kind, ms)
            for kind in listed:
                assert series_of(ms, servers[kind].addr) >= PER_TARGET_FAMILIES | {LAST_ERROR}, (kind, ms)

            # A file that does not parse: logged once, the previous targets stay.
            write_atomically(sd_file, "[{\"targets\": [\"oops\"")
            wait_until(lambda: metric(m(), "proflow_receiver_pprof_sd_file_errors_total", job="faulty") >= 1,
                     "the bad file to be read")
            write_atomically(sd_file, "[{\"targets\": [\"oops\"")  # the same error again
            wait_until(lambda: metric(m(), "proflow_receiver_pprof_sd_file_errors_total", job="faulty") >= 2,
                     "the bad file to be read again")
            before = {k: scrapes(k, m()) for k in listed}
            wait_until(lambda: all(scrapes(k, m()) > before[k] for k in listed), "scrapes with the previous list")
            wait_until(lambda: healthy_scrapes(m()) >= start_healthy + 3, "the healthy target to be scraped on")
            # At most a request already on its way when the file changed; none after it.
            for kind in vanished:
                assert servers[kind].hits <= gone_hits[kind] + 1, (kind, servers[kind].hits, gone_hits[kind])
            assert metric(m(), "proflow_receiver_pprof_up", job="healthy", profile="goroutine") == 1

            # A config reload without the faulty job: all of its series go, the job's file_sd ones too.
            with open(pf.config_path, "w") as f:
                f.write(config.replace(faulty_job, ""))
            pf.signal(signal.SIGHUP)
            wait_until(lambda: "configuration reloaded" in pf.logs(), "the reload")
            wait_until(lambda: healthy_scrapes(metrics_or_none(m)) >= 1, "the healthy target scraped after the reload")
            ms = m()
            assert not [k for k in ms if 'job="faulty"' in k], [k for k in ms if 'job="faulty"' in k]
            assert series_of(ms, f"127.0.0.1:{go_port}") >= PER_TARGET_FAMILIES, ms
        logs = open(pf.log_path).read()
        for kind in want_reason:
            downs = [line for line in logs.splitlines() if "is down" in line and servers[kind].addr in line]
            assert len(downs) == 1, (kind, downs)
        bad = [line for line in logs.splitlines() if "faulty.json" in line and "keeping its previous" in line]
        assert len(bad) == 1, bad
        print(f"ok: faults handled; big body cut at {max(servers['big'].sent)} bytes; healthy target scraped on")
    finally:
        stop.set()
        for s in servers.values():
            s.shutdown()
        subprocess.run(["kill", str(pid)])


if __name__ == "__main__":
    run_cases([("pprof faults", main)])
