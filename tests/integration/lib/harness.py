"""harness.py — shared helpers for integration tests that run the real proflow binary.

Start proflow with a config (as a string), wait for its ports, scrape its /metrics, stop it with
SIGTERM and check it exits 0 (under the sanitizer build a leak makes the exit code non-zero).
Ports are picked free at random so tests can run in parallel."""
import os
import random
import re
import signal
import socket
import subprocess
import tempfile
import sys
import time
import unittest
import urllib.request

PROFLOW = os.environ.get("PROFLOW_BIN", "build/proflow")
FIXTURES = os.environ.get("PROFLOW_FIXTURES", "tests/fixtures")
SOURCE_DIR = os.environ.get("PROFLOW_SOURCE_DIR", ".")


_ports_given = set()


def free_port():
    """A port nothing listens on, chosen below the kernel's ephemeral range (32768-60999 here).
    Ports from bind(0) are ephemeral: while a test leaves one unused (say, a backend that starts
    late), outgoing connections of parallel tests can take it, and a client retrying against it
    can even connect to itself (TCP simultaneous open)."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        if port in _ports_given:  # two picks before either is bound must still differ
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _ports_given.add(port)
            return port
    raise RuntimeError("no free port in 20000-32000")


def wait_port(port, timeout=20.0, alive=lambda: True):
    """True once something accepts on port; False after timeout or as soon as alive() is false."""
    deadline = time.time() + timeout
    while time.time() < deadline and alive():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def wait_until(cond, what, timeout=60.0, interval=0.1):
    """Polls cond() until it is true; fails naming `what` after timeout seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def http_get(url, timeout=5.0):
    """Returns (status, body bytes) without raising on HTTP errors."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def parse_metrics(text):
    """Prometheus text → {'name{labels}': value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        out[key] = float(value)
    return out


def metric(metrics, name, **labels):
    """Sum of every series of `name` whose labels include `labels`."""
    total = 0.0
    for key, value in metrics.items():
        m = re.match(r"^([^{]+)(?:\{(.*)\})?$", key)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += value
    return total


class Proflow:
    """A running proflow process. Use as a context manager; stop() asserts a clean exit."""

    def __init__(self, config_yaml, extra_args=(), wait_ports=(), env=None, workdir=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="proflow-test-")
        self.config_path = os.path.join(self.dir, "config.yaml")
        with open(self.config_path, "w") as f:
            f.write(config_yaml)
        self.log_path = os.path.join(self.dir, "proflow.log")
        self.log = open(self.log_path, "w")
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([PROFLOW, "--config", self.config_path, *extra_args], cwd=self.dir,
                                     stdout=self.log, stderr=subprocess.STDOUT, env=e)
        for p in wait_ports:
            if not wait_port(p, alive=lambda: self.proc.poll() is None):
                if self.proc.poll() is None:
                    self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"proflow did not listen on {p}:\n{self.logs()}")

    def logs(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def metrics(self, port):
        status, body = http_get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200, status
        return parse_metrics(body.decode())

    def wait_metrics(self, port, predicate, timeout=60.0):
        """The first /metrics snapshot for which predicate(metrics) is true."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.metrics(port)
            if predicate(m):
                return m
            time.sleep(0.1)
        raise AssertionError(f"metrics never matched; last: {self.metrics(port)}\n{self.logs()}")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"proflow did not exit within {timeout}s after SIGTERM:\n{self.logs()}")
        self.log.close()
        assert rc == 0, f"proflow exited {rc}:\n{self.logs()}"
        return rc

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        elif self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            print(self.logs())
        return False


def start_go_target(*flags, env=None):
    """Starts the real Go net/http/pprof target (tests/fixtures/pprof/go/run-target.sh, on a free port)
    with its workload flags; returns (pid, port). The caller kills pid."""
    out = subprocess.run(["bash", os.path.join(FIXTURES, "pprof", "go", "run-target.sh"), "0", *flags], check=True,
                         capture_output=True, text=True, timeout=120, env=dict(os.environ, **(env or {})))
    pid, port = out.stdout.split()
    return int(pid), int(port)


def run_cli(*args, cwd=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([PROFLOW, *args], capture_output=True, text=True, cwd=cwd, env=e, timeout=60)


def run_cases(cases):
    """The one runner of the integration tests: runs [(description, fn)] as unittest test methods, one
    per case (a case fails by raising AssertionError), and exits non-zero when any failed. Tests that
    are unittest.TestCase classes already call unittest.main() themselves."""
    class Cases(unittest.TestCase):
        pass

    for i, (description, fn) in enumerate(cases):
        def method(self, fn=fn):
            fn()
        method.__doc__ = description
        setattr(Cases, f"test_{i:02d}_" + re.sub(r"\W+", "_", description).strip("_").lower(), method)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Cases)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)
