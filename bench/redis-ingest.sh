#!/usr/bin/env bash
# Ingest through the Redis Streams bus beside Redis's own XADD ceiling (issue 18's benchmark),
# side by side in one run, interleaved rounds. Redis (AOF everysec) is pinned to core 0 in every
# row; the other core holds the whole client side of each row:
#   redis-benchmark   XADD with MAXLEN ~ and a 64-byte field, 50 connections (the engine's ceiling)
#   ingest only       a History replica (--redis --no-redis-consumer, one thread) and reco-bench's
#                     Ingest streams: actions acknowledged once XADD answered
#   ingest + store    the same replica also consuming (XREADGROUP, the store script, XACK) on the
#                     same Redis: acknowledged actions/s / actions/s until every one is in the
#                     shared store (the consumer group has read and acknowledged all)
# Prints each row's actions (or XADDs) per second.
#   bench/redis-ingest.sh [-r ROUNDS] [-s STREAMS]   results also go to bench/results/redis-ingest-DATE-TIME.txt
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
streams=256
while getopts r:s: flag; do case $flag in r) rounds=$OPTARG ;; s) streams=$OPTARG ;; *) exit 2 ;; esac; done

source bench/common.sh
need_packages redis-server redis-tools

echo "building (release)..." >&2
swift build -c release --product reco >/dev/null
swift build -c release --product reco-bench >/dev/null
bin="$(swift build -c release --show-bin-path)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
taskset -c 0 redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync everysec \
  --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

# history_row FLAGS...: a fresh replica on core 1, reco-bench beside it; prints actions/s.
history_row() {
  redis-cli -p "$redis_port" flushall >/dev/null
  local port; port=$(free_port)
  rm -f "$work/h.port"
  taskset -c 1 "$bin/reco" serve --service history --redis "127.0.0.1:$redis_port" --threads 1 --port "$port" \
    --port-file "$work/h.port" --no-metrics --data-dir "$work/h" "$@" >"$work/h.log" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do [ -s "$work/h.port" ] && break; sleep 0.05; done
  local start; start=$(date +%s.%N)
  taskset -c 1 "$bin/reco-bench" ingest --port "$port" --streams "$streams" --actions $((100000 / streams)) --warmup 20 \
    | sed -E 's/.*= ([0-9]+) actions\/s/\1/' | tr -d '\n'
  if [ "${1:-}" != --no-redis-consumer ]; then
    # Stored: until the group has read and acknowledged every entry (at most 60 s more).
    for _ in $(seq 600); do
      [ "$(redis-cli -p "$redis_port" xinfo groups reco:actions | tr '\n' ' ' | grep -oE 'pending [0-9]+ .*lag [0-9]+' | awk '{print $2 + $NF}')" = 0 ] && break
      sleep 0.1
    done
    python3 -c "import time; print(' / %d' % ($((100000 / streams * streams + 20 * streams)) / (time.time() - $start)), end='')"
  fi
  echo
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

benchmark_row() {
  redis-cli -p "$redis_port" flushall >/dev/null
  taskset -c 1 redis-benchmark -p "$redis_port" -n 200000 -c 50 -q \
    xadd benchstream MAXLEN '~' 1000000 '*' a 0123456789012345678901234567890123456789012345678901234567890123 \
    | tr '\r' '\n' | grep "requests per second" | tail -1 | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/'
}

results="bench/results/redis-ingest-$(date -u +%Y-%m-%d-%H%M).txt"
{
  echo "# bench/redis-ingest.sh -r $rounds -s $streams ($(date -u +%Y-%m-%dT%H:%MZ)); Redis $(redis-server --version | grep -o 'v=[0-9.]*') on core 0, client side on core 1"
  printf "%-6s %16s %16s %22s\n" round redis-benchmark "ingest only" "ingest + store (stored)"
  for round in $(seq "$rounds"); do
    xadd=$(benchmark_row)
    only=$(history_row --no-redis-consumer)
    both=$(history_row)
    printf "%-6s %16.0f %16s %22s   (%s%% / %s%% of XADD)\n" "$round" "$xadd" "$only" "$both" \
      "$(python3 -c "print(round(100*$only/$xadd))")" "$(python3 -c "print(round(100*${both%% *}/$xadd))")"
  done
} | tee "$results"
