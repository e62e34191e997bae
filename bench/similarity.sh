#!/usr/bin/env bash
# Similarity benchmark (issue 3): 50,000 shops x 128 dims; each query scores 1,000 candidate shops
# against a keyword and returns the top 100. Side by side in one run, all on core 0:
#   numpy in-process, Courier in-process (EmbeddingTable), the memory floor (bench/similarity_floor.c:
#   only reading and dotting the candidates' rows, no lookup or top-k), and RankByKeyword over Courier
#   (reco serve --service similarity pinned to core 0 with one thread, the client on core 1, one
#   call at a time: the full round trip).
# Twice: candidates drawn from all 50,000 shops (scattered rows, memory-bound) and from 5,000
# (the few thousand shops around one user).
#   bench/similarity.sh [-q QUERIES]     results also go to bench/results/similarity-DATE-TIME.txt
set -euo pipefail
cd "$(dirname "$0")/.."
queries=20000
while getopts q: flag; do case $flag in q) queries=$OPTARG ;; *) exit 2 ;; esac; done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

echo "building (release)..." >&2
swift build -c release --product reco >/dev/null
swift build -c release --product reco-bench >/dev/null
bin="$(swift build -c release --show-bin-path)"
clang -O2 -mavx2 -mfma bench/similarity_floor.c -o "$work/floor"
"$bin/reco" demo-data --out "$work/data" --shops 50000 --dimensions 128 --users 10 --sessions 1 >&2

taskset -c 0 "$bin/reco" serve --service similarity --data-dir "$work/data" --port 0 --no-metrics --threads 1 \
  --port-file "$work/port" --log-level warning &
pids+=($!)
for _ in $(seq 1 300); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

out="bench/results/similarity-$(date +%Y-%m-%d-%H%M).txt"
mkdir -p bench/results
{
  echo "# bench/similarity.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')"
  echo "# 50,000 shops x 128 dims, 1,000 candidates per query, top 100, $queries queries after 2,000 warm-up"
  for pool in 0 5000; do
    if [ "$pool" = 0 ]; then echo "## candidates from all 50,000 shops"; else echo "## candidates from 5,000 shops"; fi
    taskset -c 0 python3 bench/similarity_numpy.py "$work/data" --queries "$queries" --candidate-pool "$pool"
    taskset -c 0 "$bin/reco-bench" similarity --data "$work/data" --queries "$queries" --candidate-pool "$pool" | grep -v checksum
    taskset -c 0 "$work/floor" "$queries" "$pool"
    taskset -c 1 "$bin/reco-bench" similarity-rpc --data "$work/data" --queries "$queries" --candidate-pool "$pool" --port "$port"
  done
} | tee "$out"
echo "results: $out" >&2
