#!/usr/bin/env bash
# Builds the gRPC C++ benchmark server (and client) into $1 from Courier's own Protos/ (the same
# grpc.testing protos the Swift side serves). Needs libgrpc++-dev and protobuf-compiler-grpc.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
out="$1"
mkdir -p "$out/gen"
protos="grpc/testing/messages.proto grpc/testing/benchmark_service.proto"
(cd "$root/Protos" && protoc -I. --cpp_out="$out/gen" --grpc_out="$out/gen" --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" $protos)
generated=("$out/gen/grpc/testing/messages.pb.cc" "$out/gen/grpc/testing/benchmark_service.pb.cc"
  "$out/gen/grpc/testing/benchmark_service.grpc.pb.cc")
(cd "$out/gen" && g++ -O2 -std=c++17 -I. -c "${generated[@]}" $(pkg-config --cflags grpc++ protobuf))
objects=("$out/gen/messages.pb.o" "$out/gen/benchmark_service.pb.o" "$out/gen/benchmark_service.grpc.pb.o")
g++ -O2 -std=c++17 -I"$out/gen" "$here/benchmark_server.cc" "${objects[@]}" \
  $(pkg-config --cflags --libs grpc++ protobuf) -o "$out/grpc-cpp-benchmark-server"
# The client (bench/large.sh) beside it; the server's path stays the last line, as callers read it.
g++ -O2 -std=c++17 -I"$out/gen" "$here/benchmark_client.cc" "${objects[@]}" \
  $(pkg-config --cflags --libs grpc++ protobuf) -o "$out/grpc-cpp-benchmark-client"
echo "$out/grpc-cpp-benchmark-server"
