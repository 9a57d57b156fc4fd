#!/usr/bin/python3
"""test_processors.py — the resource, relabel and batch processors in the real binary: otlp (HTTP) →
processor → file (proto), requests made from the Go pprof fixtures, output read back with Python
protobuf and compared exactly:
  - resource: resource attributes after insert/upsert/delete/hash (SHA-256 computed here)/extract/
    convert, profiles and their samples untouched;
  - relabel: a dropped series is gone (and counted), hashmod gives the shard Prometheus computes
    (MD5 here), replace adds a label (on the resource), labeldrop removes the resource attribute it came from;
  - batch: ten requests become exactly one exporter request holding every profile and sample, smaller
    than the ten were (shared dictionary). The sampling processor has its own test_processors_sampling.py."""
import hashlib
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Proflow, free_port, metric, run_cases  # noqa: E402
from processors_pipeline import (fixture_request, hashmod, pipeline_config, post, profile_attrs, profiles,  # noqa: E402
                                 resource_attrs, sample_type, svc, written_requests)


def decode(body):
    return svc.ExportProfilesServiceRequest.FromString(body)


def sample_totals(req):
    """(service, sample type) → (samples, sum of values)."""
    out = {}
    for rp, p in profiles(req):
        key = (resource_attrs(req, rp)["service.name"], sample_type(req, p))
        n, total = out.get(key, (0, 0))
        out[key] = (n + len(p.samples), total + sum(v for s in p.samples for v in s.values))
    return out


def run(processors_yaml, processors, bodies):
    out = tempfile.mkdtemp(prefix="proflow-processors-")
    hport, mport = free_port(), free_port()
    with Proflow(pipeline_config(hport, mport, out, processors_yaml, processors), wait_ports=[hport, mport]) as pf:
        for body in bodies:
            post(hport, body)
        m = pf.metrics(mport)
    return written_requests(out), m


def test_resource():
    body = fixture_request("heap.pb.gz", service__name="checkout", host__name="node-1", user__email="dev@example.com",
                           k8s__pod__name="checkout-7d9f8-x2x", replicas="3")
    yaml = r"""
  resource:
    attributes:
      - {key: deployment.environment, value: prod, action: insert}
      - {key: service.name, value: ignored, action: insert}
      - {key: region, value: eu-west-1, action: upsert}
      - {key: host.name, action: delete}
      - {key: user.email, action: hash}
      - {key: k8s.pod.name, pattern: '^(?P<k8s_deployment>[a-z]+)-[0-9a-f]+-', action: extract}
      - {key: replicas, action: convert, converted_type: int}
"""
    (got,), _ = run(yaml, ["resource"], [body])
    assert len(got.resource_profiles) == 1
    attrs = resource_attrs(got, got.resource_profiles[0])
    assert attrs == {"service.name": "checkout", "deployment.environment": "prod", "region": "eu-west-1",
                     "user.email": hashlib.sha256(b"dev@example.com").hexdigest(),
                     "k8s.pod.name": "checkout-7d9f8-x2x", "k8s_deployment": "checkout", "replicas": "3"}, attrs
    replicas = [kv.value for kv in got.resource_profiles[0].resource.attributes if kv.key == "replicas"]
    assert replicas[0].WhichOneof("value") == "int_value", replicas
    assert sample_totals(got) == sample_totals(decode(body))
    print("resource: attributes after insert/upsert/delete/hash/extract/convert: ok")


def test_relabel():
    services = ["cart-svc", "payments-svc", "search-svc", "ignored-batch"]
    bodies = [fixture_request("cpu.pb.gz", service__name=s, host__name="node-1") for s in services]
    yaml = r"""
  relabel:
    relabel_configs:
      - {source_labels: [service_name], regex: 'ignored-.*', action: drop}
      - {source_labels: [service_name], target_label: shard, modulus: 8, action: hashmod}
      - {source_labels: [service_name], regex: '(.*)-svc', target_label: app, replacement: '$1'}
      - {regex: host_name, action: labeldrop}
"""
    got, m = run(yaml, ["relabel"], bodies)
    seen = []
    for req in got:
        for rp, p in profiles(req):
            service = resource_attrs(req, rp)["service.name"]
            # new labels land on the resource (Pyroscope's OTLP ingest reads series labels only there)
            want = {"service.name": service, "shard": str(hashmod(service, 8)), "app": service[:-len("-svc")]}
            assert resource_attrs(req, rp) == want, resource_attrs(req, rp)
            attrs = profile_attrs(req, p)
            assert "shard" not in attrs and "app" not in attrs, (service, attrs)
            seen.append(service)
    assert sorted(seen) == sorted(s for s in services[:3] for _ in range(2)), seen
    assert metric(m, "proflow_processor_relabel_dropped_profiles_total", processor="relabel") == 2, m
    print("relabel: drop, hashmod shards " +
          ", ".join(f"{s}={hashmod(s, 8)}" for s in services[:3]) + ", replace, labeldrop: ok")


def test_batch():
    bodies = [fixture_request("cpu.pb.gz", service__name=f"svc-{i}") for i in range(10)]
    samples = sum(len(p.samples) for b in bodies for _, p in profiles(decode(b)))
    # A batch goes out when it reaches send_batch_size: exactly after the tenth request.
    yaml = f"""
  batch:
    send_batch_size: {samples}
    timeout: 1h
"""
    got, _ = run(yaml, ["batch"], bodies)
    assert len(got) == 1, len(got)
    want = {}
    for b in bodies:
        want.update(sample_totals(decode(b)))
    assert sample_totals(got[0]) == want
    assert len(got[0].resource_profiles) == 10
    merged, separate = len(got[0].SerializeToString()), sum(len(b) for b in bodies)
    assert merged < separate / 2, (merged, separate)  # samples stay; strings, stacks, functions are shared
    print(f"batch: 10 requests -> 1, {separate} -> {merged} bytes: ok")


if __name__ == "__main__":
    run_cases([("resource", test_resource), ("relabel", test_relabel), ("batch", test_batch)])
