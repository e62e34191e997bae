#!/usr/bin/env bash
# Builds the grpc-go interop program into $1 (GOPATH mode, Debian's Go packages only).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../.."
out="$1"
gopath="$out/gopath"
mkdir -p "$gopath/src/grpcgo"
(cd "$root/Protos" && protoc -I. --go_out=plugins=grpc,paths=source_relative:"$gopath/src" \
  grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto)
cp "$here"/*.go "$gopath/src/grpcgo/"
(cd "$gopath/src/grpcgo" && GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOFLAGS=-mod=mod GOCACHE="$out/gocache" go build -o "$out/grpcgo" .)
echo "$out/grpcgo"
