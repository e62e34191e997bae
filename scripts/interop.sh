#!/usr/bin/env bash
# gRPC interop: Courier against itself, grpcio (Python) and grpc-go, as client and as server,
# plus reflection through grpcio-reflection; prints a line per case and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path ${SWIFT_BUILD_FLAGS:-})"
stubs="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$stubs"; }
trap cleanup EXIT
Tests/Interop/generate_stubs.sh "$stubs" >/dev/null
export COURIER_PY_STUBS="$stubs"
grpcgo=$(Tests/Interop/grpcgo/build.sh "$stubs/go" | tail -1)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 100); do
    python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$1)))" && return 0
    sleep 0.1
  done
  echo "nothing listens on $1" >&2; return 1
}

courier_port=$(free_port)
"$bin/interop-server" --port "$courier_port" >/dev/null &
pids+=($!)
grpcio_port=$(free_port)
python3 Tests/Interop/grpcio_interop.py server --port "$grpcio_port" >/dev/null &
pids+=($!)
go_port=$(free_port)
"$grpcgo" server -port "$go_port" >/dev/null &
pids+=($!)
wait_port "$courier_port"
wait_port "$grpcio_port"
wait_port "$go_port"

status=0
echo "== Courier client -> Courier server"
"$bin/interop-client" --server_host 127.0.0.1 --server_port "$courier_port" --test_case all,compression || status=1
"$bin/interop-client" --server_host 127.0.0.1 --server_port "$courier_port" --test_case compression --compression deflate || status=1
echo "== grpcio client -> Courier server"
python3 Tests/Interop/grpcio_interop.py client --port "$courier_port" --test_case all,compression || status=1
echo "== Courier client -> grpcio server"
"$bin/interop-client" --server_host 127.0.0.1 --server_port "$grpcio_port" --test_case all,compression || status=1
"$bin/interop-client" --server_host 127.0.0.1 --server_port "$grpcio_port" --test_case compression --compression deflate || status=1
echo "== grpc-go client -> Courier server"
"$grpcgo" client -port "$courier_port" || status=1
"$grpcgo" client -port "$courier_port" -test_case compression || status=1
echo "== Courier client -> grpc-go server"
# grpc-go 1.33's server compresses a response only when the request came compressed, and cannot
# choose per message: the server_compressed_* cases, which check each response's flag, do not apply.
"$bin/interop-client" --server_host 127.0.0.1 --server_port "$go_port" \
  --test_case all,client_compressed_unary,client_compressed_streaming || status=1
echo "== Courier client pinging too often -> Courier, grpcio and grpc-go servers: each server's keepalive policy ends it"
for port in "$courier_port" "$grpcio_port" "$go_port"; do
  "$bin/interop-client" --server_host 127.0.0.1 --server_port "$port" --test_case keepalive_too_many_pings || status=1
done
echo "== Courier client, round_robin over the Courier, grpcio and grpc-go servers (each case's calls spread over the three)"
"$bin/interop-client" --target "ipv4:127.0.0.1:$courier_port,127.0.0.1:$grpcio_port,127.0.0.1:$go_port" --lb round_robin \
  --test_case all || status=1
echo "== Courier client's keepalive finds a stopped (SIGSTOP) Courier, grpcio and grpc-go server dead"
dead_server() {  # dead_server NAME COMMAND...: a server of its own, stopped once the client is READY
  local name=$1; shift
  local port; port=$(free_port)
  "$@" --port "$port" >/dev/null 2>&1 &
  local server=$!
  wait_port "$port"
  "$bin/interop-client" --server_host 127.0.0.1 --server_port "$port" --test_case keepalive_dead_server > "$stubs/dead-$name.log" 2>&1 &
  local client=$!
  for _ in $(seq 300); do grep -q READY "$stubs/dead-$name.log" && break; sleep 0.05; done
  kill -STOP "$server"
  wait "$client" || status=1
  grep -v READY "$stubs/dead-$name.log"
  kill -CONT "$server"; kill -KILL "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
dead_server courier "$bin/interop-server"
dead_server grpcio python3 Tests/Interop/grpcio_interop.py server
dead_server grpc-go "$grpcgo" server
echo "== Courier client's retries (a service config's retry policy) -> Courier, grpcio and grpc-go servers"
for port in "$courier_port" "$grpcio_port" "$go_port"; do
  "$bin/interop-client" --server_host 127.0.0.1 --server_port "$port" --test_case retry_unavailable || status=1
done
echo "== Courier client, health-checked round robin: each server (Courier, grpcio, grpc-go) in turn NOT_SERVING leaves the rotation"
for servers in "$courier_port,127.0.0.1:$grpcio_port,127.0.0.1:$go_port" "$grpcio_port,127.0.0.1:$go_port,127.0.0.1:$courier_port" \
    "$go_port,127.0.0.1:$courier_port,127.0.0.1:$grpcio_port"; do
  "$bin/interop-client" --target "ipv4:127.0.0.1:$servers" --test_case health_checked_round_robin || status=1
done
echo "== over TLS (a test CA from Tests/Interop/make_test_certs.sh; the name checked is an override)"
pki="$stubs/pki"
Tests/Interop/make_test_certs.sh "$pki"
server_tls=(--tls_cert_file "$pki/server.pem" --tls_key_file "$pki/server.key")
courier_tls_port=$(free_port)
"$bin/interop-server" --port "$courier_tls_port" --use_tls true "${server_tls[@]}" >/dev/null &
pids+=($!)
grpcio_tls_port=$(free_port)
python3 Tests/Interop/grpcio_interop.py server --port "$grpcio_tls_port" --use_tls "${server_tls[@]}" >/dev/null &
pids+=($!)
go_tls_port=$(free_port)
"$grpcgo" server -port "$go_tls_port" -use_tls -tls_cert_file "$pki/server.pem" -tls_key_file "$pki/server.key" >/dev/null &
pids+=($!)
wait_port "$courier_tls_port"
wait_port "$grpcio_tls_port"
wait_port "$go_tls_port"
override=foo.test.example.com
for target in "Courier:$courier_tls_port" "grpcio:$grpcio_tls_port" "grpc-go:$go_tls_port"; do
  echo "== Courier client -> ${target%%:*} server, TLS"
  "$bin/interop-client" --server_host 127.0.0.1 --server_port "${target#*:}" --test_case all \
    --use_tls true --ca_file "$pki/ca.pem" --server_host_override "$override" || status=1
done
echo "== grpcio client -> Courier server, TLS"
python3 Tests/Interop/grpcio_interop.py client --port "$courier_tls_port" --use_tls --ca_file "$pki/ca.pem" \
  --server_host_override "$override" || status=1
echo "== grpc-go client -> Courier server, TLS"
"$grpcgo" client -port "$courier_tls_port" -use_tls -ca_file "$pki/ca.pem" -server_host_override "$override" || status=1
echo "== grpcio-reflection client -> Courier server"
python3 Tests/Interop/grpcio_interop.py reflection --port "$courier_port" || status=1
echo "== loadtest with a JSON request typed through reflection (v1, else v1alpha) -> Courier and grpcio servers"
json_request='{"responseSize": 16, "payload": {"body": "AAECAwQFBgcICQoLDA0ODw=="}}'
for target in "courier:$courier_port" "grpcio:$grpcio_port"; do
  if "$bin/loadtest" rpc --target "127.0.0.1:${target#*:}" --method grpc.testing.TestService/UnaryCall \
      --data "$json_request" --total 200 --streams 4 --warmup 0s --json > "$stubs/loadtest.json" \
    && python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["ok"] == 200 and not r["errors"] else 1)' "$stubs/loadtest.json"; then
    echo "PASS loadtest_json_${target%%:*}"
  else
    echo "FAIL loadtest_json_${target%%:*}"; status=1
  fi
done
exit $status
