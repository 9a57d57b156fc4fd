#!/usr/bin/env bash
# Runs the libFuzzer harnesses of tests/fuzz.
#   scripts/fuzz.sh TARGET [SECONDS]     one harness (default 60 s)
#   scripts/fuzz.sh all SECONDS          every harness, one after the other
#   scripts/fuzz.sh list                 the harness names
# Environment: FUZZ_BUILD (build dir, default build-fuzz; configured with clang and -DPROFLOW_FUZZ=ON
# and built here when missing), FUZZ_RUNS (stop after this many executions instead of SECONDS),
# FUZZ_JOBS (parallel libFuzzer workers per harness, default 1), FUZZ_EXTRA (more libFuzzer flags),
# FUZZ_BIN_DIR (run harness binaries copied elsewhere, so a long campaign survives rebuilds),
# FUZZ_NO_BUILD=1 (use the binaries as they are), FUZZ_ORDER (the harnesses for `all`, in order),
# FUZZ_SEED (libFuzzer's -seed: with the same seed and a fresh corpus a run mutates the same inputs in
# the same order, so a CI smoke failure reproduces here with the same command and a longer time).
#
# Memory and time are bugs too: -rss_limit_mb=2048 and -malloc_limit_mb=1024 (an input that makes a
# harness allocate more is reported as a crash), and -timeout=10 per input (the largest seed is the
# 680 KB JFR recording; every other input runs in milliseconds). Each harness works on a corpus in
# $FUZZ_BUILD/corpus/<target>/, seeded from tests/fuzz/corpus/<target>/ (committed) and, for jfr, the
# JFR fixture; crashes go to $FUZZ_BUILD/artifacts/<target>/. A summary line per harness (executions,
# cov, ft, corpus, crashes) is appended to $FUZZ_BUILD/fuzz-summary.tsv. Exit status: 1 when any
# harness found a crash, leak, OOM or timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${FUZZ_BUILD:-build-fuzz}

targets() { ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||'; }

dict_for() {
    case $1 in
        http1) echo tests/fuzz/dict/http1.dict ;;
        http2) echo tests/fuzz/dict/http2.dict ;;
        otlp_json | push_json | sampling_api | otlp_reply) echo tests/fuzz/dict/json.dict ;;
        config_yaml | file_sd | relabel) echo tests/fuzz/dict/yaml.dict ;;
        folded) echo tests/fuzz/dict/folded.dict ;;
        ingest_query) echo tests/fuzz/dict/ingest_query.dict ;;
        multipart) echo tests/fuzz/dict/multipart.dict ;;
        *) echo "" ;;
    esac
}

ensure_build() {
    [ "${FUZZ_NO_BUILD:-}" = 1 ] && return 0
    if ! command -v clang >/dev/null 2>&1; then
        echo "fuzz.sh: clang not found (scripts/install-deps.sh installs it)" >&2
        exit 2
    fi
    if [ ! -f "$build/CMakeCache.txt" ]; then
        CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROFLOW_FUZZ=ON >/dev/null
    fi
    cmake --build "$build" -j"${FUZZ_BUILD_JOBS:-$(nproc)}" --target fuzz_all >/dev/null
}

run_one() {
    local t=$1 secs=$2
    local bin=${FUZZ_BIN_DIR:-$build/tests/fuzz}/fuzz_$t
    [ -x "$bin" ] || { echo "fuzz.sh: no harness $t ($bin)" >&2; return 2; }
    local corpus=$build/corpus/$t artifacts=$build/artifacts/$t log=$build/logs/$t.log
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    local seeds=(tests/fuzz/corpus/$t)
    [ -d tests/fuzz/regressions/$t ] && seeds+=(tests/fuzz/regressions/$t)
    if [ "$t" = jfr ]; then
        mkdir -p "$build/seeds/jfr"
        cp -f tests/fixtures/jfr/java17-profile.jfr "$build/seeds/jfr/"
        seeds+=("$build/seeds/jfr")
    fi
    local args=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1
                -artifact_prefix="$artifacts/" -detect_leaks=1)
    [ -n "${FUZZ_SEED:-}" ] && args+=(-seed="$FUZZ_SEED")
    if [ -n "${FUZZ_RUNS:-}" ]; then args+=(-runs="$FUZZ_RUNS"); else args+=(-max_total_time="$secs"); fi
    local d; d=$(dict_for "$t")
    [ -n "$d" ] && args+=(-dict="$d")
    [ -n "${FUZZ_JOBS:-}" ] && args+=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
    # shellcheck disable=SC2086
    local rc=0
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" "${args[@]}" ${FUZZ_EXTRA:-} "$corpus" "${seeds[@]}" </dev/null >"$log" 2>&1 || rc=$?
    local execs cov ft corp
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 | awk '{print $2}')
    local crashes; crashes=$(find "$artifacts" -type f | wc -l)
    printf '%s\t%s\texecs=%s\tcov=%s\tft=%s\tcorpus=%s\tartifacts=%s\trc=%s\n' "$(date -u +%FT%TZ)" "$t" \
        "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" "$rc" | tee -a "$build/fuzz-summary.tsv"
    if [ "$rc" -ne 0 ]; then
        echo "fuzz.sh: $t failed (exit $rc); log: $log; inputs: $artifacts" >&2
        grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$log" | head -20 >&2 || true
        return 1
    fi
}

case ${1:-} in
    list) targets ;;
    all)
        secs=${2:?usage: scripts/fuzz.sh all SECONDS}
        ensure_build
        failed=0
        for t in ${FUZZ_ORDER:-$(targets)}; do run_one "$t" "$secs" || failed=1; done
        exit $failed
        ;;
    "" | -h | --help) sed -n '2,20p' "$0"; exit 2 ;;
    *)
        ensure_build
        run_one "$1" "${2:-60}"
        ;;
esac
