#!/usr/bin/env bash
# Installs what Courier needs on a fresh Debian 12 machine that has only Swift:
# the C libraries and code generators (apt), and grpc-go (apt) and grpcio (pip) as interop peers.
# Idempotent: a second run installs nothing.
set -euo pipefail

packages=(
  pkg-config
  libnghttp2-dev          # HTTP/2
  libprotobuf-c-dev       # protobuf runtime for C
  protobuf-c-compiler     # protoc-c
  protobuf-compiler       # protoc (runs the Swift plugin)
  libprotoc-dev           # google/protobuf/compiler/plugin.proto, read by the plugin
  zlib1g-dev              # gzip and deflate message compression
  libhiredis-dev          # Redis's RESP reader (the Redis client's parser)
  redis-server            # the action bus and shared History store (tests, scripts/cluster.sh)
  postgresql-15 postgresql-client-15   # batches in PostgreSQL (tests, scripts/cluster.sh)
  nghttp2-client          # h2load, for the benchmarks
  golang-go golang-google-grpc-dev golang-goprotobuf-dev   # grpc-go, an interop peer
)
python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: installed ${missing[*]}"
fi

python_packages=(grpcio grpcio-tools grpcio-reflection grpcio-health-checking protobuf numpy)
if ! python3 -c 'import grpc, grpc_tools, grpc_reflection, grpc_health.v1.health, google.protobuf, numpy' 2>/dev/null; then
  python3 -m pip install -q --disable-pip-version-check "${python_packages[@]}" 2>&1 | grep -v "Running pip as the 'root' user" || true
  echo "setup: installed ${python_packages[*]}"
fi
