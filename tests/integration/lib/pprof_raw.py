"""pprof_raw.py — helper for the pprof integration tests (not a test itself).

`go tool pprof -raw` prints ids (location ids in samples, mapping ids in locations) that depend on how
a writer numbered things. normalize() resolves them to the text they stand for and sorts samples, so
two profiles with the same content compare equal however their ids and string tables are ordered."""
import re
import subprocess


def raw(path):
    return subprocess.run(["go", "tool", "pprof", "-raw", path], check=True, capture_output=True, text=True).stdout


def normalize(text):
    lines = text.splitlines()
    header, samples, locations, mappings = [], [], {}, {}
    section = "header"
    current_loc = None
    for line in lines:
        if line in ("Samples:", "Locations", "Mappings"):
            section = line.rstrip(":")
            continue
        if section == "header":
            header.append(line)
        elif section == "Samples":
            m = re.match(r"^\s*([-\d ]+):((?: \d+)*) ?$", line)
            if m:
                samples.append([m.group(1).split(), m.group(2).split(), ""])
            elif samples:
                samples[-1][2] += line.strip() + " "
            else:
                header.append("types: " + line.strip())
        elif section == "Locations":
            m = re.match(r"^\s*(\d+): (.*)$", line)
            if m:
                current_loc = m.group(1)
                locations[current_loc] = [m.group(2)]
            else:
                locations[current_loc].append(line.strip())
        elif section == "Mappings":
            m = re.match(r"^(\d+): (.*)$", line)
            if m:
                mappings[m.group(1)] = m.group(2).strip()

    def loc_text(lid):
        body = " | ".join(locations[lid])
        return re.sub(r"M=(\d+)", lambda m: "M=[" + mappings.get(m.group(1), "?") + "]", body)

    normalized = sorted(" ".join(v) + " @ " + " ; ".join(loc_text(l) for l in ids) + " # " + lab.strip()
                        for v, ids, lab in samples)
    # Only mappings that some location uses: go tool pprof before 1.2x dropped unused ones on load, newer
    # versions print them, and a round trip through OTLP keeps only what locations reference.
    used = {m for body in locations.values() for m in re.findall(r"M=(\d+)", " ".join(body))}
    return header, normalized, sorted({v for k, v in mappings.items() if k in used})
