#!/usr/bin/env bash
# Can another package depend on Courier by version? SwiftPM refuses a versioned dependency whose
# targets use unsafe flags ("contains unsafe build flags", while planning the build). This clones
# the committed HEAD, tags it, builds a consumer of each library product and runs it: a Greeter
# written against the public API only, served and called over a real socket.
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
    targets: [
        .executableTarget(name: "Consumer", dependencies: [
            .product(name: "Courier", package: "courier"), .product(name: "CourierServices", package: "courier"),
            .product(name: "GRPCServiceProtos", package: "courier"), .product(name: "CourierProtos", package: "courier"),
        ]),
        .executableTarget(name: "MessagesOnly", dependencies: [.product(name: "GRPCServiceMessages", package: "courier")]),
    ]
)
SWIFT
mkdir -p "$work/consumer/Sources/MessagesOnly"
cat > "$work/consumer/Sources/MessagesOnly/main.swift" <<'SWIFT'
import GRPCServiceMessages

// Message types on the protobuf runtime alone: encode, decode, no RPC stack.
var request = Grpc_Health_V1_HealthCheckRequest()
request.service = "messages only"
let decoded = try Grpc_Health_V1_HealthCheckRequest(serializedBytes: try request.serializedBytes())
print(decoded.service)
SWIFT
cat > "$work/consumer/Sources/Consumer/main.swift" <<'SWIFT'
import Courier
import CourierServices
import GRPCServiceProtos

/// A Greeter from the public API alone: the health protos' request message carries the name.
struct Greeter: CourierService {
    typealias Message = Grpc_Health_V1_HealthCheckRequest
    static let sayHello = MethodDescriptor(service: "example.Greeter", method: "SayHello", kind: .unary)
    var serviceDescriptor: ServiceDescriptor {
        ServiceDescriptor(name: "example.Greeter", methods: [Self.sayHello], file: Grpc_Health_V1_Health.descriptor.file)
    }
    var methodHandlers: [MethodHandler] {
        [.unary(Self.sayHello) { (request: Message, _) in
            var reply = Message()
            reply.service = "hello, \(request.service)"
            return reply
        }]
    }
}

let server = Server(services: [Greeter(), HealthService()])
let port = try await server.start(host: "127.0.0.1", port: 0)
let channel = GRPCChannel(host: "127.0.0.1", port: port)
var request = Greeter.Message()
request.service = "consumer"
let reply = try await channel.unary(Greeter.sayHello, request: request, responseType: Greeter.Message.self,
                                    options: CallOptions(timeout: .seconds(10)))
let health = try await Grpc_Health_V1_Health.Client(channel: channel).check(Grpc_Health_V1_HealthCheckRequest())
print("\(reply.message.service); health \(health.status)")
await channel.close()
await server.shutdownGracefully()
SWIFT
cd "$work/consumer"
# The message types alone first: they must build and run without Courier (the RPC stack) or NIO.
swift build --product MessagesOnly > messages.log 2>&1 || { tail -30 messages.log; echo "FAIL: the messages-only product does not build" >&2; exit 1; }
if grep -qE "Compiling (Courier|NIOCore) " messages.log; then
  echo "FAIL: building the message types alone compiled the RPC stack:" >&2; grep -E "Compiling (Courier|NIOCore) " messages.log | head -3 >&2; exit 1
fi
[ "$(timeout 60 .build/debug/MessagesOnly)" = "messages only" ] || { echo "FAIL: the messages-only consumer did not round-trip" >&2; exit 1; }
swift build --product Consumer > build.log 2>&1 || {
  tail -30 build.log
  echo "FAIL: a package depending on Courier 1.0.0 by version cannot build it" >&2
  exit 1
}
output=$(timeout 60 .build/debug/Consumer)
[ "$output" = "hello, consumer; health serving" ] || { echo "FAIL: the consumer printed: $output" >&2; exit 1; }
echo "OK: a package depending on Courier 1.0.0 by version (Courier, CourierServices, GRPCServiceProtos, CourierProtos) built, served its Greeter and called it: $output; GRPCServiceMessages alone built without the RPC stack and round-tripped a message"
