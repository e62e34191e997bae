#!/usr/bin/env bash
# Is loadtest efficient enough not to be the bottleneck? (issue 4) One run, side by side: h2load
# and `loadtest rpc`, each on core 1, drive BenchmarkService/UnaryCall on Courier's interop-server
# pinned to core 0 with one thread; 8 connections x 16 streams, 200,000 calls, 3 interleaved rounds;
# rate and client CPU per call. `loadtest --deadline 0` sends what h2load sends (no grpc-timeout);
# by default loadtest gives every call a 5 s deadline, which the server must then track (it costs
# the server 5-10%: compare h2load with a grpc-timeout header); `--async-calls` makes a Swift task per call.
# The host's speed drifts by tens of percent within a minute, so the rounds interleave the clients and
# the last lines give, per loadtest row, its rate over h2load's in the same round (median of rounds).
#   bench/loadtest-vs-h2load.sh [-n CALLS] [-r ROUNDS]     results also go to bench/results/loadtest-vs-h2load-DATE-TIME.txt
set -euo pipefail
cd "$(dirname "$0")/.."
calls=200000
rounds=3
while getopts n:r: flag; do case $flag in n) calls=$OPTARG ;; r) rounds=$OPTARG ;; *) exit 2 ;; esac; done
source bench/common.sh

echo "building (release)..." >&2
swift build -c release --product interop-server >/dev/null
swift build -c release --product loadtest >/dev/null
bin="$(swift build -c release --show-bin-path)"
port=50093
taskset -c 0 "$bin/interop-server" --port $port --threads 1 >/dev/null &
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# SimpleRequest{response_size: 16, payload: 16 bytes}, and the same framed for h2load.
request_hex="10101a121210$(printf "0%.0s" $(seq 32))"
printf '\x00\x00\x00\x00\x16\x10\x10\x1a\x12\x12\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/framed.bin"

out="bench/results/loadtest-vs-h2load-$(date +%Y-%m-%d-%H%M).txt"
mkdir -p bench/results
{
  echo "# bench/loadtest-vs-h2load.sh, $(date -u '+%Y-%m-%d %H:%M UTC'): interop-server on core 0 (1 thread), clients on core 1, 8 connections x 16 streams, $calls calls"
  echo "# rate = calls/s; cpu = the client's user+system CPU per call (/usr/bin/time), which the server's speed does not set"
  for round in $(seq 1 "$rounds"); do
    echo "## round $round"
    cpu() { awk -v n="$calls" '/^cpu / {printf "  cpu %.1f us/call", ($2 + $3) * 1e6 / n}' "$work/time"; }
    for timeout in "" "5S"; do
      /usr/bin/time -o "$work/time" -f "cpu %U %S" taskset -c 1 h2load -n "$calls" -c 8 -m 16 -t 1 -d "$work/framed.bin" \
        -H "content-type: application/grpc" -H "te: trailers" ${timeout:+-H "grpc-timeout: $timeout"} \
        "http://127.0.0.1:$port/grpc.testing.BenchmarkService/UnaryCall" \
        | awk -v m="h2load${timeout:+ (grpc-timeout $timeout)}:" '/^finished in/ {printf "%-30s %8.0f calls/s", m, $4}'; cpu; echo
    done
    for mode in "--deadline 0" "" "--async-calls"; do
      /usr/bin/time -o "$work/time" -f "cpu %U %S" taskset -c 1 "$bin/loadtest" rpc --target "127.0.0.1:$port" \
        --method grpc.testing.BenchmarkService/UnaryCall --data-hex "$request_hex" --total "$calls" --connections 8 --streams 16 \
        --warmup 0s $mode | awk -v m="loadtest${mode:+ $mode}:" '/ sent, / {split($0, a, "= "); split(a[2], b, " "); printf "%-30s %8.0f calls/s", m, b[1]}'
      cpu; echo
    done
  done
} | tee "$out"
# Per round, each loadtest row's rate over the plain h2load row's; the median over the rounds.
python3 - "$out" <<'PY' | tee -a "$out"
import re, statistics, sys
ratios, base = {}, None
for line in open(sys.argv[1]):
    match = re.match(r"(h2load|loadtest[^:]*):\s+(\d+) calls/s", line)
    if not match: continue
    name, rate = match.group(1), int(match.group(2))
    if name == "h2load": base = rate
    else: ratios.setdefault(name, []).append(rate / base)
for name, values in ratios.items():
    print(f"{name + ':':30} over h2load {' '.join(f'{v:.2f}' for v in values)}  (median {statistics.median(values):.2f})")
PY
echo "results: $out" >&2
