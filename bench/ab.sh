#!/usr/bin/env bash
# Interleaved A/B comparison of interop-server builds, for tuning on a machine whose speed drifts:
# each binary serves in turn (pinned to core 0, one thread; h2load on core 1), ROUNDS times, and
# every run prints its throughput, the server's CPU time per call and the c=1 mean latency. Compare the averages, not single runs.
#   bench/ab.sh [-r ROUNDS] BINARY-A BINARY-B ...
# Make the binaries with `swift build -c release --product interop-server` and copy
# .build/release/interop-server aside between changes.
set -euo pipefail
rounds=4
while getopts r: flag; do case $flag in r) rounds=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
request=$(mktemp)
trap 'rm -f "$request"; pkill -f -- "--port 50087" || true' EXIT
printf '\x00\x00\x00\x00\x14\x1a\x12\x12\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$request"
h2() { taskset -c 1 h2load -d "$request" -H content-type:application/grpc -H te:trailers "$@" http://127.0.0.1:50087/grpc.testing.BenchmarkService/UnaryCall; }
for _ in $(seq 1 "$rounds"); do
  for binary in "$@"; do
    taskset -c 0 "$binary" --port 50087 --threads 1 > /dev/null 2>&1 &
    server=$!
    for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/50087) 2>/dev/null && break; sleep 0.1; done
    h2 -n 20000 -c 8 -m 16 -t 1 > /dev/null
    # CPU per call too (user + system time of the server over the throughput run): on a host whose
    # speed drifts it moves less than the rate does.
    read -r user0 system0 < <(awk '{print $14, $15}' "/proc/$server/stat")
    throughput=$(h2 -n 100000 -c 8 -m 16 -t 1 | awk '/^finished in/ {print $4}')
    read -r user1 system1 < <(awk '{print $14, $15}' "/proc/$server/stat")
    cpu=$(awk -v t=$((user1 + system1 - user0 - system0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t * 1e6 / hz / 100000}')
    latency=$(h2 -n 10000 -c 1 -m 1 -t 1 | awk '/^time for request:/ {print $6}')
    echo "$(basename "$binary") $throughput req/s, CPU $cpu us/call, c=1 mean $latency"
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  done
done
