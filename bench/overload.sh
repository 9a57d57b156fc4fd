#!/usr/bin/env bash
# overload.sh — issue 10's benchmark, unattended: builds an optimized proflow and the pprof_to_otlp
# converter in build-bench, then runs bench/overload.py (a gateway with its backend down under 1 MB
# requests: peak RSS, refused %, bytes held per queued batch, delivery after the outage, and the
# persistent / in-memory queue throughput ratio). Takes a few minutes; every process it starts is
# stopped before it exits. Arguments go to the driver (e.g. --requests 200 --configs default); see
# --help. Not part of the test suite: machines are shared, the figures are for tracking.
set -euo pipefail

SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$SOURCE_DIR/build-bench}"

cmake -S "$SOURCE_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j2 --target proflow pprof_to_otlp >/dev/null

exec /usr/bin/python3 "$SOURCE_DIR/bench/overload.py" --build-dir "$BUILD_DIR" "$@"
