#!/usr/bin/env bash
# Regenerates the configuration reference inside README.md (between the CONFIG-REFERENCE markers)
# from the components' own config tables (`proflow components --reference`), so the README, the
# parser and its validation share one source. A test fails when the README is out of date.
# Usage: scripts/gen-config-docs.sh [path/to/proflow] [README path]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/proflow}
readme=${2:-README.md}
ref=$(mktemp)
trap 'rm -f "$ref"' EXIT
"$bin" components --reference > "$ref"
/usr/bin/env python3 - "$readme" "$ref" <<'PY'
import sys
readme, ref = sys.argv[1], sys.argv[2]
begin, end = "<!-- BEGIN CONFIG-REFERENCE (scripts/gen-config-docs.sh) -->", "<!-- END CONFIG-REFERENCE -->"
text = open(readme).read()
head, _, rest = text.partition(begin)
_, _, tail = rest.partition(end)
if not rest:
    sys.exit(f"{readme}: missing {begin}")
body = open(ref).read()
open(readme, "w").write(f"{head}{begin}\n{body}{end}{tail}")
PY
