#!/usr/bin/python3
"""test_processors_sampling.py — the sampling processor in the real binary: otlp (HTTP) → sampling →
file (proto), requests made from the Go CPU pprof fixture, output read back with Python protobuf.

Run 1 (probability 0.5, an override keeping service_name=critical, Alertmanager mapping):
  - 40 series sent twice in one window: exactly the series the documented hash keeps arrive, each
    twice (a kept series stays kept), and the per-rule decision counters match;
  - the critical series is kept by its rule;
  - POST /api/v1/sampling/overrides for a dropped series makes it arrive; GET lists it with its counts;
    DELETE removes it and the series is dropped again; bad requests get 400s naming the problem;
  - an Alertmanager "firing" notification keeps a dropped series, "resolved" drops it again;
  - an override with duration 1s expires on its own.
Run 2 (two sampling processors in two pipelines): max_profiles_per_minute drops the excess of a
series; the API refuses to guess the processor and accepts ?processor=<id>."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Proflow, free_port, metric, run_cases  # noqa: E402
from processors_pipeline import (api, fixture_request, pipeline_config, post, profiles, resource_attrs,  # noqa: E402
                                 sample_type, series_labels, sampling_unit, svc, written_requests)

WINDOW_NS = 60 * 10**9
SAMPLING = """
  sampling:
    probability: 0.5
    window: 1m
    overrides:
      - name: critical
        match: {service_name: critical}
        probability: 1
    alertmanager:
      match_labels: {service: service_name}
      probability: 1
      max_duration: 1h
"""


def services_of(requests):
    out = []
    for req in requests:
        for rp, p in profiles(req):
            out.append((resource_attrs(req, rp)["service.name"], sample_type(req, p)))
    return sorted(out)


def predict(bodies):
    """service → kept?, from the documented hash (all profiles of one pprof share the decision)."""
    kept = {}
    for service, body in bodies.items():
        req = svc.ExportProfilesServiceRequest.FromString(body)
        decisions = {sampling_unit(series_labels(req, rp, p), p.time_unix_nano // WINDOW_NS) < 0.5
                     for rp, p in profiles(req)}
        assert len(decisions) == 1, decisions
        kept[service] = decisions.pop()
    return kept


def counter(m, rule, decision, reason):
    return metric(m, "proflow_processor_sampling_profiles_total", processor="sampling", rule=rule,
                  decision=decision, reason=reason)


def check_bad_requests(mport):
    status, body = api(mport, "POST", "/api/v1/sampling/overrides", "{not json")
    assert status == 400 and "invalid JSON" in body["error"], body
    status, body = api(mport, "POST", "/api/v1/sampling/overrides", {"probability": 1})
    assert status == 400 and "match is required" in body["error"], body
    status, body = api(mport, "POST", "/api/v1/sampling/overrides", {"match": {"service_name": "x"}, "probability": 2})
    assert status == 400 and "probability must be a number between 0 and 1" in body["error"], body
    status, body = api(mport, "POST", "/api/v1/sampling/overrides", {"match": {"service_name": "x"}, "duration": "soon"})
    assert status == 400 and "duration" in body["error"], body
    status, body = api(mport, "POST", "/api/v1/sampling/overrides", {"match": {"service_name": "x"}, "rate": 3})
    assert status == 400 and 'unknown field "rate"' in body["error"], body
    status, body = api(mport, "DELETE", "/api/v1/sampling/overrides/999")
    assert status == 404 and "no override with id 999" in body["error"], body
    status, body = api(mport, "POST", "/api/v1/sampling/alertmanager", {"status": "firing"})
    assert status == 400 and "alerts must be an array" in body["error"], body


def run_probability_and_overrides():
    cpu_profiles = 2  # the Go CPU pprof has two sample types (samples/count, cpu/nanoseconds)
    bodies = {f"svc-{i:02d}": fixture_request("cpu.pb.gz", service__name=f"svc-{i:02d}") for i in range(40)}
    kept = predict(bodies)
    kept_services = sorted(s for s, k in kept.items() if k)
    dropped_services = sorted(s for s, k in kept.items() if not k)
    assert kept_services and len(dropped_services) >= 3, kept
    via_api, via_alert, expiring = dropped_services[:3]
    critical = fixture_request("cpu.pb.gz", service__name="critical")

    out = tempfile.mkdtemp(prefix="proflow-sampling-")
    hport, mport = free_port(), free_port()
    with Proflow(pipeline_config(hport, mport, out, SAMPLING, ["sampling"]), wait_ports=[hport, mport]) as pf:
        for _ in range(2):
            for body in bodies.values():
                post(hport, body)
        post(hport, critical)
        m = pf.metrics(mport)
        assert counter(m, "default", "kept", "sampled") == 2 * cpu_profiles * len(kept_services), m
        assert counter(m, "default", "dropped", "probability") == 2 * cpu_profiles * len(dropped_services), m
        assert counter(m, "critical", "kept", "sampled") == cpu_profiles, m

        check_bad_requests(mport)

        # An API override keeps a series the hash drops, until it is deleted.
        status, created = api(mport, "POST", "/api/v1/sampling/overrides",
                              {"match": {"service_name": via_api}, "probability": 1, "duration": "10m"})
        assert status == 201 and created["processor"] == "sampling" and created["source"] == "api", created
        post(hport, bodies[via_api])
        status, listed = api(mport, "GET", "/api/v1/sampling/overrides")
        assert status == 200 and [o["id"] for o in listed["overrides"]] == [created["id"]], listed
        assert listed["overrides"][0]["kept"] == cpu_profiles and listed["overrides"][0]["match"] == {"service_name": via_api}
        status, deleted = api(mport, "DELETE", f"/api/v1/sampling/overrides/{created['id']}")
        assert status == 200 and deleted["deleted"] == created["id"], deleted
        post(hport, bodies[via_api])
        assert api(mport, "GET", "/api/v1/sampling/overrides")[1]["overrides"] == []

        # Alertmanager: firing adds an override for the alert's service, resolved removes it.
        alert = {"status": "firing", "labels": {"alertname": "HighLatency", "service": via_alert},
                 "fingerprint": "f00d"}
        status, res = api(mport, "POST", "/api/v1/sampling/alertmanager",
                          {"version": "4", "status": "firing", "receiver": "proflow", "alerts": [alert]})
        assert status == 200 and res["applied"] == 1, res
        listed = api(mport, "GET", "/api/v1/sampling/overrides")[1]["overrides"]
        assert [(o["source"], o["fingerprint"], o["match"]) for o in listed] == \
            [("alertmanager", "f00d", {"service_name": via_alert})], listed
        post(hport, bodies[via_alert])
        status, res = api(mport, "POST", "/api/v1/sampling/alertmanager",
                          {"version": "4", "status": "resolved", "alerts": [dict(alert, status="resolved")]})
        assert status == 200 and res["resolved"] == 1, res
        post(hport, bodies[via_alert])

        # An override ends on its own when its duration runs out.
        status, created = api(mport, "POST", "/api/v1/sampling/overrides",
                              {"match": {"service_name": expiring}, "duration": "1s", "probability": 1})
        assert status == 201, created
        deadline = time.time() + 20
        while api(mport, "GET", "/api/v1/sampling/overrides")[1]["overrides"] and time.time() < deadline:
            time.sleep(0.1)
        assert api(mport, "GET", "/api/v1/sampling/overrides")[1]["overrides"] == []
        m = pf.metrics(mport)
        assert metric(m, "proflow_processor_sampling_overrides_expired_total", processor="sampling") == 1, m
        assert counter(m, "api", "kept", "sampled") == cpu_profiles, m
        assert counter(m, "alertmanager", "kept", "sampled") == cpu_profiles, m
        assert counter(m, "default", "dropped", "probability") == \
            (2 * len(dropped_services) + 2) * cpu_profiles, m

    got = services_of(written_requests(out))
    want = sorted([(s, t) for s in kept_services for t in ("samples", "cpu")] * 2 +
                  [(s, t) for s in ("critical", via_api, via_alert) for t in ("samples", "cpu")])
    assert got == want, (got, want)
    print(f"sampling: kept {len(kept_services)}/40 series as predicted, API and Alertmanager overrides: ok")


def run_rate_limits_and_two_processors():
    out_a, out_b = tempfile.mkdtemp(prefix="proflow-limits-"), tempfile.mkdtemp(prefix="proflow-other-")
    hport, mport = free_port(), free_port()
    config = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{hport}
processors:
  sampling/limits:
    max_profiles_per_minute: 2
  sampling/other:
    probability: 1
exporters:
  file/limits:
    path: {out_a}
    format: proto
  file/other:
    path: {out_b}
    format: proto
service:
  pipelines:
    profiles/limits:
      receivers: [otlp]
      processors: [sampling/limits]
      exporters: [file/limits]
    profiles/other:
      receivers: [otlp]
      processors: [sampling/other]
      exporters: [file/other]
  telemetry:
    metrics:
      address: 127.0.0.1:{mport}
      allow_unauthenticated_writes: true
"""
    body = fixture_request("cpu.pb.gz", service__name="busy")
    with Proflow(config, wait_ports=[hport, mport]) as pf:
        for _ in range(3):
            post(hport, body)
        m = pf.metrics(mport)
        limits = {"processor": "sampling/limits", "rule": "default"}
        # Each sample type is its own series with 2 tokens: requests 1 and 2 pass, request 3 does not.
        assert metric(m, "proflow_processor_sampling_profiles_total", decision="kept", **limits) == 4, m
        assert metric(m, "proflow_processor_sampling_profiles_total", reason="series_rate", **limits) == 2, m
        assert metric(m, "proflow_processor_sampling_dropped_samples_total", processor="sampling/limits") == \
            sum(len(p.samples) for _, p in profiles(svc.ExportProfilesServiceRequest.FromString(body))), m
        status, res = api(mport, "POST", "/api/v1/sampling/overrides", {"match": {"service_name": "busy"}})
        assert status == 400 and "several sampling processors" in res["error"] and "?processor=" in res["error"], res
        status, res = api(mport, "POST", "/api/v1/sampling/overrides?processor=sampling%2Fother",
                          {"match": {"service_name": "busy"}, "probability": 0})
        assert status == 201 and res["processor"] == "sampling/other", res
        status, res = api(mport, "POST", "/api/v1/sampling/overrides?processor=sampling/none", {"match": {"a": "b"}})
        assert status == 404 and "no sampling processor" in res["error"], res
        post(hport, body)
        m = pf.metrics(mport)
        assert metric(m, "proflow_processor_sampling_profiles_total", processor="sampling/other", rule="api",
                      decision="dropped", reason="probability") == 2, m
    assert len(written_requests(out_a)) == 2  # the third and fourth requests found the buckets empty
    assert len(written_requests(out_b)) == 3  # the fourth request's profiles were all dropped
    print("sampling: max_profiles_per_minute and ?processor= selection: ok")


if __name__ == "__main__":
    run_cases([("probability and overrides", run_probability_and_overrides),
               ("rate limits and two processors", run_rate_limits_and_two_processors)])
