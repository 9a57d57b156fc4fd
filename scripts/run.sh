#!/usr/bin/env bash
# Quick start 1: install what is needed, build, and run proflow on the embedded default config
# (OTLP on localhost:4317/4318, files under ./proflow-data, /metrics on :8888, health on :13133).
# Extra arguments go to proflow, e.g. scripts/run.sh --config examples/sidecar.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
scripts/build.sh build
exec build/proflow "$@"
