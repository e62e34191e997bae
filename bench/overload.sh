#!/usr/bin/env bash
# Goodput under overload (issue 14): `reco serve --threads 1` (all four services, demo data) on
# core 0, `loadtest rpc` (open loop, from the event loops) on core 1 sending Recommend. Finds the
# one-core capacity (highest rate with every call OK and p99 <= 10 ms, found without protection),
# then offers 1x, 2x and 4x of it,
# with overload protection on and (-c) off, and prints goodput and the OK calls' p99 beside each.
#   bench/overload.sh [-c] [-s SECONDS] [-d DEADLINE] [-p P99_MS]   (-c: also run without protection;
#   -p: the capacity rule's p99, 10 ms by default: raise it on a host whose own noise is above that)
set -euo pipefail
cd "$(dirname "$0")/.."
compare=0; seconds=8; deadline=1s; p99limit=10
while getopts cs:d:p: flag; do case $flag in c) compare=1 ;; s) seconds=$OPTARG ;; d) deadline=$OPTARG ;; p) p99limit=$OPTARG ;; *) exit 2 ;; esac; done
swift build -c release --product reco >/dev/null
swift build -c release --product loadtest >/dev/null
bin="$(swift build -c release --show-bin-path)"
work=$(mktemp -d)
port=50096
server=""
cleanup() { [ -n "$server" ] && kill -9 "$server" 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

start() {  # start [extra reco flags]
  # SIGKILL: an overloaded server's graceful shutdown is not what is measured here.
  [ -n "$server" ] && { kill -9 "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  taskset -c 0 "$bin/reco" serve --threads 1 --port $port --no-metrics --data-dir "$work/data" "$@" >"$work/reco.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return; sleep 0.1; done
  echo "reco did not start" >&2; exit 1
}

# offer RATE: prints "rate ok/s p99 all-calls-p99 send-lag-p99 errors" from one loadtest run.
offer() {
  taskset -c 1 "$bin/loadtest" rpc --target 127.0.0.1:$port --method reco.v1.SearchHomeService/Recommend \
    --data-hex "$request" --rate "$1" --duration "${seconds}s" --warmup 2s \
    --connections 4 --threads 1 --deadline "$deadline" --json > "$work/run.json" || true  # exit 1 when no call was OK: a result too
  python3 - "$1" "$work/run.json" <<'PY'
import json, sys
rate, s = int(sys.argv[1]), json.load(open(sys.argv[2]))
errors = dict(s["errors"])
if s["dropped"]: errors["dropped"] = s["dropped"]
print(rate, round(s["throughput_per_second"]), s["latency_ms"]["p99"], s["all_calls_latency_ms"]["p99"],
      (s.get("send_lag_ms") or {}).get("p99", 0), json.dumps(errors, sort_keys=True).replace(" ", ""))
PY
}

# Capacity is the server's own: searched without protection, so shedding cannot lower it.
# RecommendRequest{user_id: "user-burger", limit: 20}, encoded: no reflection call per run.
request=0a0b$(printf 'user-burger' | od -An -tx1 | tr -d ' \n')2014
start --no-overload-protection
capacity=0
for rate in 1000 1500 2000 2500 3000 3500 4000 4500 5000 6000 7000 8000; do
  read -r r ok p99 all lag errors < <(offer $rate)
  printf "  capacity search: %5d/s offered, %5d/s OK, p99 %8.3f ms, errors %s\n" "$r" "$ok" "$p99" "$errors"
  # The highest rate that meets the rule; scanning goes on past a rate that misses only the p99
  # (on a VM an idle vCPU wakes late, so low rates can show a worse tail than busier ones) and
  # stops once calls fail or fall behind.
  if [ "$errors" = "{}" ] && awk "BEGIN { exit !($p99 <= $p99limit) }"; then capacity=$rate; fi
  if [ "$errors" != "{}" ] || awk "BEGIN { exit !($ok < 0.95 * $rate) }"; then break; fi
done
[ "$capacity" -gt 0 ] || { echo "no rate met the capacity rule" >&2; exit 1; }
echo
echo "capacity (every call OK, p99 <= $p99limit ms): $capacity Recommend/s; caller deadline $deadline"
echo
printf "%-22s %9s %9s %10s %12s %14s  %s\n" "protection" "offered" "OK/s" "goodput" "OK p99 ms" "send lag p99" "errors"
modes=(on); [ $compare -eq 1 ] && modes+=(off)
for mode in "${modes[@]}"; do
  if [ "$mode" = off ]; then start --no-overload-protection; else start; fi
  for factor in 1 2 4; do
    read -r r ok p99 all lag errors < <(offer $((capacity * factor)))
    goodput=$(awk "BEGIN { printf \"%.0f%%\", 100 * $ok / $capacity }")
    printf "%-22s %6dx%-2s %9d %10s %12.3f %14.3f  %s\n" "$mode" "$factor" "" "$ok" "$goodput" "$p99" "$lag" "$errors"
  done
done
