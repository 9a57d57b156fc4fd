"""test_flamegraph_page.py — the flamegraph extension's page in a real browser (headless Chromium),
fed by a real Go net/http/pprof target scraped by the pprof receiver and the real @pyroscope/nodejs SDK
pushing to the pyroscope receiver, both into a `flamegraph` exporter. The Go target's CPU profiles are
also written as pprof files (file exporter) and read with `go tool pprof`, the independent decoder.

The Go target (tests/fixtures/flamegraph/hot_target.go) always runs main.steadyWork; main.hotWork is
switched on at a minute boundary, so window A (minute M) has no hotWork and window B (minute M+1) has
plenty. Checks, through the DOM Chromium dumps after the page rendered (`--dump-dom` with a virtual
time budget so the page's fetches complete):
  - the service list shows the Go target's service and the Node SDK's;
  - for window B, the flame graph's root total equals the API's total, and both equal the sum of
    cpu/nanoseconds over the pprof files whose Time falls in B (`go tool pprof -raw`);
  - the page's top functions (self) equal `go tool pprof -top -unit=ns` over the same files: the same
    first function and the same flat value for each of pprof's top five;
  - the diff view (B against A) marks main.hotWork as grown, also in the /api/v1/diff JSON;
  - /api/v1/flamegraph?format=collapsed sums to the same total; bad requests get 400 naming the field.
A screenshot goes to <build>/test-artifacts/flamegraph.png (not committed)."""
import calendar
import glob
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import FIXTURES, Proflow, free_port, metric, run_cases, wait_until  # noqa: E402

SOURCE_DIR = os.environ.get("PROFLOW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("PROFLOW_BUILD_DIR", tempfile.gettempdir())
NODE_DIR = os.path.join(SOURCE_DIR, "tests", "node")
CPU_TYPE = "process_cpu:cpu:nanoseconds"
GO_SERVICE = "flame-go"


def start_go_target(tmp):
    src = os.path.join(FIXTURES, "flamegraph", "hot_target.go")
    shutil.copy(src, os.path.join(tmp, "hot_target.go"))
    env = dict(os.environ, GO111MODULE="off", GOFLAGS="", CGO_ENABLED="0", GOTOOLCHAIN="local")
    if not os.access(os.environ.get("HOME", "/nonexistent"), os.W_OK):
        env["GOCACHE"] = os.path.join(tempfile.gettempdir(), "pprof-target-gocache")
    subprocess.run(["go", "build", "-o", "hot_target", "hot_target.go"], cwd=tmp, env=env, check=True, timeout=300)
    proc = subprocess.Popen([os.path.join(tmp, "hot_target")], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.match(r"LISTENING 127\.0\.0\.1:(\d+)", line)
    assert m, line
    return proc, int(m.group(1))


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def get_json(url):
    status, body = get(url)
    return status, json.loads(body)


def chromium(args, url):
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                               "--hide-scrollbars", f"--user-data-dir={profile}", "--virtual-time-budget=6000",
                               *args, url], check=True, capture_output=True, text=True, timeout=120).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Dom(html.parser.HTMLParser):
    """Elements of interest from a dumped DOM: frames (svg g.frame), top rows, service rows."""

    def __init__(self, text):
        super().__init__()
        self.frames, self.top, self.services, self.ready = [], [], [], False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "g" and "frame" in cls.split():
            self.frames.append(a)
        elif tag == "tr" and "data-flat" in a:
            self.top.append((a["data-name"], int(a["data-flat"])))
        elif tag == "tr" and "data-service" in a:
            self.services.append((a["data-service"], a["data-type"]))
        elif tag == "body" and a.get("data-ready") == "1":
            self.ready = True


def page_dom(url):
    """The DOM once the page has rendered (the body gets data-ready="1"); retried if the budget was short."""
    for _ in range(3):
        dom = Dom(chromium(["--dump-dom"], url))
        if dom.ready and dom.frames:
            return dom
    raise AssertionError(f"the page never rendered a flame graph: {url}")


_parsed = {}


def cpu_files(out_dir):
    """{path: (time in unix ns, cpu nanoseconds)} of the written CPU pprof files, via go tool pprof -raw.
    Each file is read once; one still being written does not parse yet (its gzip stream is incomplete)
    and is read on a later call."""
    result = {}
    for path in sorted(glob.glob(os.path.join(out_dir, "*process_cpu.pb.gz"))):
        if path in _parsed:
            result[path] = _parsed[path]
            continue
        done = subprocess.run(["go", "tool", "pprof", "-raw", path], capture_output=True, text=True)
        if done.returncode != 0:
            continue
        raw = done.stdout
        m = re.search(r"^Time: (\d+-\d+-\d+ \d+:\d+:\d+)(?:\.(\d+))? \+0000 UTC$", raw, re.M)
        whole = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
        ns = int(whole) * 10**9 + int((m.group(2) or "0").ljust(9, "0"))
        lines = raw.splitlines()
        i = lines.index("Samples:")
        types = lines[i + 1].split()
        col = [t.replace("[dflt]", "") for t in types].index("cpu/nanoseconds")
        total = 0
        for line in lines[i + 2:]:
            if line in ("Locations", "Mappings"):
                break
            mm = re.match(r"^\s*([-\d ]+):", line)
            if mm:
                total += int(mm.group(1).split()[col])
        result[path] = _parsed[path] = (ns, total)
    return result


def pprof_top(paths):
    """[(name, flat ns)] from `go tool pprof -top -unit=ns` over the files, merged."""
    out = subprocess.run(["go", "tool", "pprof", "-top", "-unit=ns", "-nodecount=10", *paths], check=True,
                         capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"^\s*(\d+)ns\s+[\d.]+%\s+[\d.]+%\s+\d+ns\s+[\d.]+%\s+(.+)$", line)
        if m:
            rows.append((m.group(2).strip(), int(m.group(1))))
    return rows


def main():
    tmp = tempfile.mkdtemp(prefix="flamegraph-page-")
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir)
    artifacts = os.path.join(BUILD_DIR, "test-artifacts")
    os.makedirs(artifacts, exist_ok=True)
    target, port = start_go_target(tmp)
    mport, fport, pport = free_port(), free_port(), free_port()
    config = f"""
receivers:
  pprof:
    scrape_configs:
      - job_name: flame
        scrape_interval: 2s
        scrape_timeout: 10s
        static_configs:
          - targets: ["127.0.0.1:{port}"]
            labels: {{service_name: {GO_SERVICE}}}
        profiling_config:
          profile.memory: {{enabled: false}}
          profile.goroutine: {{enabled: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
  pyroscope:
    endpoint: 127.0.0.1:{pport}
exporters:
  file:
    path: {out_dir}
    format: pprof
  flamegraph:
    retention: 10m
extensions:
  flamegraph:
    endpoint: 127.0.0.1:{fport}
service:
  extensions: [flamegraph]
  pipelines:
    profiles/go:
      receivers: [pprof]
      exporters: [file, flamegraph]
    profiles/sdk:
      receivers: [pyroscope]
      exporters: [flamegraph]
  telemetry:
    metrics:
      address: 127.0.0.1:{mport}
"""
    api = f"http://127.0.0.1:{fport}"
    node = None
    try:
        with Proflow(config, wait_ports=[mport, fport, pport]) as pf:
            record = os.path.join(tmp, "sdk")
            os.makedirs(record)
            node = subprocess.Popen(["node", "push_to_proflow.js", f"http://127.0.0.1:{pport}", "240", record],
                                    cwd=NODE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Window A is the current minute if enough of it is left, else the next one.
            now = time.time()
            a = int(now // 60) + (1 if 60 - now % 60 < 15 else 0)
            b = a + 1
            wait_until(lambda: time.time() >= b * 60, "minute B", timeout=100, interval=0.2)
            assert get(f"http://127.0.0.1:{port}/hot?on=1")[0] == 200
            # Every scrape that starts in B has ended (1 s profiles every 2 s) and was delivered.
            wait_until(lambda: any(ns >= (b + 1) * 60 * 10**9 for ns, _ in cpu_files(out_dir).values()),
                       "a CPU profile after minute B", timeout=150, interval=1)
            get(f"http://127.0.0.1:{port}/hot?on=0")

            files = cpu_files(out_dir)
            in_b = [p for p, (ns, _) in files.items() if b * 60 * 10**9 <= ns < (b + 1) * 60 * 10**9]
            want_total = sum(files[p][1] for p in in_b)
            assert len(in_b) >= 20 and want_total > 0, (len(in_b), want_total)

            # The JSON API.
            q = f"service={GO_SERVICE}&type={CPU_TYPE}&from={b * 60}&until={(b + 1) * 60}"
            st, fg = get_json(f"{api}/api/v1/flamegraph?{q}")
            assert st == 200, fg
            assert fg["total"] == fg["flamegraph"]["value"] == want_total, (fg["total"], want_total)
            st, collapsed = get(f"{api}/api/v1/flamegraph?{q}&format=collapsed")
            assert st == 200 and sum(int(line.rsplit(" ", 1)[1]) for line in collapsed.decode().splitlines()) == want_total
            st, services = get_json(f"{api}/api/v1/services")
            names = {s["name"] for s in services["services"]}
            assert GO_SERVICE in names and any("sdk-app" in n for n in names), names

            # The page: service list, root total, top functions.
            dom = page_dom(f"{api}/#service={GO_SERVICE}&type={CPU_TYPE}&from={b * 60}&until={(b + 1) * 60}&refresh=0")
            listed = {s for s, _ in dom.services}
            assert GO_SERVICE in listed and any("sdk-app" in s for s in listed), dom.services
            assert (GO_SERVICE, CPU_TYPE) in dom.services, dom.services
            root = [f for f in dom.frames if "root" in f["class"].split()]
            assert len(root) == 1 and int(root[0]["data-value"]) == fg["total"], root
            top = pprof_top(in_b)
            page_top = dict(dom.top)
            assert top and dom.top[0][1] == top[0][1], (dom.top[:5], top[:5])
            if len(top) < 2 or top[1][1] != top[0][1]:  # no tie for the first place
                assert dom.top[0][0] == top[0][0], (dom.top[:5], top[:5])
            for name, flat in top[:5]:
                assert page_top.get(name) == flat, (name, flat, dom.top[:10])
            assert "main.hotWork" in page_top and "main.steadyWork" in page_top, dom.top

            # The diff view: B against A.
            dq = q + f"&base_from={a * 60}&base_until={b * 60}"
            st, diff = get_json(f"{api}/api/v1/diff?{dq}")
            assert st == 200 and diff["total"] == want_total and diff["base_total"] > 0, diff.get("error")
            dom = page_dom(f"{api}/#service={GO_SERVICE}&type={CPU_TYPE}&mode=diff&from={b * 60}&until={(b + 1) * 60}"
                           f"&base_from={a * 60}&base_until={b * 60}&refresh=0")
            hot = [f for f in dom.frames if f["data-name"] == "main.hotWork"]
            assert hot and all(f["data-change"] == "grown" for f in hot), hot
            assert float(hot[0]["data-delta"]) > 0.05, hot

            chromium([f"--screenshot={os.path.join(artifacts, 'flamegraph.png')}", "--window-size=1280,800"],
                     f"{api}/#service={GO_SERVICE}&type={CPU_TYPE}&from={b * 60}&until={(b + 1) * 60}&refresh=0")
            assert os.path.getsize(os.path.join(artifacts, "flamegraph.png")) > 10000
            chromium([f"--screenshot={os.path.join(artifacts, 'flamegraph-diff.png')}", "--window-size=1280,800"],
                     f"{api}/#service={GO_SERVICE}&type={CPU_TYPE}&mode=diff&from={b * 60}&until={(b + 1) * 60}"
                     f"&base_from={a * 60}&base_until={b * 60}&refresh=0")

            # Bad requests name what is wrong.
            st, err = get_json(f"{api}/api/v1/flamegraph?type={CPU_TYPE}")
            assert st == 400 and "service" in err["error"], err
            st, err = get_json(f"{api}/api/v1/flamegraph?service=x&type=y&from=yesterday")
            assert st == 400 and "from" in err["error"], err
            st, err = get_json(f"{api}/api/v1/flamegraph?service=nope&type={CPU_TYPE}")
            assert st == 404, err
            m = pf.metrics(mport)
            assert metric(m, "proflow_exporter_flamegraph_memory_bytes", exporter="flamegraph") > 0, m
            assert metric(m, "otelcol_exporter_sent_profile_samples", exporter="flamegraph") > 0, m
    finally:
        target.kill()
        target.wait()
        if node:
            node.kill()
            node.wait()


if __name__ == "__main__":
    run_cases([("the flame-graph page in headless Chromium against go tool pprof", main)])
