#!/usr/bin/env bash
# The whole test suite: set-up, the Swift tests (real sockets, real HTTP/2 peers), then gRPC's
# interop cases with Courier, grpcio and grpc-go as clients and servers, and reflection through
# grpcio-reflection's client.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests ${SWIFT_BUILD_FLAGS:-}
scripts/interop.sh
swift test --skip-build ${SWIFT_BUILD_FLAGS:-} 2>&1 | tee .build/swift-test.log
