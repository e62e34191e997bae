#!/usr/bin/env bash
# `reco serve` with all four services in one process (core 0, one thread), SearchHome reaching its
# peers in-process (the default) or through the process's own loopback port (--loopback-peers, as
# before the transport seam), side by side: for each rate, one run of each, interleaved, each on a
# fresh server over the same demo data. loadtest scenario on core 1 (Recommend open loop + 200
# events/s through Ingest). Capacity = the highest rate with every call OK and p99 <= 10 ms.
#   bench/all-in-one.sh [-d SECONDS] [-r "2000 4000 8000"] [-n]   (-n: --no-overload-protection, raw capacity)
# Results also go to bench/results/all-in-one-DATE-TIME.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=8
rates="2000 4000 6000 8000 12000"
extra=""
while getopts d:r:n flag; do case $flag in d) duration=$OPTARG ;; r) rates=$OPTARG ;; n) extra="--no-overload-protection" ;; *) exit 2 ;; esac; done

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "building (release)..." >&2
swift build -c release --product reco >/dev/null
swift build -c release --product loadtest >/dev/null
bin="$(swift build -c release --show-bin-path)"

# One run: starts a server in the given mode, drives it, prints one row, stops it.
run() {
  local rate=$1 mode=$2 flags=""
  [ "$mode" = loopback ] && flags="--loopback-peers"
  rm -f "$work/port"; rm -rf "$work/data/history"
  taskset -c 0 "$bin/reco" serve --data-dir "$work/data" --port 0 --port-file "$work/port" --threads 1 \
    --log-level error $flags $extra &
  server=$!
  for _ in $(seq 1 600); do [ -s "$work/port" ] && break; sleep 0.1; done
  taskset -c 1 "$bin/loadtest" scenario --target "127.0.0.1:$(cat "$work/port")" --rate "$rate" --event-rate 200 \
    --duration "${duration}s" --warmup 2s > "$work/out" 2>&1 || true
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  python3 - "$rate" "$mode" "$work/out" <<'PY'
import re, sys
rate, mode, path = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
row = re.search(r"^\s+Recommend\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", text, re.M)
counts = re.search(r"Recommend: (\d+) sent, (\d+) ok \((\d+)/s\), errors: (.*?), dropped by the client: (\d+)", text)
if not row or not counts:
    print(f"{rate:>7}  {mode:<10}  (no summary: {text.strip().splitlines()[-1] if text.strip() else 'empty'})"); sys.exit()
sent, ok, okps, errors, dropped = counts.groups()
failed = int(sent) - int(ok)
p99 = float(row.group(3))
verdict = "within" if failed == 0 and p99 <= 10 else "over"
print(f"{rate:>7}  {mode:<10}  {int(okps):>7,}  {float(row.group(1)):>8.3f}  {p99:>9.3f}  {failed:>7}  {verdict:<7} {errors if failed else ''}")
PY
}

out="bench/results/all-in-one-$(date +%Y-%m-%d-%H%M).txt"
mkdir -p bench/results
{
  echo "# bench/all-in-one.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; ${duration}s per run; reco serve --threads 1 $extra on core 0, loadtest scenario on core 1"
  echo "#  rate/s  peers       ok/s     p50 ms    p99 ms   failed  p99<=10ms and no failure"
  for rate in $rates; do
    for mode in loopback in-process; do run "$rate" "$mode"; done
  done
} | tee "$out"
