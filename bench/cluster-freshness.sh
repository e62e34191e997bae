#!/usr/bin/env bash
# Freshness through the Redis Streams bus (issue 18's benchmark): scripts/cluster.sh (Redis, PostgreSQL,
# 2x History, 2x Similarity, Candidates, SearchHome, each `reco serve --threads 1`, all sharing this
# machine's cores with the load client), then `loadtest scenario` at each Recommend rate with
# 1,000 events/s (or -e) through Ingest, spread over both History replicas. Beside each cluster row,
# the same scenario against the embedded all-in-one `reco serve` (one process, in-process hops) in
# the same run. Prints each run's summary.
#   bench/cluster-freshness.sh [-r "500 1000 2000"] [-e EVENTS] [-d SECONDS]
#   results also go to bench/results/cluster-freshness-DATE-TIME.txt
set -euo pipefail
cd "$(dirname "$0")/.."
rates="500 1000 2000"
events=1000
seconds=20
while getopts r:e:d: flag; do case $flag in r) rates=$OPTARG ;; e) events=$OPTARG ;; d) seconds=$OPTARG ;; *) exit 2 ;; esac; done

swift build -c release --product loadtest >/dev/null
bin="$(swift build -c release --show-bin-path)"
results="bench/results/cluster-freshness-$(date -u +%Y-%m-%d-%H%M).txt"
export rates events seconds bin
{
  echo "# bench/cluster-freshness.sh -r \"$rates\" -e $events -d $seconds ($(date -u +%Y-%m-%dT%H:%MZ)), $(nproc) cores"
  scripts/cluster.sh -- bash -c '
    for rate in $rates; do
      echo "## cluster (Redis bus, 8 processes): $rate Recommend/s, $events events/s"
      "$bin/loadtest" scenario --target "$CLUSTER_SEARCHHOME" --history-target "$CLUSTER_HISTORY" \
        --users-file "$CLUSTER_DIR/batch/demo/users.tsv" --rate "$rate" --event-rate "$events" \
        --duration "${seconds}s" --warmup 3s --budget 1s || true
      echo "## embedded all-in-one (reco serve, 2 threads): $rate Recommend/s, $events events/s"
      rm -rf "$CLUSTER_DIR/embedded"
      "$bin/reco" serve --port 0 --port-file "$CLUSTER_DIR/embedded.port" --no-metrics --threads 2 \
        --data-dir "$CLUSTER_DIR/embedded" >"$CLUSTER_DIR/logs/embedded.log" 2>&1 &
      embedded=$!
      for _ in $(seq 900); do [ -s "$CLUSTER_DIR/embedded.port" ] && break; sleep 0.1; done
      "$bin/loadtest" scenario --target "127.0.0.1:$(cat "$CLUSTER_DIR/embedded.port")" \
        --users-file "$CLUSTER_DIR/embedded/demo/users.tsv" --rate "$rate" --event-rate "$events" \
        --duration "${seconds}s" --warmup 3s --budget 1s || true
      kill $embedded; wait $embedded 2>/dev/null || true
      rm -f "$CLUSTER_DIR/embedded.port"
    done'
} 2>&1 | grep -v "^cluster: building" | tee "$results"
