#!/usr/bin/env bash
# End to end (issue 3): `reco serve` (all four services, demo data) pinned to core 0 with one
# thread; the load client on core 1 calls Recommend at fixed rates (open loop) while an event
# stream goes through Ingest, and follows sampled searches until a Recommend answer reflects them.
#   bench/e2e.sh [-d SECONDS] [-r "1000 1500 2000"] [-e EVENTS_PER_SECOND]
# Results also go to bench/results/e2e-DATE-TIME.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=20
rates="1000 1500 2000"
events=200
while getopts d:r:e: flag; do case $flag in d) duration=$OPTARG ;; r) rates=$OPTARG ;; e) events=$OPTARG ;; *) exit 2 ;; esac; done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

echo "building (release)..." >&2
swift build -c release --product reco >/dev/null
swift build -c release --product loadtest >/dev/null
bin="$(swift build -c release --show-bin-path)"

taskset -c 0 "$bin/reco" serve --data-dir "$work/data" --port 0 --port-file "$work/port" --threads 1 \
  --metrics-port 0 --log-level warning &
pids+=($!)
for _ in $(seq 1 600); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

out="bench/results/e2e-$(date +%Y-%m-%d-%H%M).txt"
mkdir -p bench/results
{
  echo "# bench/e2e.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')"
  echo "# reco serve (all services, demo data: 3,000 shops x 128 dims, 1,000 users) on core 0, one thread; loadtest on core 1"
  for rate in $rates; do
    echo
    taskset -c 1 "$bin/loadtest" scenario --target "127.0.0.1:$port" --rate "$rate" --event-rate "$events" \
      --duration "${duration}s" --warmup 3s || true
  done
} | tee "$out"
echo "results: $out" >&2
