#!/usr/bin/env bash
# Quick start 2: install build and test dependencies (Debian packages, npm packages for real SDK
# peers), build proflow twice (optimised, and with AddressSanitizer + UndefinedBehaviorSanitizer)
# and run every unit and integration test in both builds; then every libFuzzer harness (tests/fuzz)
# for a short smoke run (PROFLOW_FUZZ_SMOKE_SECONDS each, default 20) so harnesses never rot.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ -x scripts/install-test-peers.sh ]; then scripts/install-test-peers.sh; fi

# The house style (.clang-format): a file that drifts from it fails here, before anything is built.
scripts/format.sh --check

jobs=$(nproc)
scripts/build.sh build
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 600

scripts/build.sh build-asan -DPROFLOW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 900

# Fuzz smoke: a clang build with libFuzzer (build-fuzz), each harness for a few seconds.
# A fixed seed makes the smoke reproducible: before a commit, the same command with a longer time and
# a fresh FUZZ_BUILD corpus covers everything CI will try (docs/fuzzing.md, "Smoke in CI").
FUZZ_SEED=${PROFLOW_FUZZ_SEED:-1} scripts/fuzz.sh all "${PROFLOW_FUZZ_SMOKE_SECONDS:-20}"
