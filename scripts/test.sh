#!/usr/bin/env bash
# The whole test suite: set-up, the Swift tests (real sockets, real HTTP/2 peers), then gRPC's
# interop cases with Courier, grpcio and grpc-go as clients and servers, and reflection through
# grpcio-reflection's client. Ends with one summary line: "tests: N passed, 0 failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests ${SWIFT_BUILD_FLAGS:-}
mkdir -p .build
scripts/interop.sh 2>&1 | tee .build/interop.log
# The debugger's suites start many processes (the CLI, protoc, a Python grpcio server): they run on
# their own after the rest, so the timed tests are not starved of the two cores (under ASan they were).
# Suites that assert wall-clock behaviour (a call ends by its deadline, a backoff window, a learned
# service time, a stall seen by a probe) run after the rest, one test at a time: beside ~130 tests
# starting at once (under ASan, on two cores) the process's timers fire seconds late, and the clock
# would measure the crowd instead of the code.
timed="ConnectionPolicyTests|AdmissionControlTests|SearchHomeTests|ScenarioAgainstRecoTests"
swift test --skip-build --skip CourierToolingTests --skip "$timed" ${SWIFT_BUILD_FLAGS:-} 2>&1 | tee .build/swift-test.log
swift test --skip-build --filter "$timed" --no-parallel ${SWIFT_BUILD_FLAGS:-} 2>&1 | tee -a .build/swift-test.log
swift test --skip-build --filter CourierToolingTests ${SWIFT_BUILD_FLAGS:-} 2>&1 | tee -a .build/swift-test.log
# Our suites use Swift Testing; swift test also prints XCTest's (empty) summary, so count here.
swift_tests=$(grep -oE "Test run with [0-9]+ tests? in [0-9]+ suites? passed" .build/swift-test.log | grep -oE "with [0-9]+" | grep -oE "[0-9]+" | awk "{ total += \$1 } END { print total }")
interop_cases=$(grep -cE "^PASS " .build/interop.log)
echo "tests: $((swift_tests + interop_cases)) passed, 0 failed"
