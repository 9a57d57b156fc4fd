"""test_flamegraph_api.py — the flamegraph extension's JSON API with exact, known input, over TLS with
bearer-token auth (the listener options every proflow listener has).

Folded stacks are pushed to the pyroscope receiver's /ingest with `from`/`until` in two chosen minutes
(window A: 3 minutes ago, window B: 1 minute ago), so every figure is known in advance:
  - /api/v1/services lists the service and its type with totals and rates;
  - /api/v1/flamegraph?format=collapsed gives back exactly the stacks pushed into B, and the nested
    tree's values are the sums along each path;
  - /api/v1/diff (B against A) carries both windows' values on every node, and its collapsed form is
    `stack <base> <value>`; the default baseline is the window just before;
  - errors: 401 without the token, 400 naming a bad parameter, 404 for an unknown series;
  - the page itself is served (text/html, the embedded file) and /metrics shows the store's memory."""
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Proflow, free_port, metric, run_cases, wait_until  # noqa: E402
from otlp_client import self_signed_cert  # noqa: E402

TOKEN = "fl4me"
S = 10_000_000  # the receiver turns 100 Hz samples into cpu nanoseconds


def main():
    import tempfile
    work = tempfile.mkdtemp(prefix="flamegraph-api-")
    cert, key = self_signed_cert(work)
    fport, pport, mport = free_port(), free_port(), free_port()
    config = f"""
receivers:
  pyroscope:
    endpoint: 127.0.0.1:{pport}
exporters:
  flamegraph:
    max_nodes: 1000
extensions:
  flamegraph:
    endpoint: 127.0.0.1:{fport}
    window: 10m
    tls:
      cert_file: {cert}
      key_file: {key}
    auth:
      bearer_token: {TOKEN}
service:
  extensions: [flamegraph]
  pipelines:
    profiles:
      receivers: [pyroscope]
      exporters: [flamegraph]
  telemetry:
    metrics:
      address: 127.0.0.1:{mport}
"""
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = False

    def get(path, token=TOKEN):
        req = urllib.request.Request(f"https://127.0.0.1:{fport}{path}",
                                     headers={"authorization": f"Bearer {token}"} if token else {})
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                return r.status, r.headers.get("content-type"), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("content-type"), e.read()

    def push(stacks, minute):
        body = "".join(f"{s} {v}\n" for s, v in stacks).encode()
        url = (f"http://127.0.0.1:{pport}/ingest?name=shop.cpu%7Benv%3Dtest%7D&format=folded"
               f"&from={minute * 60 + 5}&until={minute * 60 + 15}&sampleRate=100&spyName=gospy&units=samples")
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=10) as r:
            assert r.status == 200, r.status

    now_min = int(time.time() // 60)
    a, b = now_min - 3, now_min - 1
    window_a = [("main;serve;parse", 30), ("main;serve;render", 60), ("main;gc", 10)]
    window_b = [("main;serve;parse", 30), ("main;serve;render", 20), ("main;serve;compress", 90), ("main;gc", 10)]
    with Proflow(config, wait_ports=[fport, pport, mport]) as pf:
        push(window_a, a)
        push(window_b, b)
        push([("main;serve;compress", 1)], b)  # a second profile in the same minute adds up
        wait_until(lambda: metric(pf.metrics(mport), "otelcol_exporter_sent_profile_samples", exporter="flamegraph") >= 8,
                   "the pushed samples aggregated")

        st, _, body = get("/api/v1/services", token=None)
        assert st == 401, (st, body)
        st, _, body = get("/api/v1/services", token="wrong")
        assert st == 401, (st, body)
        st, ctype, body = get("/")
        assert st == 200 and ctype.startswith("text/html") and b"proflow flame graphs" in body, (st, ctype)
        assert b"http://" not in body.split(b"<script>")[0].replace(b"http://www.w3.org", b"")  # nothing external

        st, _, body = get("/api/v1/services")
        services = json.loads(body)["services"]
        assert [s["name"] for s in services] == ["shop"], services
        (t,) = services[0]["types"]
        typ = t["type"]
        assert typ == "process_cpu:cpu:nanoseconds" and t["unit"] == "nanoseconds", t
        assert t["total"] == (100 + 151) * S and t["samples"] == 8 and t["profiles"] == 3, t
        assert abs(t["rate_per_second"] - 251 * S / 600) < 1e-3, t

        q = f"service=shop&type={typ}&from={b * 60}&until={(b + 1) * 60}"
        st, ctype, body = get(f"/api/v1/flamegraph?{q}&format=collapsed")
        assert st == 200 and ctype.startswith("text/plain"), (st, body)
        assert body.decode() == (f"main;gc {10 * S}\nmain;serve;compress {91 * S}\nmain;serve;parse {30 * S}\n"
                                 f"main;serve;render {20 * S}\n"), body
        st, _, body = get(f"/api/v1/flamegraph?{q}")
        fg = json.loads(body)
        assert fg["total"] == 151 * S and fg["from"] == b * 60000 and fg["until"] == (b + 1) * 60000, fg
        root = fg["flamegraph"]
        assert root["name"] == "total" and root["value"] == 151 * S and root["self"] == 0, root
        (main,) = root["children"]
        serve = main["children"][0]
        assert serve["name"] == "serve" and serve["value"] == 141 * S, serve
        assert [(c["name"], c["value"] // S, c["self"] // S) for c in serve["children"]] == \
            [("compress", 91, 91), ("parse", 30, 30), ("render", 20, 20)], serve

        dq = q + f"&base_from={a * 60}&base_until={(a + 1) * 60}"
        st, _, body = get(f"/api/v1/diff?{dq}&format=collapsed")
        assert st == 200 and body.decode() == (f"main;gc {10 * S} {10 * S}\nmain;serve;compress 0 {91 * S}\n"
                                               f"main;serve;parse {30 * S} {30 * S}\nmain;serve;render {60 * S} {20 * S}\n"), body
        st, _, body = get(f"/api/v1/diff?{dq}")
        diff = json.loads(body)
        assert diff["total"] == 151 * S and diff["base_total"] == 100 * S, diff
        serve = diff["flamegraph"]["children"][0]["children"][0]
        assert (serve["value"], serve["base"]) == (141 * S, 90 * S), serve
        # default baseline: the window of the same length just before [from, until)
        st, _, body = get(f"/api/v1/diff?service=shop&type={typ}&from={(b - 2) * 60}&until={b * 60 + 60}")
        d2 = json.loads(body)
        assert d2["base_from"] == (b - 5) * 60000 and d2["base_until"] == (b - 2) * 60000 and d2["base_total"] == 0, d2
        assert d2["total"] == 251 * S, d2

        for path, code, word in [("/api/v1/flamegraph?type=x", 400, "service"),
                                 (f"/api/v1/flamegraph?service=shop&type={typ}&from=soon", 400, "from"),
                                 (f"/api/v1/flamegraph?service=shop&type={typ}&from=now&until=now-1h", 400, "before"),
                                 (f"/api/v1/flamegraph?service=shop&type={typ}&format=svg", 400, "format"),
                                 ("/api/v1/services?window=forever", 400, "window"),
                                 (f"/api/v1/flamegraph?service=nope&type={typ}", 404, "nope")]:
            st, _, body = get(path)
            assert st == code and word in json.loads(body)["error"], (path, st, body)
        m = pf.metrics(mport)
        assert metric(m, "proflow_exporter_flamegraph_memory_bytes", exporter="flamegraph") > 0, m
        assert metric(m, "proflow_exporter_flamegraph_series", exporter="flamegraph") == 1, m


if __name__ == "__main__":
    run_cases([("the flamegraph JSON API over TLS + auth with exact pushed stacks", main)])
