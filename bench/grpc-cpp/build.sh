#!/usr/bin/env bash
# Builds the gRPC C++ benchmark server into $1 from Courier's own Protos/ (the same
# grpc.testing protos the Swift side serves). Needs libgrpc++-dev and protobuf-compiler-grpc.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
out="$1"
mkdir -p "$out/gen"
protos="grpc/testing/messages.proto grpc/testing/benchmark_service.proto"
(cd "$root/Protos" && protoc -I. --cpp_out="$out/gen" --grpc_out="$out/gen" --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" $protos)
g++ -O2 -std=c++17 -I"$out/gen" "$here/benchmark_server.cc" \
  "$out/gen/grpc/testing/messages.pb.cc" "$out/gen/grpc/testing/benchmark_service.pb.cc" \
  "$out/gen/grpc/testing/benchmark_service.grpc.pb.cc" \
  $(pkg-config --cflags --libs grpc++ protobuf) -o "$out/grpc-cpp-benchmark-server"
echo "$out/grpc-cpp-benchmark-server"
