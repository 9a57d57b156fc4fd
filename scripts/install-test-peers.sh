#!/usr/bin/env bash
# Installs the real peers the integration tests talk to, at the versions pinned in
# tests/peers/versions (and tests/peers/*/go.mod, tests/node/package-lock.json):
#   - @pyroscope/nodejs into tests/node/node_modules (`npm ci`, from the lock file);
#   - the OpenTelemetry Collector built from its Go modules (tests/peers/otelcol) and the Pyroscope
#     Go SDK workload (tests/peers/pyroscope-go), into $PEERS/bin;
#   - the Pyroscope Python SDK (pyroscope-io from PyPI) into a venv at $PEERS/py;
#   - the Pyroscope Java agent (io.pyroscope:agent from Maven Central, SHA-1 checked) into ~/.m2, and
#     the Java workload compiled into $PEERS/java.
# $PEERS is ${PROFLOW_PEERS_DIR:-${XDG_CACHE_HOME:-~/.cache}/proflow-peers}; Go modules go to the
# usual Go module cache. Nothing is written into the repository except node_modules (git-ignored).
# Node.js, npm, Java and Python come from scripts/install-deps.sh; Go >= 1.25 must be on PATH or at
# /usr/local/go/bin (an older go fetches the toolchain go.mod asks for through GOTOOLCHAIN=auto).
# Safe to re-run: each peer is skipped when it is already current.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/peers/versions
. "$root/tests/peers/versions"
PEERS=${PROFLOW_PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/proflow-peers}
mkdir -p "$PEERS/bin"
log() { echo "install-test-peers: $*" >&2; }

# ---- npm: @pyroscope/nodejs
(
  cd "$root/tests/node"
  if ! command -v npm >/dev/null; then
    log "npm not found (run scripts/install-deps.sh first)"
    exit 1
  fi
  stamp=node_modules/.package-lock.json
  if [ ! -f "$stamp" ] || [ ! "$stamp" -nt package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
)

# ---- Go: the Collector and the Go SDK workload
GO=go
if [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
go_build() { # dir binary: rebuilds when any source of dir is newer than the binary
  local dir=$root/tests/peers/$1 bin=$PEERS/bin/$2
  if [ -x "$bin" ] && [ -z "$(find "$dir" -newer "$bin" -type f)" ] && [ "$bin" -nt "$root/tests/peers/versions" ]; then
    return
  fi
  log "building $2 (tests/peers/$1)"
  (cd "$dir" && nice -n 10 "$GO" build -trimpath -buildvcs=false -o "$bin.tmp" . && mv "$bin.tmp" "$bin")
}
check_pin() { # go.mod module version: the go.mod must require what tests/peers/versions says
  if ! grep -qE "^\s*(require\s+)?$2 $3( |$)" "$root/tests/peers/$1/go.mod"; then
    log "tests/peers/$1/go.mod does not require $2 $3 (tests/peers/versions)"
    exit 1
  fi
}
check_pin otelcol go.opentelemetry.io/collector/otelcol "$OTELCOL_VERSION"
check_pin otelcol go.opentelemetry.io/collector/confmap "$OTELCOL_STABLE_VERSION"
check_pin otelcol github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter "$OTELCOL_CONTRIB_VERSION"
check_pin pyroscope-go github.com/grafana/pyroscope-go "$PYROSCOPE_GO_VERSION"
go_build otelcol otelcol
go_build pyroscope-go pyroscope-go-workload

# ---- PyPI: pyroscope-io in a venv of Debian's python (the interpreter the tests run with)
venv=$PEERS/py
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pyroscope-io') != '$PYROSCOPE_PYTHON_VERSION')" 2>/dev/null; then
  log "installing pyroscope-io $PYROSCOPE_PYTHON_VERSION into $venv"
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "pyroscope-io==$PYROSCOPE_PYTHON_VERSION"
fi

# ---- Maven Central: io.pyroscope:agent (plain HTTPS; the same layout Maven uses in ~/.m2)
m2=${MAVEN_REPO:-$HOME/.m2/repository}/io/pyroscope/agent/$PYROSCOPE_JAVA_VERSION
jar=$m2/agent-$PYROSCOPE_JAVA_VERSION.jar
if [ ! -s "$jar" ]; then
  log "downloading io.pyroscope:agent:$PYROSCOPE_JAVA_VERSION from Maven Central"
  mkdir -p "$m2"
  url=https://repo1.maven.org/maven2/io/pyroscope/agent/$PYROSCOPE_JAVA_VERSION/agent-$PYROSCOPE_JAVA_VERSION.jar
  curl -fsSL --retry 3 -o "$jar.tmp" "$url"
  sha=$(curl -fsSL --retry 3 "$url.sha1" | cut -c1-40)
  echo "$sha  $jar.tmp" | sha1sum -c --quiet
  mv "$jar.tmp" "$jar"
fi
ln -sf "$jar" "$PEERS/pyroscope-agent.jar"
jdir=$PEERS/java
if [ ! -f "$jdir/Workload.class" ] || [ "$root/tests/peers/pyroscope-java/Workload.java" -nt "$jdir/Workload.class" ]; then
  mkdir -p "$jdir"
  javac -cp "$jar" -d "$jdir" "$root/tests/peers/pyroscope-java/Workload.java"
fi
