#!/usr/bin/env bash
# Can loadtest's open loop offer as much load from one core as h2load's rate mode? Both on core 1
# drive BenchmarkService/UnaryCall on Courier's interop-server (core 0, one thread) at each rate,
# interleaved; each row: calls answered per second, and for loadtest its p99 (from the intended
# send time) and its own send lag p99 (how late calls left: the client falling behind); then the
# CPU each client and the server spent per call answered (µs), which shows whose limit a row hit:
# h2load's rate mode sends a connection's calls in bursts of ~10 ms (~25 per write at 20,000/s),
# loadtest within 250 µs of their intended times, which costs the server more reads per call.
# Results also go to bench/results/open-loop-capacity-DATE-TIME.txt.
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
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, in 1/100 s
# The clients' CPU: what the shell running the loop below has waited for (set there: that loop
# runs in a subshell, since it is piped to tee).
self_ticks() { awk '{print $16 + $17}' "/proc/$loop_pid/stat"; }
out="bench/results/open-loop-capacity-$(date +%Y-%m-%d-%H%M).txt"
mkdir -p bench/results
{
loop_pid=$BASHPID
echo "# bench/open-loop-capacity.sh $*, $(date -u '+%Y-%m-%d %H:%M UTC'), ${seconds} s per run, LOADTEST_FLAGS='${LOADTEST_FLAGS:-}'"
echo "                                                                                      CPU µs per call answered"
echo "rate/s        h2load ok/s   loadtest ok/s   loadtest p99 ms   send lag p99 ms   errors   h2load  server   loadtest  server"
for rate in "${rates[@]}"; do
  server_before=$(cpu_ticks $server); client_before=$(self_ticks)
  h2=$(taskset -c 1 h2load -n $((rate * seconds)) -c 8 -m 64 --rps $((rate / 8)) -t 1 -d "$work/framed" \
         -H content-type:application/grpc -H te:trailers "http://127.0.0.1:$port/grpc.testing.BenchmarkService/UnaryCall" \
       | awk '/^finished in/ {print $4}')
  h2_server=$(( $(cpu_ticks $server) - server_before )); h2_client=$(( $(self_ticks) - client_before ))
  server_before=$(cpu_ticks $server); client_before=$(self_ticks)
  taskset -c 1 "$bin/loadtest" rpc --target 127.0.0.1:$port --method grpc.testing.BenchmarkService/UnaryCall \
    --data-hex "$request_hex" --rate "$rate" --duration ${seconds}s --warmup 0s --connections 8 --threads 1 ${LOADTEST_FLAGS:-} --json > "$work/lt.json"
  lt_server=$(( $(cpu_ticks $server) - server_before )); lt_client=$(( $(self_ticks) - client_before ))
  python3 - "$rate" "$h2" "$work/lt.json" "$seconds" "$h2_client" "$h2_server" "$lt_client" "$lt_server" <<'PY'
import json, sys
rate, h2, path, seconds = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
h2_client, h2_server, lt_client, lt_server = (int(t) * 1e4 for t in sys.argv[5:9])  # ticks -> µs
s = json.load(open(path))
lag = s.get("send_lag_ms") or {}
# Every call each client made (neither warms up): h2load's -n, loadtest's answered and failed ones.
h2_calls = max(int(rate) * seconds, 1)
lt_calls = max(s["ok"] + sum(s["errors"].values()), 1)
print(f"{rate:>8}   {h2:>14,.0f}   {s['throughput_per_second']:>13,.0f}   {s['latency_ms']['p99']:>15.3f}   "
      f"{lag.get('p99', float('nan')):>15.3f}   {sum(s['errors'].values()) + s['dropped']:>6}   "
      f"{h2_client / h2_calls:>6.1f}  {h2_server / h2_calls:>6.1f}   {lt_client / lt_calls:>8.1f}  {lt_server / lt_calls:>6.1f}")
PY
done
} | tee "$out"
echo "results: $out" >&2
