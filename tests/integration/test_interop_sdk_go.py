#!/usr/bin/python3
"""test_interop_sdk_go.py — the real Pyroscope Go SDK (github.com/grafana/pyroscope-go, version in
tests/peers/versions; workload tests/peers/pyroscope-go built by scripts/install-test-peers.sh) pushes
CPU and the godeltaprof heap, mutex and block profiles, with tags, a tenant and basic auth, for ~10 s
to proflow's pyroscope receiver through a recording proxy.

Asserted: every push was answered 2xx; `go tool pprof -raw` reads every pprof file proflow wrote;
the expected sample types exist (cpu, alloc_space/inuse_space, contentions/delay from both the
mutex and the block profile); the tags are resource attributes and the TagWrapper label is a sample
label; the tenant and the basic-auth header reached the batch metadata (the pyroscope exporter
forwards both to a push backend); and per sample type the totals proflow wrote equal the totals of
the pprof parts the SDK sent (decoded here with Python protobuf)."""
import base64
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from peers import require  # noqa: E402
import sdk_interop as S  # noqa: E402

TENANT, USER, PASSWORD = "go-tenant", "go-user", "go-secret"


def main():
    (workload,) = require("pyroscope-go")
    r = S.run(lambda url: [workload, "-server", url, "-seconds", "10", "-tenant", TENANT, "-user", USER,
                           "-password", PASSWORD])
    assert "stopped" in r.stdout, r.stdout
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    S.check_common(r, tenant=TENANT, authorization=auth, tags={"env": "ci", "team": "profiling",
                                                              "service.name": "go-sdk-app"})
    sent = {}
    for rec in r.records:
        q = S.query(rec)
        assert q["name"].split("{")[0] == "go-sdk-app", q
        assert "env=ci" in q["name"] and "team=profiling" in q["name"], q
        S.add(sent, S.pprof_sums(S.pprof_part(rec)))
    names = {}
    for o in r.outputs:  # proflow names each file after its profile type (Pyroscope's __name__)
        kind = o["name"].rsplit("-", 1)[1].split(".")[0]
        names[kind] = names.get(kind, 0) + 1
    assert {"process_cpu", "memory", "mutex", "block"} <= set(names), names
    got = {}
    for o in r.outputs:
        S.add(got, o["sums"])
    types = {t for o in r.outputs for t in o["types"]}
    for t in ("cpu/nanoseconds", "alloc_space/bytes", "inuse_space/bytes", "contentions/count", "delay/nanoseconds"):
        assert t in types, (t, types)
    assert any("endpoint" in o["label_keys"] for o in r.outputs), [o["label_keys"] for o in r.outputs]
    assert got == sent, ("totals differ", sorted(got.items()), sorted(sent.items()))
    print(f"ok: {len(r.records)} Go SDK pushes ({', '.join(f'{k}={v}' for k, v in sorted(names.items()))}) "
          f"answered 2xx, {len(r.outputs)} pprof files read by go tool pprof, totals equal, tags, tenant, basic auth")


if __name__ == "__main__":
    main()
