"""interop.py — requests and independent decoding for the interop tests with the real Collector
(not a test itself).

- requests(seed): ExportProfilesServiceRequests made from the Go pprof fixtures (tests/pprof_to_otlp)
  with services as resource attributes, plus one random fixture-derived request (samples dropped,
  values scaled, attributes shuffled; the seed is printed by the test).
- totals(reqs): {(service, type/unit): sum of values}, leaves(reqs): {(service, type/unit, leaf
  function name): sum}, both read with Python protobuf alone and resolving attribute keys and string
  values in both forms (inline, or key_strindex / string_value_strindex into the string table).
- read_proto_dir(d) / read_collector_json(path): what proflow's file exporter (format: proto) or the
  Collector's file exporter (OTLP JSON lines) wrote, as requests.
- resource_attrs(req, rp), inline_only(req): attribute views and the check that every key and
  string value is inline."""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "servers"))
from google.protobuf import json_format  # noqa: E402
from otlp_client import svc  # noqa: E402
from otlp_feed import build_request  # noqa: E402


def kv_key(d, kv):
    return kv.key or d.string_table[kv.key_strindex]


def value_str(d, v):
    kind = v.WhichOneof("value")
    if kind == "string_value":
        return v.string_value
    if kind == "string_value_strindex":
        return d.string_table[v.string_value_strindex]
    if kind is None:
        return ""
    return str(getattr(v, kind))


def resource_attrs(req, rp):
    d = req.dictionary
    return {kv_key(d, kv): value_str(d, kv.value) for kv in rp.resource.attributes}


def profile_attrs(req, p):
    d = req.dictionary
    out = {}
    for i in p.attribute_indices:
        a = d.attribute_table[i]
        out[d.string_table[a.key_strindex]] = value_str(d, a.value)
    return out


def referenced_attributes(req):
    """How many resource/scope attributes use key_strindex with an empty key (the Collector's form)."""
    n = 0
    for rp in req.resource_profiles:
        n += sum(1 for kv in rp.resource.attributes if not kv.key and kv.key_strindex)
        for sp in rp.scope_profiles:
            n += sum(1 for kv in sp.scope.attributes if not kv.key and kv.key_strindex)
    return n


def inline_only(req):
    """True when no resource/scope attribute and no attribute_table value uses a string reference."""
    def any_ref(v):
        kind = v.WhichOneof("value")
        if kind == "string_value_strindex":
            return True
        if kind == "array_value":
            return any(any_ref(x) for x in v.array_value.values)
        if kind == "kvlist_value":
            return any(not kv.key or kv.key_strindex or any_ref(kv.value) for kv in v.kvlist_value.values)
        return False
    for rp in req.resource_profiles:
        kvs = list(rp.resource.attributes) + [kv for sp in rp.scope_profiles for kv in sp.scope.attributes]
        if any(not kv.key or kv.key_strindex or any_ref(kv.value) for kv in kvs):
            return False
    return not any(any_ref(a.value) for a in req.dictionary.attribute_table)


def _profiles(req):
    for rp in req.resource_profiles:
        for sp in rp.scope_profiles:
            for p in sp.profiles:
                yield rp, p


def _ptype(req, p):
    s = req.dictionary.string_table
    return f"{s[p.sample_type.type_strindex]}/{s[p.sample_type.unit_strindex]}"


def _leaf(req, sample):
    d = req.dictionary
    locs = d.stack_table[sample.stack_index].location_indices
    if not locs:
        return "<no stack>"
    lines = d.location_table[locs[0]].lines
    if not lines:
        return f"0x{d.location_table[locs[0]].address:x}"
    return d.string_table[d.function_table[lines[0].function_index].name_strindex]


def totals(reqs, service_key="service.name"):
    out = {}
    for req in reqs:
        for rp, p in _profiles(req):
            k = (resource_attrs(req, rp).get(service_key, ""), _ptype(req, p))
            out[k] = out.get(k, 0) + sum(sum(s.values) for s in p.samples)
    return out


def leaves(reqs, service_key="service.name"):
    out = {}
    for req in reqs:
        for rp, p in _profiles(req):
            svc_name, t = resource_attrs(req, rp).get(service_key, ""), _ptype(req, p)
            for s in p.samples:
                k = (svc_name, t, _leaf(req, s))
                out[k] = out.get(k, 0) + sum(s.values)
    return {k: v for k, v in out.items() if v}


def requests(seed):
    """Three fixture requests for services cart-svc / payments-svc / search-svc, and a random one."""
    reqs = [
        build_request([("cpu.pb.gz", {"service.name": "cart-svc"}), ("heap.pb.gz", {"service.name": "cart-svc"})]),
        build_request([("cpu-2.pb.gz", {"service.name": "payments-svc"}),
                       ("mutex.pb.gz", {"service.name": "payments-svc"}),
                       ("block.pb.gz", {"service.name": "payments-svc"})]),
        build_request([("allocs.pb.gz", {"service.name": "search-svc", "host.name": "node-1"})]),
    ]
    out = [svc.ExportProfilesServiceRequest.FromString(r) for r in reqs]
    rnd = random.Random(seed)
    base = svc.ExportProfilesServiceRequest.FromString(
        build_request([(rnd.choice(["cpu.pb.gz", "heap-2.pb.gz", "block-2.pb.gz", "allocs-2.pb.gz"]),
                        {"service.name": "random-svc", "rnd": str(seed)})]))
    for _, p in _profiles(base):
        keep = [s for s in p.samples if rnd.random() < 0.7]
        for s in keep:
            for i in range(len(s.values)):
                s.values[i] *= rnd.randint(1, 5)
        del p.samples[:]
        p.samples.extend(keep)
    out.append(base)
    return out


def read_proto_dir(d):
    return [svc.ExportProfilesServiceRequest.FromString(open(os.path.join(d, n), "rb").read())
            for n in sorted(os.listdir(d))] if os.path.isdir(d) else []


def read_collector_json(path):
    """The Collector's file exporter writes one ProfilesData as OTLP/JSON per line (same fields as the
    request: resourceProfiles, dictionary)."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            if line.strip():
                out.append(json_format.Parse(line, svc.ExportProfilesServiceRequest(), ignore_unknown_fields=False))
    return out
