#!/usr/bin/env bash
# Can loadtest's open loop offer as much load from one core as h2load's rate mode? Both on core 1
# drive BenchmarkService/UnaryCall on Courier's interop-server (core 0, one thread) at each rate,
# interleaved; each row: calls answered per second, and for loadtest its p99 (from the intended
# send time) and its own send lag p99 (how late calls left: the client falling behind).
#   bench/open-loop-capacity.sh [RATE ...]      (default 20000 40000 60000 80000)
#   LOADTEST_FLAGS="--deadline 0" sends the same requests as h2load (no grpc-timeout; loadtest sets 5 s by default).
set -euo pipefail
cd "$(dirname "$0")/.."
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(20000 40000 60000 80000)
seconds=5
swift build -c release --product interop-server >/dev/null
swift build -c release --product loadtest >/dev/null
bin="$(swift build -c release --show-bin-path)"
port=50094
work=$(mktemp -d)
taskset -c 0 "$bin/interop-server" --port $port --threads 1 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
printf '\x00\x00\x00\x00\x14\x10\x10\x1a\x12\x12\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/framed"
request_hex="10101a121210$(printf '0%.0s' $(seq 1 32))"
echo "rate/s        h2load ok/s   loadtest ok/s   loadtest p99 ms   send lag p99 ms   errors"
for rate in "${rates[@]}"; do
  h2=$(taskset -c 1 h2load -n $((rate * seconds)) -c 8 -m 64 --rps $((rate / 8)) -t 1 -d "$work/framed" \
         -H content-type:application/grpc -H te:trailers "http://127.0.0.1:$port/grpc.testing.BenchmarkService/UnaryCall" \
       | awk '/^finished in/ {print $4}')
  taskset -c 1 "$bin/loadtest" rpc --target 127.0.0.1:$port --method grpc.testing.BenchmarkService/UnaryCall \
    --data-hex "$request_hex" --rate "$rate" --duration ${seconds}s --warmup 1s --connections 8 --threads 1 ${LOADTEST_FLAGS:-} --json > "$work/lt.json"
  python3 - "$rate" "$h2" "$work/lt.json" <<'PY'
import json, sys
rate, h2, path = sys.argv[1], sys.argv[2], sys.argv[3]
s = json.load(open(path))
lag = s.get("send_lag_ms") or {}
print(f"{rate:>8}   {float(h2):>14,.0f}   {s['throughput_per_second']:>13,.0f}   {s['latency_ms']['p99']:>15.3f}   {lag.get('p99', float('nan')):>15.3f}   {sum(s['errors'].values()) + s['dropped']}")
PY
done
