#!/usr/bin/env bash
# The whole test suite: set-up, the Swift tests (real sockets, real HTTP/2 peers), then the
# interop cases three ways (Courier <-> Courier, grpcio client -> Courier, Courier -> grpcio
# server) and reflection through grpcio-reflection's client.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests ${SWIFT_BUILD_FLAGS:-}
scripts/interop.sh
swift test --skip-build ${SWIFT_BUILD_FLAGS:-} 2>&1 | tee .build/swift-test.log
