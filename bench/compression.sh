#!/usr/bin/env bash
# Compression, side by side in one run (issue 17's benchmark): BenchmarkService/UnaryCall with a
# 64 KiB compressible request (text-like rows, as a batch of user actions would be) answered by a
# 64 KiB response, identity beside gzip, for Courier's interop-server and a gRPC C++ server.
# The servers (pinned to core 0, one thread each) for the gzip rows compress responses with gzip
# for clients that accept it; those for the identity rows compress nothing (gRPC C++ with a
# default compression compresses even for a client that did not send grpc-accept-encoding).
# h2load (core 1, -c 1 -m 8) sends the request plain, or gzip'd with grpc-encoding and
# grpc-accept-encoding: gzip. Prints calls/s and the bytes on the wire per call each way.
#   bench/compression.sh [-r ROUNDS]   results also go to bench/results/compression-DATE-TIME.txt
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
while getopts r: flag; do case $flag in r) rounds=$OPTARG ;; *) exit 2 ;; esac; done

source bench/common.sh
need_packages nghttp2-client libgrpc++-dev protobuf-compiler-grpc

echo "building (release)..." >&2
swift build -c release --product interop-server >/dev/null
bin="$(swift build -c release --show-bin-path)"
cpp_server=$(bench/grpc-cpp/build.sh "$work" | tail -1)

# The request: payload.body of 64 KiB of rows like "user-0042,click,shop-1234,1700000123\n";
# response_size 65536 (the servers answer zeros). .grpc files are framed for h2load.
python3 - "$work" <<'PY'
import gzip, random, struct, sys
work = sys.argv[1]
random.seed(7)
kinds = ["click", "view", "order", "search"]
rows = []
while sum(len(r) for r in rows) < 65536:
    rows.append(f"user-{random.randrange(10000):04d},{random.choice(kinds)},shop-{random.randrange(5000):04d},{1700000000 + random.randrange(86400)}\n".encode())
body = b"".join(rows)[:65536]
def varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)
inner = b"\x12" + varint(len(body)) + body
message = b"\x10" + varint(65536) + b"\x1a" + varint(len(inner)) + inner
open(f"{work}/request.bin", "wb").write(message)
open(f"{work}/identity.grpc", "wb").write(b"\x00" + struct.pack(">I", len(message)) + message)
packed = gzip.compress(message)
open(f"{work}/gzip.grpc", "wb").write(b"\x01" + struct.pack(">I", len(packed)) + packed)
print(f"  request: {len(message)} bytes, {len(packed)} gzip'd", file=sys.stderr)
PY

wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
taskset -c 0 "$bin/interop-server" --port 50091 --threads 1 --response-compression gzip > "$work/courier.log" 2>&1 &
pids+=($!)
taskset -c 0 "$cpp_server" 50092 gzip > "$work/cpp.log" 2>&1 &
pids+=($!)
taskset -c 0 "$bin/interop-server" --port 50093 --threads 1 > "$work/courier-plain.log" 2>&1 &
pids+=($!)
taskset -c 0 "$cpp_server" 50094 > "$work/cpp-plain.log" 2>&1 &
pids+=($!)
for port in 50091 50092 50093 50094; do wait_port $port || { echo "a server did not start" >&2; cat "$work"/*.log >&2; exit 1; }; done

# h2load counts any HTTP 200 as a success: first check with grpcio that each server reads the
# gzip'd request and answers OK with the full payload.
python3 - "$work" <<'PY'
import sys
import grpc
work = sys.argv[1]
for port in (50091, 50092):
    call = grpc.insecure_channel(f"127.0.0.1:{port}").unary_unary("/grpc.testing.BenchmarkService/UnaryCall")
    answer = call(open(f"{work}/request.bin", "rb").read(), compression=grpc.Compression.Gzip, timeout=10)
    assert 65536 <= len(answer) <= 65536 + 8, (port, len(answer))
    print(f"  grpcio gzip check on {port}: OK", file=sys.stderr)
PY

calls=4000
run() {  # run PORT ENCODING: "calls/s received-bytes-per-call", failing on any failed call
  local headers=(-H "content-type: application/grpc" -H "te: trailers")
  [ "$2" = gzip ] && headers+=(-H "grpc-encoding: gzip" -H "grpc-accept-encoding: gzip")
  taskset -c 1 h2load -n "$calls" -c 1 -m 8 -t 1 -d "$work/$2.grpc" "${headers[@]}" \
    "http://127.0.0.1:$1/grpc.testing.BenchmarkService/UnaryCall" > "$work/h2load.out" 2>&1 || { cat "$work/h2load.out" >&2; return 1; }
  local failed
  failed=$(awk '/^requests:/ {print $10}' "$work/h2load.out")
  [ "$failed" = "0" ] || { echo "h2load saw $failed failed requests" >&2; cat "$work/h2load.out" >&2; return 1; }
  local rate bytes
  rate=$(awk '/^finished in/ {print $4}' "$work/h2load.out")
  bytes=$(awk '/^traffic:/ {gsub(/[()]/, "", $3); print $3}' "$work/h2load.out")
  echo "$rate $(( bytes / calls ))"
}

declare -A rates bytes
for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds..." >&2
  for encoding in identity gzip; do
    servers=(courier:50091 cpp:50092)
    [ "$encoding" = identity ] && servers=(courier:50093 cpp:50094)
    for server in "${servers[@]}"; do
      read -r rate per_call < <(run "${server#*:}" "$encoding")
      rates[${server%%:*}-$encoding]+="$rate "
      bytes[${server%%:*}-$encoding]=$per_call
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
request_identity=$(stat -c %s "$work/identity.grpc")
request_gzip=$(stat -c %s "$work/gzip.grpc")
mkdir -p bench/results
result="bench/results/compression-$(date +%Y-%m-%d-%H%M).txt"
{
  echo "# bench/compression.sh on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; 64 KiB text-like request, 64 KiB response;"
  echo "# servers on core 0 (1 thread), h2load -c 1 -m 8 on core 1; calls/s, medians of $rounds interleaved rounds"
  printf "%-10s %12s %12s %8s %22s %22s\n" encoding Courier "gRPC C++" ratio "request bytes/call" "response bytes/call"
  for encoding in identity gzip; do
    courier=$(echo "${rates[courier-$encoding]}" | median)
    cpp=$(echo "${rates[cpp-$encoding]}" | median)
    request=$request_identity
    [ "$encoding" = gzip ] && request=$request_gzip
    printf "%-10s %12s %12s %7.2fx %22s %22s\n" "$encoding" "$courier" "$cpp" "$(echo "$courier / $cpp" | bc -l)" "$request" \
      "${bytes[courier-$encoding]} / ${bytes[cpp-$encoding]}"
  done
  echo "# response bytes/call: as h2load received them (HTTP/2 frames and headers included), Courier / gRPC C++"
  echo "# every round:"
  for key in $(printf '%s\n' "${!rates[@]}" | sort); do echo "#   $key: ${rates[$key]}"; done
} | tee "$result"
