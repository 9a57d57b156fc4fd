#!/usr/bin/python3
"""test_interop_sdk_python.py — the real Pyroscope Python SDK (pyroscope-io from PyPI, version in
tests/peers/versions, in a venv made by scripts/install-test-peers.sh) profiles
tests/peers/pyroscope-python/workload.py for ~10 s and pushes to proflow's pyroscope receiver through
a recording proxy. pyroscope-io 1.4 speaks push.v1 (Connect, gzip-encoded protobuf), not /ingest.

Asserted: every push was answered 2xx; `go tool pprof -raw` reads every pprof file proflow wrote;
cpu samples exist; the configure() tags and the SDK's own labels are resource attributes of every
profile and the tag_wrapper tag is a sample label; the tenant reached the batch metadata (forwarded
to a push backend); per sample type the totals proflow wrote equal those of the pprofs in the
Push requests the SDK sent (decoded here with Python protobuf)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import SOURCE_DIR  # noqa: E402
from peers import require  # noqa: E402
import sdk_interop as S  # noqa: E402

TENANT = "py-tenant"


def main():
    (python,) = require("python")
    workload = os.path.abspath(os.path.join(SOURCE_DIR, "tests", "peers", "pyroscope-python", "workload.py"))
    r = S.run(lambda url: [python, workload, url, "10", TENANT])
    assert "stopped" in r.stdout, (r.stdout, r.stderr)
    S.check_common(r, tenant=TENANT, tags={"env": "ci", "team": "profiling", "service.name": "py-sdk-app"})
    sent, paths = {}, set()
    for rec in r.records:
        paths.add(rec["target"].split("?")[0])
        for labels, raws in S.push_series(rec):
            assert labels.get("env") == "ci" and labels.get("team") == "profiling", labels
            for raw in raws:
                S.add(sent, S.pprof_sums(raw))
    got = {}
    for o in r.outputs:
        S.add(got, o["sums"])
    assert "cpu/nanoseconds" in {t for o in r.outputs for t in o["types"]}, [o["types"] for o in r.outputs]
    assert any("endpoint" in o["label_keys"] for o in r.outputs), [o["label_keys"] for o in r.outputs]
    assert got == sent and sent, ("totals differ", got, sent)
    print(f"ok: {len(r.records)} Python SDK pushes to {sorted(paths)} answered 2xx, {len(r.outputs)} pprof files "
          f"read by go tool pprof, totals {got} equal what the SDK sent, tags and tenant")


if __name__ == "__main__":
    main()
