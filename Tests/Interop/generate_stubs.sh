#!/usr/bin/env bash
# Generates grpcio stubs for Protos/ into $1 (default: a temporary folder printed on stdout).
# The stubs are build output, not committed: grpcio-tools makes them in a second.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
python3 -m grpc_tools.protoc -I"$root/Protos" --python_out="$out" --grpc_python_out="$out" \
  $(cd "$root/Protos" && find grpc courier -name '*.proto' | sort)
echo "$out"
