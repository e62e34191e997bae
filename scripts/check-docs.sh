#!/usr/bin/env bash
# Builds the API reference of the library targets with swift-docc-plugin and fails on any DocC
# warning (a broken symbol link, a malformed comment). Archives land in
# .build/plugins/Swift-DocC/outputs/<Target>.doccarchive.
set -euo pipefail
cd "$(dirname "$0")/.."
for target in Courier CourierHTTP2 CourierTLS CourierProtobuf CourierServices; do
  swift package generate-documentation --target "$target" --warnings-as-errors > ".build/docc-$target.log" 2>&1 || {
    grep -E "warning|error" ".build/docc-$target.log" | head -20
    echo "documentation of $target: warnings or errors (full log: .build/docc-$target.log)"
    exit 1
  }
  echo "documentation of $target: built, no warnings"
done
