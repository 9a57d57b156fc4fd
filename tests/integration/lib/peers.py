"""peers.py — the real peers installed by scripts/install-test-peers.sh (not a test itself).

- VERSIONS: tests/peers/versions as a dict; PEERS: where the install script put the peers.
- require(*names): the path of each installed peer, or SystemExit naming the install script.
- RecordingProxy: an HTTP/1.1 proxy in front of proflow that keeps every request an SDK sends
  (method, target, headers, body) and the status proflow answered, so a test can decode exactly
  what the SDK sent, independently of proflow.
- BodySink: an HTTP server that answers 200 to every POST and keeps the bodies (what a Collector's
  otlphttp exporter sends).
- Collector: the OpenTelemetry Collector built from tests/peers/otelcol, run with a YAML config and
  the profiles feature gate."""
import gzip
import http.client
import http.server
import os
import subprocess
import tempfile
import threading
import time

from harness import SOURCE_DIR, wait_port

PEERS = os.environ.get("PROFLOW_PEERS_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "proflow-peers")


def _versions():
    out = {}
    with open(os.path.join(SOURCE_DIR, "tests", "peers", "versions")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, _, v = line.partition("=")
                out[k] = v
    return out


VERSIONS = _versions()
PATHS = {
    "otelcol": os.path.join(PEERS, "bin", "otelcol"),
    "pyroscope-go": os.path.join(PEERS, "bin", "pyroscope-go-workload"),
    "python": os.path.join(PEERS, "py", "bin", "python"),
    "java-agent": os.path.join(PEERS, "pyroscope-agent.jar"),
    "java-workload": os.path.join(PEERS, "java", "Workload.class"),
}


def require(*names):
    missing = [n for n in names if not os.path.exists(PATHS[n])]
    if missing:
        raise SystemExit(f"peers not installed ({', '.join(missing)}): run scripts/install-test-peers.sh")
    return [PATHS[n] for n in names]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class RecordingProxy:
    """Forwards every request to 127.0.0.1:upstream_port and records it. `records` is a list of dicts:
    method, target, headers (lower-case names), body, status (what upstream answered)."""

    def __init__(self, upstream_port):
        self.records = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self):
                if self.headers.get("transfer-encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("content-length", "0")))

            def do_POST(self):
                body = self._body()
                headers = {k.lower(): v for k, v in self.headers.items()}
                fwd = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("transfer-encoding", "content-length", "connection", "host")}
                fwd["content-length"] = str(len(body))
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=fwd)
                    r = conn.getresponse()
                    status, rbody, rtype = r.status, r.read(), r.getheader("content-type", "text/plain")
                except OSError as e:
                    status, rbody, rtype = 502, str(e).encode(), "text/plain"
                finally:
                    conn.close()
                with proxy.lock:
                    proxy.records.append({"method": self.command, "target": self.path, "headers": headers,
                                          "body": body, "status": status, "answer": rbody})
                self.send_response(status)
                self.send_header("content-type", rtype)
                self.send_header("content-length", str(len(rbody)))
                self.end_headers()
                self.wfile.write(rbody)

            do_PUT = do_POST

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class BodySink:
    """Answers 200 (an empty protobuf ExportProfilesServiceResponse) to every POST; keeps
    (path, headers, body) in `requests`, the body gunzipped when it came gzip-encoded."""

    def __init__(self, port):
        self.requests = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if self.headers.get("content-encoding", "").lower() == "gzip":
                    body = gzip.decompress(body)
                sink.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = _Server(("127.0.0.1", port), Handler)
        self.port = port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Collector:
    """The OpenTelemetry Collector from tests/peers/otelcol with `config_yaml`, profiles enabled.
    wait_ports: ports to wait for (its receivers). stop() ends it with SIGTERM (it drains)."""

    def __init__(self, config_yaml, wait_ports=()):
        (binary,) = require("otelcol")
        self.dir = tempfile.mkdtemp(prefix="otelcol-test-")
        path = os.path.join(self.dir, "config.yaml")
        with open(path, "w") as f:
            f.write(config_yaml)
        self.log_path = os.path.join(self.dir, "otelcol.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "--config", path, "--feature-gates=service.profilesSupport"],
                                     cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT)
        for p in wait_ports:
            if not wait_port(p, timeout=60, alive=lambda: self.proc.poll() is None):
                self.kill()
                raise AssertionError(f"the Collector did not listen on {p}:\n{self.logs()}")

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the Collector did not exit after SIGTERM:\n{self.logs()}")
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        else:
            self.kill()
            print(self.logs())
        return False


def wait_for(cond, what, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
