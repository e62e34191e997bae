#!/usr/bin/env bash
# Can another package depend on Courier by version? SwiftPM refuses a versioned dependency whose
# targets use unsafe flags, and says so while planning the build. This clones the committed HEAD,
# tags it, and plans (does not compile) a consumer of each library product: seconds, not minutes.
#   scripts/check-dependable.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q . "$work/courier"
git -C "$work/courier" tag 1.0.0
mkdir -p "$work/consumer/Sources/Consumer"
cat > "$work/consumer/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "Consumer",
    dependencies: [.package(url: "file://$work/courier", exact: "1.0.0")],
    targets: [.executableTarget(name: "Consumer", dependencies: [
        .product(name: "Courier", package: "courier"), .product(name: "CourierServices", package: "courier"),
        .product(name: "GRPCServiceProtos", package: "courier"), .product(name: "CourierProtos", package: "courier"),
    ])]
)
SWIFT
echo 'import Courier; import CourierServices; import GRPCServiceProtos; print(StatusCode.ok.rawValue, HealthService.self, Grpc_Health_V1_HealthCheckRequest())' > "$work/consumer/Sources/Consumer/main.swift"
cd "$work/consumer"
swift package resolve > resolve.log 2>&1 || { cat resolve.log; exit 1; }
if ! swift build --product Consumer --print-manifest-job-graph > /dev/null 2> plan.log; then
  cat plan.log
  echo "FAIL: a package depending on Courier by version cannot build it" >&2
  exit 1
fi
echo "OK: a package depending on Courier 1.0.0 by version plans its build (Courier, CourierServices, GRPCServiceProtos, CourierProtos)"
