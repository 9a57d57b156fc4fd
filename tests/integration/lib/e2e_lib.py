"""e2e_lib.py — helpers shared by the end-to-end tests (test_e2e_*.py), not a test itself.

- record_details(): makes the Python backends of servers/profile_backends.py also record, for every
  raw pprof they receive, what the end-to-end tests check beyond sums: time/duration/period, the
  smallest sample value per type and the sample label keys. profile_backends.analyse_pprof is wrapped
  in place (its handlers look it up at call time), so the backends still decode with Python protobuf
  only and still run `go tool pprof -raw` on every profile.
- totals(): per-sample-type sums and sample count over a list of those analyses."""
import gzip



def _details(profile_pb2, raw):
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    p = profile_pb2.Profile.FromString(data)
    s = p.string_table
    types = [f"{s[t.type]}/{s[t.unit]}" for t in p.sample_type]
    minimum = {t: min((x.value[i] for x in p.sample), default=0) for i, t in enumerate(types)}
    label_keys = sorted({s[label.key] for x in p.sample for label in x.label})
    return {"time_nanos": p.time_nanos, "duration_nanos": p.duration_nanos, "period": p.period,
            "period_type": f"{s[p.period_type.type]}/{s[p.period_type.unit]}" if p.HasField("period_type") else "",
            "min": minimum, "label_keys": label_keys}


def record_details():
    """Call once, before starting a backend. profile_backends is imported here, not at the top: the
    import generates its stubs, and needs servers/ on sys.path, which only the backend tests set."""
    import profile_backends
    original = profile_backends.analyse_pprof

    def analyse(raw):
        return {**original(raw), **_details(profile_backends.profile_pb2, raw)}

    profile_backends.analyse_pprof = analyse


def totals(profiles):
    """Sums per sample type and the sample count over a list of backend analyses."""
    sums, samples = {}, 0
    for p in profiles:
        samples += p["samples"]
        for t, v in p["sums"].items():
            sums[t] = sums.get(t, 0) + v
    return sums, samples
