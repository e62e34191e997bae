#!/usr/bin/env bash
# Unary-call throughput and latency, side by side in one run (issue 2's benchmark):
#   Courier's interop-server (BenchmarkService/UnaryCall), a gRPC C++ callback server for the same
#   method, and nghttpd serving a tiny file (the raw nghttp2 ceiling); and TestService/UnaryCall on
#   Courier and on Debian's grpc-go (GOMAXPROCS=1), which serves no BenchmarkService. Two more rows split
#   Courier's cost: its HTTP/2 transport alone answering with canned bytes (bench/transport-ceiling),
#   and the same with a Swift task started per call, as the gRPC server starts every handler that may
#   suspend (BenchmarkService's and TestService's UnaryCall answer on the loop without one). And
#   over TLS (a test CA from Tests/Interop/make_test_certs.sh, h2load negotiating h2 by ALPN):
#   Courier's interop-server beside the gRPC C++ server, each with TLS.
# Each server is pinned to core 0 with one thread; h2load runs on core 1.
#   bench/unary.sh [-n REQUESTS] [-r ROUNDS]   results also go to bench/results/unary-DATE-TIME.txt
set -euo pipefail
cd "$(dirname "$0")/.."
requests=200000
latency_requests=20000
rounds=3
while getopts n:r: flag; do case $flag in n) requests=$OPTARG ;; r) rounds=$OPTARG ;; *) exit 2 ;; esac; done

source bench/common.sh
need_packages nghttp2-client nghttp2-server libgrpc++-dev protobuf-compiler-grpc

echo "building (release)..." >&2
swift build -c release --product interop-server >/dev/null
swift build -c release --product transport-ceiling >/dev/null
courier="$(swift build -c release --show-bin-path)/interop-server"
ceiling="$(swift build -c release --show-bin-path)/transport-ceiling"
cpp=$(bench/grpc-cpp/build.sh "$work" | tail -1)
# grpc-go from Debian's packages (the interop program the tests build): it serves TestService, so
# its row and a Courier TestService row compare the same method.
grpcgo=$(Tests/Interop/grpcgo/build.sh "$work/go" | tail -1)

# A small SimpleRequest (a 16-byte payload), framed as a gRPC message: flag, length, bytes.
printf '\x00\x00\x00\x00\x14\x1a\x12\x12\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$work/request.bin"
head -c 64 /dev/zero > "$work/tiny"
Tests/Interop/make_test_certs.sh "$work/pki"

wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# User and system CPU of a whole process (all its threads), in clock ticks.
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
ticks_per_call_us() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$latency_requests" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}'; }

h2() {  # h2() URL EXTRA-ARGS... : prints "req/s mean_us"
  local url=$1; shift
  taskset -c 1 h2load "$@" "$url" > "$work/h2load.out" 2>&1 || { cat "$work/h2load.out" >&2; return 1; }
  local rps mean failed
  rps=$(awk '/^finished in/ {print $4}' "$work/h2load.out")
  failed=$(awk '/^requests:/ {print $10}' "$work/h2load.out")
  mean=$(awk '/^time for request:/ {print $6}' "$work/h2load.out")
  [ "$failed" = "0" ] || { echo "h2load saw $failed failed requests" >&2; cat "$work/h2load.out" >&2; return 1; }
  echo "$rps $mean"
}
grpc_args=(-d "$work/request.bin" -H "content-type: application/grpc" -H "te: trailers")
path=/grpc.testing.BenchmarkService/UnaryCall

# h2load counts a gRPC error sent with HTTP 200 as success: check each server really answers OK.
check_grpc() {  # check_grpc PORT [SERVICE [CA]]: with CA, over TLS
  python3 - "$1" "${2:-BenchmarkService}" "${3:-}" <<'PY'
import sys
import grpc
port = int(sys.argv[1])
target = f"127.0.0.1:{port}"
channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(open(sys.argv[3], "rb").read())) if sys.argv[3] else grpc.insecure_channel(target)
call = channel.unary_unary(f"/grpc.testing.{sys.argv[2]}/UnaryCall")
response = call(bytes.fromhex("1a121210" + "00" * 16), timeout=5)  # the benchmark's request, unframed
print(f"  grpcio check on {port}: OK ({len(response)} response bytes)", file=sys.stderr)
PY
}

declare -A pid_of
run_server() {  # run_server NAME PORT COMMAND... : start pinned, wait, check
  local name=$1 port=$2; shift 2
  taskset -c 0 "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  pid_of[$name]=$!
  wait_port "$port" || { echo "$name did not start" >&2; cat "$work/$name.log" >&2; exit 1; }
}

# All three servers run at once, each pinned to core 0 (an idle server costs nothing), and are
# measured in turn, round after round: the machine's speed drifts over minutes, so interleaving
# and taking medians keeps the comparison fair.
run_server courier 50071 "$courier" --port 50071 --threads 1
run_server cpp 50072 "$cpp" 50072
run_server nghttpd 50073 nghttpd --no-tls -d "$work" 50073
run_server transport 50074 "$ceiling" --port 50074
run_server transporttask 50075 "$ceiling" --port 50075 --task 1
run_server grpcgo 50076 env GOMAXPROCS=1 "$grpcgo" server -port 50076
run_server couriertls 50077 "$courier" --port 50077 --threads 1 --use_tls true --tls_cert_file "$work/pki/server.pem" --tls_key_file "$work/pki/server.key"
run_server cpptls 50078 "$cpp" 50078 plain "$work/pki/server.pem" "$work/pki/server.key"
pid_of[couriertest]=${pid_of[courier]}  # the same process, its TestService
for port in 50071 50072 50074 50075; do check_grpc $port; done
for port in 50071 50076; do check_grpc $port TestService; done
for port in 50077 50078; do check_grpc $port BenchmarkService "$work/pki/ca.pem"; done

courier_url="http://127.0.0.1:50071$path"
cpp_url="http://127.0.0.1:50072$path"
nghttpd_url="http://127.0.0.1:50073/tiny"
transport_url="http://127.0.0.1:50074$path"
transporttask_url="http://127.0.0.1:50075$path"
couriertest_url="http://127.0.0.1:50071/grpc.testing.TestService/UnaryCall"
grpcgo_url="http://127.0.0.1:50076/grpc.testing.TestService/UnaryCall"
couriertls_url="https://127.0.0.1:50077$path"
cpptls_url="https://127.0.0.1:50078$path"
for url in "$courier_url" "$cpp_url" "$transport_url" "$transporttask_url" "$couriertest_url" "$grpcgo_url" "$couriertls_url" "$cpptls_url"; do
  h2 "$url" -n 20000 -c 8 -m 16 -t 1 "${grpc_args[@]}" >/dev/null  # warm-up
done
h2 "$nghttpd_url" -n 20000 -c 8 -m 16 -t 1 >/dev/null
rss_before=$(rss_kb "${pid_of[courier]}")
names=(courier cpp nghttpd transport transporttask couriertest grpcgo couriertls cpptls)
declare -A label=([courier]="Courier" [cpp]="gRPC C++ 1.51 (callback)" [nghttpd]="nghttpd (raw nghttp2)"
                  [transport]="Courier transport only" [transporttask]=" + a Swift task per call"
                  [couriertest]="Courier (TestService)" [grpcgo]="grpc-go 1.33 (TestService, GOMAXPROCS=1)"
                  [couriertls]="Courier, TLS" [cpptls]="gRPC C++ 1.51, TLS")
declare -A rps mean user system
for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds..." >&2
  for name in "${names[@]}"; do
    case $name in
      courier) url=$courier_url; args=("${grpc_args[@]}") ;;
      cpp) url=$cpp_url; args=("${grpc_args[@]}") ;;
      transport) url=$transport_url; args=("${grpc_args[@]}") ;;
      transporttask) url=$transporttask_url; args=("${grpc_args[@]}") ;;
      couriertest) url=$couriertest_url; args=("${grpc_args[@]}") ;;
      grpcgo) url=$grpcgo_url; args=("${grpc_args[@]}") ;;
      couriertls) url=$couriertls_url; args=("${grpc_args[@]}") ;;
      cpptls) url=$cpptls_url; args=("${grpc_args[@]}") ;;
      nghttpd) url=$nghttpd_url; args=() ;;
    esac
    read -r r _ < <(h2 "$url" -n "$requests" -c 8 -m 16 -t 1 "${args[@]}")
    # At c=1 the server's CPU per call tells its own work (user) from the host's cost of waking
    # it for every call (mostly system), which the mean latency mixes.
    read -r user0 system0 < <(cpu_ticks "${pid_of[$name]}")
    read -r _ m < <(h2 "$url" -n "$latency_requests" -c 1 -m 1 -t 1 "${args[@]}")
    read -r user1 system1 < <(cpu_ticks "${pid_of[$name]}")
    rps[$name]+="$r "
    mean[$name]+="${m%us} "
    user[$name]+="$(ticks_per_call_us $((user1 - user0))) "
    system[$name]+="$(ticks_per_call_us $((system1 - system0))) "
  done
done
h2 "$courier_url" -n 100000 -c 8 -m 16 -t 1 "${grpc_args[@]}" >/dev/null
rss_after=$(rss_kb "${pid_of[courier]}")
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A median_rps
for name in "${names[@]}"; do median_rps[$name]=$(echo "${rps[$name]}" | median); done

mkdir -p bench/results
result="bench/results/unary-$(date +%Y-%m-%d-%H%M).txt"
{
  echo "# bench/unary.sh on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; servers pinned to core 0 (1 thread), h2load on core 1"
  echo "# throughput: h2load -n $requests -c 8 -m 16 -t 1; latency: h2load -n $latency_requests -c 1 -m 1 -t 1"
  echo "# server CPU per call at c=1: user + system time of the server process over the latency run"
  echo "# medians of $rounds interleaved rounds; every round: Courier ${rps[courier]}| C++ ${rps[cpp]}| nghttpd ${rps[nghttpd]}| transport ${rps[transport]}| transport+task ${rps[transporttask]}"
  printf "%-42s %12s %14s %22s\n" server "req/s" "mean @c=1" "server CPU/call @c=1"
  for name in "${names[@]}"; do
    printf "%-42s %12s %14s %22s\n" "${label[$name]}" "${median_rps[$name]}" "$(echo "${mean[$name]}" | median)us" \
      "$(echo "${user[$name]}" | median) + $(echo "${system[$name]}" | median) us"
  done
  python3 - "${median_rps[courier]}" "${median_rps[cpp]}" "${median_rps[nghttpd]}" "${median_rps[transport]}" "${median_rps[transporttask]}" \
    "${median_rps[couriertest]}" "${median_rps[grpcgo]}" "${median_rps[couriertls]}" "${median_rps[cpptls]}" <<'PY'
import sys
courier, cpp, nghttpd, transport, task, courier_test, grpcgo, courier_tls, cpp_tls = map(float, sys.argv[1:])
print(f"Courier / gRPC C++ throughput: {courier / cpp:.2f}x")
print(f"Courier / grpc-go throughput (TestService): {courier_test / grpcgo:.2f}x")
print(f"Courier / nghttpd throughput:  {courier / nghttpd:.2f}x")
print(f"Courier / gRPC C++ throughput over TLS: {courier_tls / cpp_tls:.2f}x; TLS keeps {courier_tls / courier:.0%} of Courier's"
      f" plaintext rate and {cpp_tls / cpp:.0%} of gRPC C++'s")
us = lambda rate: 1e6 / rate
# Courier's UnaryCall answers on the event loop (MethodHandler.immediateUnary): no task in its time.
print(f"Time per call on the saturated server core (1 / rate): Courier {us(courier):.2f} us = transport {us(transport):.2f}"
      f" + gRPC layers {us(courier) - us(transport):.2f} (a Swift task per call would add {us(task) - us(transport):.2f})")
print(f"3x gRPC C++ ({3 * cpp:.0f} req/s) leaves {us(3 * cpp):.2f} us per call; 0.35x nghttpd ({0.35 * nghttpd:.0f} req/s) {us(0.35 * nghttpd):.2f} us")
PY
  echo "Courier RSS over 100k further calls: ${rss_before} kB -> ${rss_after} kB ($(( rss_after - rss_before )) kB)"
} | tee "$result"
