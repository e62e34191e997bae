#!/usr/bin/env bash
# Large messages, side by side in one run (issue 15's benchmark): BenchmarkService/UnaryCall with
# 64 KiB, 1 MiB and 4 MiB requests and responses ("4 MiB": the largest message under gRPC's default
# 4 MiB receive limit), one call at a time.
#   Servers (pinned to core 0, one thread; h2load on core 1): Courier's interop-server beside a
#     gRPC C++ callback server: receiving the large request, and sending the large response.
#   Clients (pinned to core 1; gRPC C++'s server on core 0 answers both): loadtest rpc (Courier's
#     client) beside a gRPC C++ client: sending the large request, and receiving the large response.
# Medians of interleaved rounds (the host's speed drifts).
#   bench/large.sh [-r ROUNDS] [-b BASELINE_BIN]   results also go to bench/results/large-DATE-TIME.txt
# -b: a release bin folder of an earlier Courier (its interop-server and loadtest), measured in the
# same rounds as a third column, for before/after figures.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
baseline=""
while getopts r:b: flag; do case $flag in r) rounds=$OPTARG ;; b) baseline=$OPTARG ;; *) exit 2 ;; esac; done

source bench/common.sh
need_packages nghttp2-client libgrpc++-dev protobuf-compiler-grpc

echo "building (release)..." >&2
swift build -c release --product interop-server >/dev/null
swift build -c release --product loadtest >/dev/null
bin="$(swift build -c release --show-bin-path)"
cpp_server=$(bench/grpc-cpp/build.sh "$work" | tail -1)
cpp_client="$work/grpc-cpp-benchmark-client"

sizes=(65536 1048576 4194240)
declare -A label=([65536]="64 KiB" [1048576]="1 MiB" [4194240]="4 MiB")
declare -A calls=([65536]=4000 [1048576]=1000 [4194240]=250)

# SimpleRequest bytes: payload.body of REQUEST bytes, response_size RESPONSE; .bin unframed (for
# the clients), .grpc framed as a Length-Prefixed-Message (for h2load).
python3 - "$work" "${sizes[@]}" <<'PY'
import struct, sys
work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)
def request(payload, response_size):
    body = b"\x01" * payload
    message = b""
    if response_size:
        message += b"\x10" + varint(response_size)
    if payload:
        inner = b"\x12" + varint(len(body)) + body
        message += b"\x1a" + varint(len(inner)) + inner
    return message
for size in sizes:
    for direction, message in (("request", request(size, 0)), ("response", request(0, size))):
        open(f"{work}/{direction}-{size}.bin", "wb").write(message)
        open(f"{work}/{direction}-{size}.grpc", "wb").write(b"\x00" + struct.pack(">I", len(message)) + message)
PY

wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
taskset -c 0 "$bin/interop-server" --port 50081 --threads 1 > "$work/courier.log" 2>&1 &
pids+=($!)
taskset -c 0 "$cpp_server" 50082 > "$work/cpp.log" 2>&1 &
pids+=($!)
wait_port 50081 && wait_port 50082 || { echo "a server did not start" >&2; cat "$work"/*.log >&2; exit 1; }
if [ -n "$baseline" ]; then
  taskset -c 0 "$baseline/interop-server" --port 50083 --threads 1 > "$work/baseline.log" 2>&1 &
  pids+=($!)
  wait_port 50083 || { echo "the baseline server did not start" >&2; cat "$work/baseline.log" >&2; exit 1; }
fi

# h2load counts a gRPC error sent with HTTP 200 as a success: check that each server answers the
# largest request and response OK, with the size asked for.
python3 - "$work" "${sizes[-1]}" <<'PY'
import sys
import grpc
work, size = sys.argv[1], int(sys.argv[2])
for port in (50081, 50082):
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)])
    call = channel.unary_unary("/grpc.testing.BenchmarkService/UnaryCall")
    for direction in ("request", "response"):
        answer = call(open(f"{work}/{direction}-{size}.bin", "rb").read(), timeout=30)
        expected = size + 8 if direction == "response" else 0
        assert abs(len(answer) - expected) <= 8, (port, direction, len(answer))
    print(f"  grpcio check on {port}: OK", file=sys.stderr)
PY

server_rate() {  # server_rate PORT FILE COUNT: calls/s of h2load -c 1 -m 1, failing on any failed call
  taskset -c 1 h2load -n "$3" -c 1 -m 1 -t 1 -d "$2" -H "content-type: application/grpc" -H "te: trailers" \
    "http://127.0.0.1:$1/grpc.testing.BenchmarkService/UnaryCall" > "$work/h2load.out" 2>&1 || { cat "$work/h2load.out" >&2; return 1; }
  local failed
  failed=$(awk '/^requests:/ {print $10}' "$work/h2load.out")
  [ "$failed" = "0" ] || { echo "h2load saw $failed failed requests" >&2; cat "$work/h2load.out" >&2; return 1; }
  awk '/^finished in/ {print $4}' "$work/h2load.out"
}
courier_client_rate() {  # courier_client_rate FILE COUNT [BIN]: calls/s of loadtest rpc, one call at a time
  taskset -c 1 "${3:-$bin}/loadtest" rpc --target 127.0.0.1:50082 --method grpc.testing.BenchmarkService/UnaryCall \
    --data-file "$1" --total "$2" --warmup 1s --deadline 30s --json > "$work/loadtest.json"
  python3 - "$work/loadtest.json" "$2" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
if result["ok"] != int(sys.argv[2]) or result["errors"]:
    sys.exit(f"loadtest: {result['ok']} OK, errors {result['errors']}")
print(f"{result['throughput_per_second']:.1f}")
PY
}
cpp_client_rate() {  # cpp_client_rate REQUEST_BYTES RESPONSE_BYTES COUNT
  local out
  out=$(taskset -c 1 "$cpp_client" 127.0.0.1:50082 "$1" "$2" "$3" $(( $3 / 5 ))) || { echo "gRPC C++ client failed" >&2; return 1; }
  echo "${out%% *}"
}

declare -A results
for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds..." >&2
  for size in "${sizes[@]}"; do
    n=${calls[$size]}
    results[server-request-courier-$size]+="$(server_rate 50081 "$work/request-$size.grpc" "$n") "
    results[server-request-cpp-$size]+="$(server_rate 50082 "$work/request-$size.grpc" "$n") "
    results[server-response-courier-$size]+="$(server_rate 50081 "$work/response-$size.grpc" "$n") "
    results[server-response-cpp-$size]+="$(server_rate 50082 "$work/response-$size.grpc" "$n") "
    results[client-request-courier-$size]+="$(courier_client_rate "$work/request-$size.bin" "$n") "
    results[client-request-cpp-$size]+="$(cpp_client_rate "$size" 0 "$n") "
    results[client-response-courier-$size]+="$(courier_client_rate "$work/response-$size.bin" "$n") "
    results[client-response-cpp-$size]+="$(cpp_client_rate 0 "$size" "$n") "
    if [ -n "$baseline" ]; then
      results[server-request-baseline-$size]+="$(server_rate 50083 "$work/request-$size.grpc" "$n") "
      results[server-response-baseline-$size]+="$(server_rate 50083 "$work/response-$size.grpc" "$n") "
      results[client-request-baseline-$size]+="$(courier_client_rate "$work/request-$size.bin" "$n" "$baseline") "
      results[client-response-baseline-$size]+="$(courier_client_rate "$work/response-$size.bin" "$n" "$baseline") "
    fi
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mkdir -p bench/results
result="bench/results/large-$(date +%Y-%m-%d-%H%M).txt"
{
  echo "# bench/large.sh on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; one call at a time; calls/s, medians of $rounds interleaved rounds"
  echo "# server rows: the server pinned to core 0 (1 thread), h2load -c 1 -m 1 on core 1"
  echo "# client rows: the client pinned to core 1, gRPC C++'s server on core 0"
  [ -z "$baseline" ] || echo "# baseline: $baseline, measured in the same rounds"
  printf "%-34s %8s %12s %12s %8s %12s\n" "" size Courier "gRPC C++" ratio "${baseline:+baseline}"
  for side in server client; do
    for direction in request response; do
      case $side-$direction in
        server-request) what="server receives the request" ;;
        server-response) what="server sends the response" ;;
        client-request) what="client sends the request" ;;
        client-response) what="client receives the response" ;;
      esac
      for size in "${sizes[@]}"; do
        courier=$(echo "${results[$side-$direction-courier-$size]}" | median)
        cpp=$(echo "${results[$side-$direction-cpp-$size]}" | median)
        before=""
        [ -z "$baseline" ] || before=$(echo "${results[$side-$direction-baseline-$size]}" | median)
        printf "%-34s %8s %12s %12s %7.2fx %12s\n" "$what" "${label[$size]}" "$courier" "$cpp" "$(echo "$courier / $cpp" | bc -l)" "$before"
      done
    done
  done
  echo "# every round:"
  for key in $(printf '%s\n' "${!results[@]}" | sort); do echo "#   $key: ${results[$key]}"; done
} | tee "$result"
