"""test_pprof_freq_boost.py — effective CPU profiling frequency and alert-driven boosts, against a real
Go net/http/pprof target scraped by proflow and written as pprof files read with `go tool pprof -raw`.

The job scrapes every 4s at `frequency: 25` (native 100 Hz): 1s of profiling per interval. Its
`on_alert` rules raise that to 75 Hz (3s, the most a 4s interval allows: interval - 1s) for alert
`high_cpu` and to 50 Hz (2s, for at most 9s) for alerts labelled `severity: warn`. Checks, phase by
phase, through the pprof files' duration_nanos (`Duration:` of `go tool pprof -raw`), the gauge
proflow_scrape_profile_frequency_hz and the boosts counter:
  - base: 1s windows, 25 Hz;
  - a firing Alertmanager webhook: 3s windows, 75 Hz; the CPU sample count per window (summed from
    `-raw`) rises with the window; "resolved" brings back 1s windows (ended reason "resolved");
  - expiry without resolve: the 9s `severity: warn` boost gives 2s windows, then 1s by itself
    (ended reason "expired");
  - two overlapping boosts: an API boost at 50 Hz plus the 75 Hz alert: the highest wins; resolving the
    alert leaves the API boost's 2s windows; DELETE of the API boost returns to 1s;
  - GET /api/v1/sampling/boosts lists the active boosts with their expiry.
The pipeline has a sampling processor (keeping everything), so the webhook is the sampling control
API's, which hands its alerts to the scrape configs' rules; the API boost goes through its
POST .../overrides with a "frequency" field."""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Proflow, free_port, metric, run_cases, start_go_target, wait_until  # noqa: E402

INTERVAL_S = 4


def start_target():
    return start_go_target("-cpu-workers", "1", "-duty", "0.3", "-alloc-workers", "0", "-mutex-workers", "0",
                           "-chan-workers", "0")


def raw_summary(path):
    """(duration in s, total samples/count) of a CPU pprof from `go tool pprof -raw`; None while the file
    is still being written (an incomplete gzip stream does not parse)."""
    done = subprocess.run(["go", "tool", "pprof", "-raw", path], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    raw = done.stdout
    d = re.search(r"^Duration: ([\d.]+)$", raw, re.M)
    lines = raw.splitlines()
    i = lines.index("Samples:")
    types = lines[i + 1].split()
    assert types[0].replace("[dflt]", "") == "samples/count", types
    total = 0
    for line in lines[i + 2:]:
        if line in ("Locations", "Mappings"):
            break
        m = re.match(r"^\s*(\d+)\s+\d+:", line)  # "  count  nanos: loc ids" (labels are continuation lines)
        if m:
            total += int(m.group(1))
    return (float(d.group(1)) if d else 0.0), total


class Phase:
    """CPU pprof files written from a point on."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.seen = set(self.files())
        self.parsed = {}

    def files(self):
        return sorted(f for f in os.listdir(self.out_dir) if f.endswith("process_cpu.pb.gz"))

    def new(self):
        return [os.path.join(self.out_dir, f) for f in self.files() if f not in self.seen]


def call(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def alert(status, **labels):
    return {"version": "4", "status": status,
            "alerts": [{"status": status, "labels": labels, "fingerprint": "fp-" + "-".join(labels.values())}]}


def main():
    pid, port = start_target()
    tmp = tempfile.mkdtemp(prefix="pprof-boost-")
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir)
    mport = free_port()
    config = f"""
receivers:
  pprof:
    scrape_configs:
      - job_name: gotarget
        scrape_interval: {INTERVAL_S}s
        scrape_timeout: 10s
        static_configs:
          - targets: ["127.0.0.1:{port}"]
            labels: {{service_name: checkout}}
        profiling_config:
          profile.process_cpu: {{frequency: 25}}
          profile.memory: {{enabled: false}}
          profile.goroutine: {{enabled: false}}
          profile.mutex: {{enabled: false}}
          profile.block: {{enabled: false}}
        on_alert:
          - {{trigger: high_cpu, frequency: 75, duration: 10m}}
          - {{trigger: {{severity: warn}}, frequency: 50, duration: 9s, match_labels: {{service: service_name}}}}
processors:
  sampling: {{}}
exporters:
  file:
    path: {out_dir}
    format: pprof
service:
  pipelines:
    profiles:
      receivers: [pprof]
      processors: [sampling]
      exporters: [file]
  telemetry:
    metrics:
      address: 127.0.0.1:{mport}
      allow_unauthenticated_writes: true  # the control API's writes (webhook, boosts) on loopback
"""
    hz = lambda pf: metric(pf.metrics(mport), "proflow_scrape_profile_frequency_hz", job="gotarget",
                           instance=f"127.0.0.1:{port}", profile="process_cpu")
    boosts = lambda pf, **l: metric(pf.metrics(mport), "proflow_scrape_profile_frequency_boosts_total", **l)

    def phase_windows(pf, want_hz, want_s, n=2):
        """Waits for the gauge to show want_hz, then for n CPU files written after that whose
        Duration is want_s (a scrape started before the change may still finish first); returns the
        sample counts of those windows."""
        wait_until(lambda: abs(hz(pf) - want_hz) < 1e-6, f"frequency {want_hz} Hz", timeout=60)
        ph = Phase(out_dir)
        got = []

        def enough():
            got.clear()
            for path in ph.new():
                got_raw = ph.parsed.get(path) or raw_summary(path)
                if not got_raw:
                    continue
                ph.parsed[path] = got_raw
                d, samples = got_raw
                if abs(d - want_s) < 0.5:
                    got.append(samples)
            return len(got) >= n

        wait_until(enough, f"{n} CPU windows of {want_s}s", timeout=INTERVAL_S * (n + 4), interval=0.5)
        return list(got)

    try:
        with Proflow(config, wait_ports=[mport]) as pf:
            base = phase_windows(pf, 25, 1, n=3)

            st, body = call(mport, "POST", "/api/v1/sampling/alertmanager", alert("firing", alertname="high_cpu"))
            assert st == 200 and body["boosts_started"] == 1, body
            st, listed = call(mport, "GET", "/api/v1/sampling/boosts")
            assert st == 200 and len(listed["boosts"]) == 1, listed
            b = listed["boosts"][0]
            assert b["frequency"] == 75 and b["match"] == {"job": "gotarget"} and b["alertname"] == "high_cpu", b
            assert 590 < b["expires_in_seconds"] <= 600 and b["expires_at"].endswith("Z"), b
            boosted = phase_windows(pf, 75, 3, n=3)
            # The same CPU load (one worker busy 30% of the time: modest, so it gets its CPU even on a
            # busy machine) profiled 3x longer per interval: about 3x the samples per window.
            assert sum(boosted) / len(boosted) > 1.5 * sum(base) / len(base), (base, boosted)

            st, body = call(mport, "POST", "/api/v1/sampling/alertmanager", alert("resolved", alertname="high_cpu"))
            assert st == 200 and body["boosts_ended"] == 1, body
            phase_windows(pf, 25, 1)
            assert boosts(pf, event="ended", reason="resolved") == 1

            # Expiry without resolve: the 9s boost for service=checkout ends by itself.
            st, body = call(mport, "POST", "/api/v1/sampling/alertmanager",
                            alert("firing", severity="warn", service="checkout"))
            assert st == 200 and body["boosts_started"] == 1, body
            st, listed = call(mport, "GET", "/api/v1/sampling/boosts")
            assert listed["boosts"][0]["match"] == {"job": "gotarget", "service_name": "checkout"}, listed
            phase_windows(pf, 50, 2, n=1)
            phase_windows(pf, 25, 1)
            assert boosts(pf, event="ended", reason="expired") == 1
            assert call(mport, "GET", "/api/v1/sampling/boosts")[1]["boosts"] == []

            # Two overlapping boosts: the highest frequency wins, the other one remains.
            # (through the sampling API's overrides route: a body with "frequency" is a boost)
            st, api = call(mport, "POST", "/api/v1/sampling/overrides",
                           {"match": {"service_name": "checkout"}, "frequency": 50, "duration": "10m"})
            assert st == 201 and api["frequency"] == 50, api
            phase_windows(pf, 50, 2, n=1)
            call(mport, "POST", "/api/v1/sampling/alertmanager", alert("firing", alertname="high_cpu"))
            phase_windows(pf, 75, 3, n=1)
            assert len(call(mport, "GET", "/api/v1/sampling/boosts")[1]["boosts"]) == 2
            assert len(call(mport, "GET", "/api/v1/sampling/overrides")[1]["boosts"]) == 2
            call(mport, "POST", "/api/v1/sampling/alertmanager", alert("resolved", alertname="high_cpu"))
            phase_windows(pf, 50, 2, n=1)
            st, body = call(mport, "DELETE", f"/api/v1/sampling/boosts/{api['id']}")
            assert st == 200, body
            phase_windows(pf, 25, 1, n=1)
            assert call(mport, "DELETE", f"/api/v1/sampling/boosts/{api['id']}")[0] == 404

            # Bad requests name what is wrong.
            st, body = call(mport, "POST", "/api/v1/sampling/boosts", {"match": {"job": "x"}, "frequency": -1})
            assert st == 400 and "frequency" in body["error"], body
            st, body = call(mport, "POST", "/api/v1/sampling/boosts", {"frequency": 10})
            assert st == 400 and "match" in body["error"], body

            m = pf.metrics(mport)
            assert metric(m, "proflow_scrape_profile_frequency_boosts_total", event="started", reason="alert") == 3, m
            assert metric(m, "proflow_scrape_profile_frequency_boosts_total", event="started", reason="api") == 1, m
            assert metric(m, "proflow_scrape_profile_frequency_boosts_total", event="ended", reason="deleted") == 1, m
    finally:
        subprocess.run(["kill", str(pid)], check=False)


if __name__ == "__main__":
    run_cases([("a Go target: the CPU window follows frequency, alert and API boosts, expiry and overlap", main)])
