#!/usr/bin/env bash
# otlp_passthrough.sh — issue 3's benchmark, unattended: builds an optimized proflow and the
# pprof_to_otlp converter in build-bench, then runs bench/otlp_passthrough.py, which compares
# otlp receiver -> otlphttp exporter -> sink with the null pipeline (otlp receiver -> debug) over gRPC
# and HTTP/1.1 with h2load. Takes about 3 minutes; every process it starts is stopped before it exits.
# Arguments go to the driver (e.g. --duration 5 --transports grpc --sizes small); see --help.
# Not part of the test suite: machines are shared, so the figures are for tracking, not for asserting.
set -euo pipefail

SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$SOURCE_DIR/build-bench}"

command -v h2load >/dev/null || { echo "h2load is missing: run scripts/install-deps.sh" >&2; exit 1; }

cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j2 --target proflow pprof_to_otlp >/dev/null

exec /usr/bin/python3 "$SOURCE_DIR/bench/otlp_passthrough.py" --build-dir "$BUILD_DIR" "$@"
