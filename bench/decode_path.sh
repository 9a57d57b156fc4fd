#!/usr/bin/env bash
# decode_path.sh — what the tree path costs (receive, decode, validate, read the tree): proflow
# [otlp (gRPC) -> debug, verbosity normal, which walks every profile] at a fixed rate, for each binary
# given, twice, alternating. Prints CPU ms per request (utime+stime over the phase / requests).
# Usage: bench/decode_path.sh REQUEST.binpb RATE BINARY... (REQUEST: a serialized
# ExportProfilesServiceRequest, e.g. from tests/pprof_to_otlp as bench/vs_collector.py builds them).
# Every process it starts is stopped before it exits; needs h2load.
set -euo pipefail
req=$1 rate=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -c "import struct,sys; b=open(sys.argv[1],'rb').read(); open(sys.argv[2],'wb').write(b'\0'+struct.pack('>I',len(b))+b)" \
  "$req" "$work/req.grpc"
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
cat > "$work/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:$port}
exporters:
  debug: {verbosity: normal}
service:
  pipelines:
    profiles: {receivers: [otlp], exporters: [debug]}
  telemetry:
    logs: {level: warn}
YAML
ticks=$(getconf CLK_TCK)
for round in 1 2; do
  for bin in "$@"; do
    "$bin" --config "$work/config.yaml" > "$work/log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
    c0=$(awk '{print $14+$15}' /proc/$pid/stat)
    h2load -t1 -c2 -m8 -D 8 --rps="$(python3 -c "print($rate/2)")" -d "$work/req.grpc" \
      -H "content-type: application/grpc" -H "te: trailers" \
      "http://127.0.0.1:$port/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export" > "$work/h2"
    sleep 0.5
    c1=$(awk '{print $14+$15}' /proc/$pid/stat)
    n=$(grep -oP '\d+(?= succeeded)' "$work/h2")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "round $round $bin $(basename "$req"): $n requests, $(python3 -c "print(round(($c1-$c0)*1000/$ticks/$n,2))") ms CPU/request"
  done
done
