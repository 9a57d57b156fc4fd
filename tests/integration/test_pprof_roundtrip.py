"""test_pprof_roundtrip.py — every pprof fixture survives pprof → OTLP → pprof.

Drives tests/tools/pprof_roundtrip (the library, not a hidden proflow command) and checks with the
real `go tool pprof -raw` that the output has the same content as the input (after resolving ids, see
lib/pprof_raw.py), and with Python protobuf that the exact per-type value sums equal the
fixtures' summary.json. Also checks the output uses sequential ids and string_table[0] == ""."""
import gzip
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import run_cases  # noqa: E402
from pprof_raw import normalize, raw  # noqa: E402

FIX = os.environ["PROFLOW_FIXTURES"]
BUILD = os.environ["PROFLOW_BUILD_DIR"]
SRC = os.environ["PROFLOW_SOURCE_DIR"]
TOOL = os.path.join(BUILD, "tests", "pprof_roundtrip")

CASES = [("go", n) for n in ("cpu", "cpu-2", "heap", "heap-2", "allocs", "allocs-2", "goroutine", "mutex",
                             "mutex-2", "block", "block-2", "threadcreate")] + [("node", "cpu"), ("node", "heap")]


def profile_pb2(tmp):
    subprocess.run(["protoc", "--python_out=" + tmp, "-I" + os.path.join(SRC, "proto"), "profile.proto"], check=True)
    sys.path.insert(0, tmp)
    import profile_pb2 as pb  # noqa: E402
    return pb


def check_structure(pb, path, summary):
    p = pb.Profile()
    p.ParseFromString(gzip.decompress(open(path, "rb").read()))
    assert p.string_table[0] == "", "string_table[0] must be empty"
    for table in (p.mapping, p.location, p.function):
        ids = [x.id for x in table]
        assert ids == list(range(1, len(ids) + 1)), f"ids not sequential: {ids[:10]}"
    types = [p.string_table[t.type] + "/" + p.string_table[t.unit] for t in p.sample_type]
    assert types == summary["sample_types"], (types, summary["sample_types"])
    sums = {t: sum(s.value[i] for s in p.sample) for i, t in enumerate(types)}
    assert sums == summary["value_sums"], (sums, summary["value_sums"])
    assert len(p.sample) == summary["num_samples"], (len(p.sample), summary["num_samples"])
    # pprof's rule: default_sample_type 0 means the last sample type.
    dst = p.string_table[p.default_sample_type] if p.default_sample_type else types[-1].split("/")[0]
    assert dst == summary["default_sample_type"].split("/")[0], (dst, summary["default_sample_type"])
    assert p.time_nanos == summary["time_nanos"] and p.duration_nanos == summary["duration_nanos"]
    assert p.period == summary["period"]


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        pb = profile_pb2(tmp)
        for lang, name in CASES:
            src = os.path.join(FIX, "pprof", lang, name + ".pb.gz")
            summary = json.load(open(os.path.join(FIX, "pprof", lang, "summary.json")))[name + ".pb.gz"]
            prefix = os.path.join(tmp, f"{lang}-{name}")
            out = subprocess.run([TOOL, src, prefix], capture_output=True, text=True)
            try:
                assert out.returncode == 0, out.stderr
                stats = dict(kv.split("=", 1) for kv in out.stdout.split())
                assert stats["items"] == "1", out.stdout
                assert int(stats["profiles"]) == len(summary["sample_types"]), out.stdout
                assert int(stats["samples"]) == summary["num_samples"] * len(summary["sample_types"]), out.stdout
                got = prefix + ".0.pb.gz"
                check_structure(pb, got, summary)
                want_n, got_n = normalize(raw(src)), normalize(raw(got))
                assert want_n == got_n, f"-raw differs:\nwant {want_n[0]}\n got {got_n[0]}\n" + "\n".join(
                    f"- {a}\n+ {b}" for a, b in zip(want_n[1], got_n[1]) if a != b)[:3000]
                print(f"ok   {lang}/{name}: {stats}")
            except AssertionError as e:
                failures += 1
                print(f"FAIL {lang}/{name}: {e}")
    assert failures == 0, f"{failures} fixture(s) failed"


if __name__ == "__main__":
    run_cases([("pprof roundtrip", main)])
