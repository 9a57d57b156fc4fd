#!/usr/bin/python3
"""test_interop_collector.py — proflow and the real OpenTelemetry Collector (v0.165.0, built from its Go
modules by scripts/install-test-peers.sh, run with --feature-gates=service.profilesSupport).

Requests are made from the Go pprof fixtures plus a random fixture-derived one (seed printed).
Expected values are computed here from the requests we send, with Python protobuf only: value totals
per (service, sample type) and value sums per (service, type, leaf function name).

1. Collector → proflow: a grpc client feeds the Collector's otlp receiver; its otlp_grpc exporter
   sends to one proflow otlp receiver (→ file), its otlp_http exporter to another (→ resource,
   relabel, batch → file); a body sink beside them keeps what the Collector's otlphttp puts on the
   wire. Asserted: the Collector really sends resource attributes as string-table references
   (key_strindex with an empty key) and otlp-profiles-development-version: 1; both proflow outputs
   hold exactly the sent totals and leaf sums, with every key and value written inline; relabel and
   resource worked on the referenced attributes (team from service_name, deployment.environment).
2. proflow → Collector → proflow: a client posts (tenant header) to proflow A (include_metadata,
   relabel adds team); A's otlp (gRPC) or otlphttp exporter (both are run) sends to the Collector's
   otlp receiver (include_metadata) → the contrib file exporter (OTLP JSON, the Collector's own
   decoding), its debug exporter (sample counts in its log), a body sink, and otlp_http with the exporter's batching (sending_queue.batch partitioned
   by x-scope-orgid; the batch processor of v0.165.0 refuses profiles pipelines) back to proflow B (→ file, and
   pyroscope exporter with tenant_from_metadata → a Pyroscope push backend). The Collector's exporters
   carry the tenant with the test-only metadataheaders extension (the contrib headers_setter is not
   served). Asserted: totals and leaf sums in the Collector's file, at the sink and at proflow B equal
   what was sent; the new label team is a resource attribute everywhere (the only place Pyroscope's
   OTLP ingest reads labels); the tenant arrives at the Collector (sink header) and at the Pyroscope
   backend (X-Scope-OrgID), and the series there carry team and service_name."""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "servers"))
import grpc  # noqa: E402
from harness import Proflow, free_port, metric, wait_until  # noqa: E402
import interop as I  # noqa: E402
from otlp_client import svc, svc_grpc  # noqa: E402
from otlp_feed import post  # noqa: E402
from peers import BodySink, Collector, require  # noqa: E402
from profile_backends import PyroscopeServer  # noqa: E402

SEED = int(os.environ.get("PROFLOW_INTEROP_SEED", str(int(time.time()) % 100000)))
TEAM = {"cart-svc": "team-cart", "payments-svc": "team-payments", "search-svc": "team-search",
        "random-svc": "team-random"}


def pyroscope_sums(rec):
    """{(service_name, type/unit): sum} over every series the Pyroscope backend received."""
    sums = {}
    for s in rec["series"]:
        for prof in s["profiles"]:
            for t, v in prof["sums"].items():
                k = (s["labels"].get("service_name"), t)
                sums[k] = sums.get(k, 0) + v
    return sums


def collector_config(receivers, exporters, pipeline_exporters, processors="", pipeline_processors=(),
                     extensions=""):
    return f"""
receivers:
  otlp:
    protocols:
{receivers}
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 512
{processors}
exporters:
{exporters}
{extensions}
service:
  {"extensions: [metadataheaders]" if extensions else ""}
  telemetry:
    metrics:
      level: none
    logs:
      level: info
  pipelines:
    profiles:
      receivers: [otlp]
      processors: [{", ".join(["memory_limiter", *pipeline_processors])}]
      exporters: [{", ".join(pipeline_exporters)}]
"""


def wait_files(read, want_totals, what, timeout=60):
    got = {}

    def done():
        nonlocal got
        got = I.totals(read())
        return got == want_totals
    try:
        wait_until(done, what, timeout=timeout)
    except AssertionError:
        raise AssertionError(f"{what}: totals differ\n got  {sorted(got.items())}\n want {sorted(want_totals.items())}")
    return read()


def test_collector_to_proflow(reqs, want, want_leaves):
    work = tempfile.mkdtemp(prefix="interop-col2pf-")
    pg, ph, pm, cg, sink_port = free_port(), free_port(), free_port(), free_port(), free_port()
    proflow_cfg = f"""
receivers:
  otlp/grpc:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{pg}
  otlp/http:
    protocols:
      http:
        endpoint: 127.0.0.1:{ph}
processors:
  resource:
    attributes:
      - {{key: deployment.environment, value: ci, action: upsert}}
  relabel:
    relabel_configs:
      - {{source_labels: [service_name], regex: '(.*)-svc', target_label: team, replacement: 'team-$1'}}
  batch:
    timeout: 200ms
exporters:
  file/grpc:
    path: {work}/grpc
    format: proto
  file/http:
    path: {work}/http
    format: proto
  file/pprof:
    path: {work}/pprof
    format: pprof
service:
  pipelines:
    profiles/grpc:
      receivers: [otlp/grpc]
      exporters: [file/grpc]
    profiles/http:
      receivers: [otlp/http]
      processors: [resource, relabel, batch]
      exporters: [file/http, file/pprof]
  telemetry:
    metrics:
      address: 127.0.0.1:{pm}
"""
    col_cfg = collector_config(
        f"      grpc:\n        endpoint: 127.0.0.1:{cg}",
        f"""  otlp_grpc:
    endpoint: 127.0.0.1:{pg}
    tls:
      insecure: true
  otlp_http:
    endpoint: http://127.0.0.1:{ph}
  otlp_http/sink:
    endpoint: http://127.0.0.1:{sink_port}
""", ["otlp_grpc", "otlp_http", "otlp_http/sink"])
    with BodySink(sink_port) as sink, Proflow(proflow_cfg, wait_ports=[pg, ph, pm]) as pf, \
            Collector(col_cfg, wait_ports=[cg]) as col:
        with grpc.insecure_channel(f"127.0.0.1:{cg}") as ch:
            stub = svc_grpc.ProfilesServiceStub(ch)
            for r in reqs:
                stub.Export(r, timeout=30)
        grpc_out = wait_files(lambda: I.read_proto_dir(f"{work}/grpc"), want, "proflow (otlp gRPC from the Collector)")
        http_out = wait_files(lambda: I.read_proto_dir(f"{work}/http"), want, "proflow (otlp HTTP from the Collector)")
        wait_until(lambda: I.totals(svc.ExportProfilesServiceRequest.FromString(b) for _, _, b in sink.requests)
                   == want, "the sink's bodies")
        sink_reqs = [svc.ExportProfilesServiceRequest.FromString(b) for _, _, b in list(sink.requests)]
        m = pf.metrics(pm)
    # What the Collector puts on the wire: references, which proflow must resolve.
    assert sum(I.referenced_attributes(r) for r in sink_reqs) > 0, "the Collector sent no key_strindex attributes"
    assert all(h.get("otlp-profiles-development-version") == "1" for _, h, _ in sink.requests), sink.requests[0][1]
    assert all(p == "/v1development/profiles" for p, _, _ in sink.requests), [p for p, _, _ in sink.requests]
    for name, out in (("grpc", grpc_out), ("http", http_out)):
        assert I.leaves(out) == want_leaves, (name, "leaf sums differ")
        assert all(I.inline_only(r) for r in out), f"{name}: proflow wrote attribute references"
    for r in http_out:
        for rp in r.resource_profiles:
            attrs = I.resource_attrs(r, rp)
            assert attrs.get("team") == TEAM[attrs["service.name"]], attrs
            assert attrs.get("deployment.environment") == "ci", attrs
    assert os.listdir(f"{work}/pprof"), "no pprof files"
    sent = sum(len(p.samples) for r in reqs for rp in r.resource_profiles for sp in rp.scope_profiles
               for p in sp.profiles)
    assert metric(m, "otelcol_receiver_accepted_profile_samples", receiver="otlp/grpc") == sent, m
    assert metric(m, "otelcol_receiver_accepted_profile_samples", receiver="otlp/http") == sent, m
    print(f"collector -> proflow: {len(sink_reqs)} Collector requests with "
          f"{sum(I.referenced_attributes(r) for r in sink_reqs)} referenced attributes; gRPC and HTTP totals, "
          f"leaf sums, inline output, relabel/resource on references: ok")


def test_proflow_to_collector_and_back(reqs, want, want_leaves, exporter):
    work = tempfile.mkdtemp(prefix=f"interop-pf2col-{exporter}-")
    pa, pam, cg, chp, pb, pbm, sink_port, pyro_port = (free_port() for _ in range(8))
    tenant = "tenant-interop"
    exporter_yaml = {
        "otlp": f"""  otlp:
    endpoint: 127.0.0.1:{cg}
    tls:
      insecure: true
    headers_from_metadata: [X-Scope-OrgID, OTLP-Profiles-Development-Version]""",
        "otlphttp": f"""  otlphttp:
    endpoint: http://127.0.0.1:{chp}
    headers_from_metadata: [X-Scope-OrgID, OTLP-Profiles-Development-Version]""",
    }[exporter]
    proflow_a = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{pa}
        include_metadata: true
processors:
  relabel:
    relabel_configs:
      - {{source_labels: [service_name], regex: '(.*)-svc', target_label: team, replacement: 'team-$1'}}
exporters:
{exporter_yaml}
service:
  pipelines:
    profiles:
      receivers: [otlp]
      processors: [relabel]
      exporters: [{exporter}]
  telemetry:
    metrics:
      address: 127.0.0.1:{pam}
"""
    proflow_b = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{pb}
        include_metadata: true
exporters:
  file:
    path: {work}/back
    format: proto
  pyroscope:
    endpoint: http://127.0.0.1:{pyro_port}
    tenant_from_metadata: true
    # the test backend runs go tool pprof on every profile before it answers: under load that can
    # take longer than the default 5s, and a retried push would be counted twice
    timeout: 120s
service:
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [file, pyroscope]
  telemetry:
    metrics:
      address: 127.0.0.1:{pbm}
"""
    col_cfg = collector_config(
        f"""      grpc:
        endpoint: 127.0.0.1:{cg}
        include_metadata: true
      http:
        endpoint: 127.0.0.1:{chp}
        include_metadata: true""",
        f"""  file:
    path: {work}/collector.json
    flush_interval: 100ms
  debug:
    verbosity: basic
  otlp_http/back:
    endpoint: http://127.0.0.1:{pb}
    auth:
      authenticator: metadataheaders
    sending_queue:
      batch:
        flush_timeout: 200ms
        partition:
          metadata_keys: [x-scope-orgid]
  otlp_http/sink:
    endpoint: http://127.0.0.1:{sink_port}
    auth:
      authenticator: metadataheaders
""", ["file", "debug", "otlp_http/back", "otlp_http/sink"],
        extensions="""extensions:
  metadataheaders:
    headers: [x-scope-orgid]""")
    pyro = PyroscopeServer(pyro_port)
    try:
        with BodySink(sink_port) as sink, Proflow(proflow_b, wait_ports=[pb, pbm]) as pfb, \
                Collector(col_cfg, wait_ports=[cg, chp]) as col, Proflow(proflow_a, wait_ports=[pa, pam]) as pfa:
            for r in reqs:
                assert post(pa, r.SerializeToString(), {"X-Scope-OrgID": tenant}) == 200
            at_collector = wait_files(lambda: I.read_collector_json(f"{work}/collector.json"), want,
                                      f"the Collector's file exporter ({exporter})")
            back = wait_files(lambda: I.read_proto_dir(f"{work}/back"), want, f"proflow B ({exporter} round trip)")
            wait_until(lambda: I.totals(svc.ExportProfilesServiceRequest.FromString(b) for _, _, b in sink.requests)
                       == want, "the sink's bodies")
            sink_reqs = [svc.ExportProfilesServiceRequest.FromString(b) for _, _, b in list(sink.requests)]
            pyro.wait(lambda rec: pyroscope_sums(rec) == want, timeout=120)
            rec = pyro.snapshot()
            ma = pfa.metrics(pam)
            debug_samples = sum(int(n) for n in re.findall(r'"sample records": (\d+)', col.logs()))
    finally:
        pyro.stop()
    # The Collector decoded what we sent (its own pdata): totals above, its debug exporter's sample
    # count, leaves and labels here.
    sent_samples = sum(len(p.samples) for r in reqs for rp in r.resource_profiles for sp in rp.scope_profiles
                       for p in sp.profiles)
    assert debug_samples == sent_samples, (debug_samples, sent_samples)
    assert I.leaves(at_collector) == want_leaves, "leaf sums at the Collector differ"
    assert I.leaves(back) == want_leaves, "leaf sums after the round trip differ"
    for where, out in (("collector", at_collector), ("sink", sink_reqs), ("back", back)):
        for r in out:
            for rp in r.resource_profiles:
                attrs = I.resource_attrs(r, rp)
                assert attrs.get("team") == TEAM[attrs["service.name"]], (where, attrs)
                for sp in rp.scope_profiles:
                    for p in sp.profiles:
                        assert "team" not in I.profile_attrs(r, p), (where, "team left on the profile")
    assert all(I.inline_only(r) for r in back), "proflow B wrote attribute references"
    # The tenant: at the Collector (its exporter copies the metadata it received) and at Pyroscope.
    assert {h.get("x-scope-orgid") for _, h, _ in sink.requests} == {tenant}, [h for _, h, _ in sink.requests]
    assert {h.get("x-scope-orgid") for h in rec["headers"]} == {tenant}, rec["headers"]
    for s in rec["series"]:
        labels = s["labels"]
        assert labels.get("team") == TEAM[labels["service_name"]], labels
        assert all(prof["pprof_ok"] for prof in s["profiles"]), s
    sums = pyroscope_sums(rec)
    assert sums == want, ("pyroscope backend sums", sorted(sums.items()), sorted(want.items()))
    assert metric(ma, "otelcol_exporter_send_failed_profile_samples", exporter=exporter) == 0, ma
    print(f"proflow --{exporter}--> Collector (file, sink, batching exporter) --otlp_http--> proflow -> pyroscope: totals, leaves, "
          f"team on the resource, tenant {tenant!r} at the Collector and at Pyroscope: ok")


def main():
    require("otelcol")
    print(f"seed {SEED} (PROFLOW_INTEROP_SEED to repeat)")
    reqs = I.requests(SEED)
    want, want_leaves = I.totals(reqs), I.leaves(reqs)
    test_collector_to_proflow(reqs, want, want_leaves)
    for exporter in ("otlp", "otlphttp"):
        test_proflow_to_collector_and_back(reqs, want, want_leaves, exporter)


if __name__ == "__main__":
    main()
