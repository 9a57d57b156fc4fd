#!/usr/bin/env bash
# Regenerates the configuration reference from the components' own config tables
# (`proflow components --reference`), so the docs, the parser and its validation share one source:
#   - each component's README.md (receivers/<type>/, processors/<type>/, exporters/<type>/,
#     pipeline/extensions/<type>/) gets its keys between the CONFIG-REFERENCE markers; a README that
#     does not exist is created, one without the markers gets them appended, and whatever is outside
#     the markers (a hand-written introduction) is kept;
#   - the root README.md gets, between its markers, the list of components linking to those READMEs.
# A test (tests/integration/test_docs_current.py) fails when any of them is out of date.
# Usage: scripts/gen-config-docs.sh [path/to/proflow] [source root, default: the repository]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/proflow}
root=${2:-.}
ref=$(mktemp)
trap 'rm -f "$ref"' EXIT
"$bin" components --reference > "$ref"
/usr/bin/env python3 - "$root" "$ref" <<'PY'
import os
import re
import sys

root, ref = sys.argv[1], sys.argv[2]
BEGIN, END = "<!-- BEGIN CONFIG-REFERENCE (scripts/gen-config-docs.sh) -->", "<!-- END CONFIG-REFERENCE -->"
FOLDERS = {"receiver": "receivers", "processor": "processors", "exporter": "exporters",
           "extension": "pipeline/extensions"}
NOTE = ("Durations use Go syntax (`200ms`, `1m30s`); sizes accept bytes or units (`20MiB`). `section` rows "
        "introduce the keys below them; `key[]` is a list of entries with the keys that follow.")


def replace_block(path, body, title):
    """Puts body between the markers of path, creating the file or the markers when missing."""
    block = f"{BEGIN}\n{body}{END}"
    if not os.path.exists(path):
        text = f"# {title}\n\n{block}\n"
    else:
        text = open(path).read()
        head, found, rest = text.partition(BEGIN)
        if found:
            _, found_end, tail = rest.partition(END)
            if not found_end:
                sys.exit(f"{path}: {BEGIN} without {END}")
            text = f"{head}{block}{tail}"
        else:
            text = f"{text.rstrip()}\n\n{block}\n"
    with open(path, "w") as f:
        f.write(text)


# One section per component: "### <kind> `<type>` (<stability>)", its description, its table.
sections = re.split(r"^(?=### )", open(ref).read(), flags=re.M)
rows = []
for sec in sections:
    if not sec.strip():
        continue
    heading, _, rest = sec.partition("\n")
    m = re.fullmatch(r"### (\w+) `([\w/]+)` \((\w+)\)", heading)
    if not m:
        sys.exit(f"unexpected reference heading: {heading!r}")
    kind, typ, stability = m.groups()
    rest = rest.strip("\n")
    description, _, table = rest.partition("\n\n")
    folder = f"{FOLDERS[kind]}/{typ}"
    body = (f"## Configuration\n\n{kind} `{typ}`, stability: {stability}. {description}\n\n{NOTE}\n\n"
            f"{table}\n" if table else f"## Configuration\n\n{kind} `{typ}`, stability: {stability}. "
            f"{description}\n")
    replace_block(os.path.join(root, folder, "README.md"), body, f"{typ} {kind}")
    rows.append(f"| {kind} | [`{typ}`]({folder}/README.md#configuration) | {stability} | {description} |")

index = "| kind | type | stability | description |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
readme = os.path.join(root, "README.md")
if BEGIN not in open(readme).read():
    sys.exit(f"{readme}: missing {BEGIN}")
replace_block(readme, index, "")
PY
