#!/usr/bin/env bash
# Installs everything proflow needs to build, test and benchmark, from Debian packages.
# Idempotent: packages already present are skipped by apt. Works as root or through sudo.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config
  libuv1-dev                         # event loop
  libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev   # wire formats (+ well-known types Parca imports)
  libyaml-dev                        # config files
  libssl-dev                         # TLS
  libnghttp2-dev                     # HTTP/2 server
  libhttp-parser-dev                 # HTTP/1.1 parsing
  libcurl4-openssl-dev               # HTTP client (libcurl multi-socket on libuv)
  zlib1g-dev libdeflate-dev libzstd-dev   # gzip / deflate / zstd
  libpcre2-dev                       # relabel regexes
  libjansson-dev                     # JSON (OTLP/JSON, sampling API)
  libcmocka-dev                      # unit tests
)
TEST_PKGS=(
  clang-format                       # scripts/format.sh --check (the house style, .clang-format)
  curl nghttp2-client                # real HTTP/1.1 and HTTP/2 clients (curl, h2load)
  openssl zstd                       # throwaway test certificates; zstd-encoded request bodies
  python3 python3-grpcio python3-protobuf python3-grpc-tools   # real gRPC peers
  python3-yaml                       # reads the Kubernetes manifests in deploy/ (test_deploy_configs)
  golang-go                          # go tool pprof, Go net/http/pprof targets
  openjdk-17-jdk-headless            # java/javac/jfr: real JFR recordings for the pyroscope receiver
  python3-venv                       # the venv scripts/install-test-peers.sh puts pyroscope-io (PyPI) into
)
# The real @pyroscope/nodejs SDK needs Node.js + npm (scripts/install-test-peers.sh). Machines that
# already ship a Node.js keep it; only a machine without one gets Debian's.
NODE_PKGS=(nodejs npm)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" != "--build-only" ]; then
  want+=("${TEST_PKGS[@]}")
  command -v npm >/dev/null 2>&1 || want+=("${NODE_PKGS[@]}")
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
