import Courier
import CourierInterop
import CourierSchema
import Foundation
import Testing

/// courier-cli against gRPC's reference Python server (grpcio, grpcio-reflection serving v1alpha):
/// the same commands work on a server that is not Courier.
@Suite("courier-cli against a grpcio server", .serialized)
struct CLIAgainstGRPCIOTests {
    @Test func listDescribeCallAndTraceThroughV1alphaReflection() async throws {
        try await withGRPCIOServer { server in
            let list = try await CLIProcess.run(["list", server])
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdoutLines.contains("grpc.testing.TestService"))
            #expect(list.stdoutLines.contains { $0.hasPrefix("grpc.reflection.") })

            let methods = try await CLIProcess.run(["list", server, "grpc.testing.TestService"])
            #expect(methods.stdoutLines.contains("grpc.testing.TestService.StreamingOutputCall"), "\(methods.stderr)")

            let describe = try await CLIProcess.run(["describe", server, "grpc.testing.Payload"])
            #expect(describe.stdout == "grpc.testing.Payload is a message:\nmessage Payload {\n  .grpc.testing.PayloadType type = 1;\n  bytes body = 2;\n}\n", "\(describe.stderr)")

            let unary = try await CLIProcess.run(["call", server, "grpc.testing.TestService/UnaryCall", "-d", #"{"responseSize": 2}"#, "--trace"])
            #expect(unary.status == 0, "\(unary.stderr)")
            #expect(try JSONValue.parse(unary.stdout) == .object([("payload", .object([("body", .string("AAA="))]))]))
            #expect(unary.stderr.contains("           gRPC message: compressed=0 length=6 grpc.testing.SimpleResponse\n"), "\(unary.stderr)")
            #expect(unary.stderr.contains("recv HEADERS stream=1 flags=0x05(END_STREAM|END_HEADERS)"))

            let streaming = try await CLIProcess.run([
                "call", server, "grpc.testing.TestService/FullDuplexCall", "-d", "@-",
            ], stdin: #"{"responseParameters": [{"size": 2}]}"# + "\n" + #"{"responseParameters": [{"size": 1}]}"# + "\n")
            #expect(streaming.status == 0, "\(streaming.stderr)")
            #expect(streaming.stdoutLines == [#"{"payload": {"body": "AAA="}}"#, #"{"payload": {"body": "AA=="}}"#])

            // grpcio's own health service (grpcio-health-checking).
            let health = try await CLIProcess.run(["health", server, "grpc.testing.TestService"])
            #expect(health.status == 0, "\(health.stderr)")
            #expect(health.stdout.contains("SERVING"), "\(health.stdout)")
        }
        // A server without a health service: UNIMPLEMENTED (exit 64 + 12).
        try await Server(services: [TestServiceProvider()]).serving { port in
            let noHealth = try await CLIProcess.run(["health", "127.0.0.1:\(port)"])
            #expect(noHealth.status == 64 + 12, "\(noHealth.stderr)")
        }
    }
}
