#!/usr/bin/env bash
# Installs the npm packages the integration tests use as real clients (the @pyroscope/nodejs SDK) into
# tests/node/node_modules, exactly as pinned by tests/node/package-lock.json (`npm ci`). Node.js and npm
# themselves come from scripts/install-deps.sh. Safe to re-run: skips when the install is current.
set -euo pipefail
cd "$(dirname "$0")/../tests/node"
if ! command -v npm >/dev/null; then
  echo "install-test-peers: npm not found (run scripts/install-deps.sh first)" >&2
  exit 1
fi
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
