#!/usr/bin/python3
"""listener_attacks.py — latency of a well-behaved client while the otlp receiver's HTTP port is
attacked, relative to the same client with no attack, measured in one run against one proflow.

The client sends valid OTLP/HTTP requests (protobuf, 3 samples) one after the other on a keep-alive
connection for --duration seconds and records each round trip. Attacks (each alone):
  slowloris    400 connections dribbling HTTP/1 header bytes (read_header_timeout 2s closes them,
               the attacker reconnects)
  idle         4000 idle keep-alive connections held open
  rapid_reset  HTTP/2 HEADERS+RST_STREAM in a loop, reconnecting after each GOAWAY
  big_headers  HTTP/1 requests with 60 KiB of headers (431) in a loop
Prints one row per case: requests, p50, p99, max (ms) and p99 as a ratio of the baseline's p99.
Not a test: machines are shared, figures are for tracking (docs/benchmarks.md).

Usage: bench/listener_attacks.py [--proflow build/proflow] [--duration 10]"""
import argparse
import http.client
import os
import socket
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration", "lib"))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def good_client(port, body, duration):
    lat = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    end = time.time() + duration
    while time.time() < end:
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/v1development/profiles", body, {"content-type": "application/x-protobuf"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"status {r.status}")
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        lat.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return lat


def attack_slowloris(port, stop):
    socks = []
    while not stop.is_set():
        while len(socks) < 400:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"POST /v1development/profiles HTTP/1.1\r\nHost: x\r\n")
                s.setblocking(False)
                socks.append(s)
            except OSError:
                break
        alive = []
        for s in socks:
            try:
                s.send(b"X")
                alive.append(s)
            except OSError:
                s.close()
        socks = alive
        stop.wait(0.2)
    for s in socks:
        s.close()


def attack_idle(port, stop):
    socks = []
    for _ in range(4000):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    stop.wait()
    for s in socks:
        s.close()


def attack_rapid_reset(port, stop):
    import h2raw
    while not stop.is_set():
        try:
            c = h2raw.H2Conn(port)
            for i in range(100000):
                if stop.is_set():
                    break
                sid = 1 + 2 * i
                c.send(h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, sid,
                                   h2raw.request_headers("/v1development/profiles")) +
                       h2raw.frame(h2raw.RST_STREAM, 0, sid, (h2raw.CANCEL).to_bytes(4, "big")))
        except OSError:
            pass
        finally:
            try:
                c.close()
            except NameError:
                pass


def attack_big_headers(port, stop):
    req = b"POST /v1development/profiles HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 60000 + b"\r\n\r\n"
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(req)
            s.recv(4096)
            s.close()
        except OSError:
            pass


ATTACKS = {"slowloris": attack_slowloris, "idle": attack_idle, "rapid_reset": attack_rapid_reset,
           "big_headers": attack_big_headers}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proflow", default=os.path.join(HERE, "..", "build", "proflow"))
    ap.add_argument("--duration", type=float, default=10)
    args = ap.parse_args()
    os.environ["PROFLOW_BIN"] = os.path.abspath(args.proflow)
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    from harness import Proflow, free_port
    from otlp_client import make_request
    body = make_request().SerializeToString()
    hport, mport = free_port(), free_port()
    config = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{hport}
        read_header_timeout: 2s
        max_request_header_size: 16KiB
        max_stream_resets_per_second: 100
exporters:
  debug:
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [debug]
  telemetry:
    metrics:
      address: 127.0.0.1:{mport}
"""
    rows = []
    with Proflow(config, wait_ports=[hport, mport], workdir=tempfile.mkdtemp(prefix="bench-attacks-")):
        base = good_client(hport, body, args.duration)
        rows.append(("none (baseline)", base))
        for name, fn in ATTACKS.items():
            stop = threading.Event()
            t = threading.Thread(target=fn, args=(hport, stop), daemon=True)
            t.start()
            time.sleep(1)
            lat = good_client(hport, body, args.duration)
            stop.set()
            t.join(timeout=30)
            rows.append((name, lat))
            time.sleep(3)
    base_p99 = percentile(base, 99)
    print(f"{'attack':<18}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'p99 ratio':>11}")
    for name, lat in rows:
        print(f"{name:<18}{len(lat):>9}{statistics.median(lat):>9.2f}{percentile(lat, 99):>9.2f}{max(lat):>9.2f}"
              f"{percentile(lat, 99) / base_p99:>10.2f}x")


if __name__ == "__main__":
    main()
