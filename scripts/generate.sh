#!/usr/bin/env bash
# Regenerates every generated file in the repository:
#   1. protoc-c: C for Protos/ (Sources/Generated/<Module>C, one per group below) and for protoc's own
#      descriptor.proto and plugin.proto (Sources/Generated/CProtocPlugin, read by the generator);
#   2. courier-protoc-gen (built here): the Swift bindings (Sources/Generated/<Module>) and the
#      C accessor headers they use to find protobuf-c's descriptors.
# The output is committed; CI runs scripts/check-generated.sh, which fails when this changes anything.
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOBUF_INCLUDE=${PROTOBUF_INCLUDE:-/usr/include}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Splits protoc-c output into the layout SwiftPM wants: .c beside their folders, .h under include/.
place_c() {
  local from=$1 to=$2
  rm -rf "$to"
  mkdir -p "$to/include"
  (cd "$from" && find . -name '*.pb-c.c') | while read -r f; do
    mkdir -p "$to/$(dirname "$f")" && cp "$from/$f" "$to/$f"
  done
  (cd "$from" && find . -name '*.pb-c.h') | while read -r f; do
    mkdir -p "$to/include/$(dirname "$f")" && cp "$from/$f" "$to/include/$f"
  done
}

# One Swift module (and one C module under it) per group of .proto folders, so that a user of the
# standard services compiles only their protos: name, then the folders under Protos/.
groups=(
  "GRPCServiceProtos grpc/health grpc/reflection"
  "CourierProtos grpc/testing courier/testing"
  "RecoProtos reco"
)

mkdir -p "$work/c" "$work/plugin-c" "$work/swift"
# The generator reads protoc's descriptors through these; place them first so it builds on them.
protoc-c --c_out="$work/plugin-c" -I"$PROTOBUF_INCLUDE" \
  google/protobuf/descriptor.proto google/protobuf/compiler/plugin.proto
place_c "$work/plugin-c" Sources/Generated/CProtocPlugin

# SwiftPM checks every target before building one, so the generator builds against the current
# tree; the generated folders are replaced only once everything new is in hand.
swift build --product courier-protoc-gen ${SWIFT_BUILD_FLAGS:-} >&2
plugin="$(swift build --product courier-protoc-gen --show-bin-path ${SWIFT_BUILD_FLAGS:-})/courier-protoc-gen"

for group in "${groups[@]}"; do
  read -r module folders <<< "$group"
  protos=$(cd Protos && find $folders -name '*.proto' | LC_ALL=C sort)
  mkdir -p "$work/$module/c" "$work/$module/swift"
  (cd Protos && protoc-c --c_out="$work/$module/c" -I. $protos)
  (cd Protos && protoc --plugin=protoc-gen-courier="$plugin" --courier_out="$work/$module/swift" \
     --courier_opt="c_module=${module}C" -I. $protos)
done
rm -rf Sources/Generated/CourierProtos Sources/Generated/CourierProtosC
for group in "${groups[@]}"; do
  read -r module _ <<< "$group"
  place_c "$work/$module/c" "Sources/Generated/${module}C"
  (cd "$work/$module/swift/c" && find . -name '*.h') | while read -r f; do
    mkdir -p "Sources/Generated/${module}C/include/$(dirname "$f")"
    cp "$work/$module/swift/c/$f" "Sources/Generated/${module}C/include/$f"
  done
  rm -rf "Sources/Generated/$module"
  mkdir -p "Sources/Generated/$module"
  cp "$work/$module/swift/swift/"*.swift "Sources/Generated/$module/"
done
echo "generated: $(find Sources/Generated -type f | wc -l) files" >&2
