#!/usr/bin/env bash
# Configures and builds one flavour of proflow. Usage: scripts/build.sh [DIR] [extra cmake args...]
# DIR defaults to build/. Example: scripts/build.sh build-asan -DPROFLOW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
