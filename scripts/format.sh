#!/usr/bin/env bash
# Formats every C file the project tracks with clang-format and the repository's .clang-format.
# Usage: scripts/format.sh          rewrite files in place
#        scripts/format.sh --check  change nothing; list files that differ and exit 1 (run by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format.sh: clang-format not found (scripts/install-deps.sh)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then echo "not formatted: $f"; bad=1; fi
  done
  [ $bad -eq 0 ] && echo "format: ${#files[@]} files formatted"
  exit $bad
fi
clang-format --style=file -i "${files[@]}"
