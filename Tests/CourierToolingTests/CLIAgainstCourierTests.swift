import Courier
import CourierSchema
import CourierServices
import Foundation
import Synchronization
import Testing

/// courier-cli, as a person runs it, against a Courier server with reflection and health.
@Suite("courier-cli against a Courier server", .serialized)
struct CLIAgainstCourierTests {
    @Test func listsServicesThenOneServicesMethods() async throws {
        try await withCourierServer { server in
            let services = try await CLIProcess.run(["list", server])
            #expect(services.status == 0, "\(services.stderr)")
            #expect(services.stdoutLines == [
                "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
                "grpc.testing.BenchmarkService", "grpc.testing.TestService",
            ])
            let methods = try await CLIProcess.run(["list", server, "grpc.health.v1.Health"])
            #expect(methods.stdoutLines == ["grpc.health.v1.Health.Check", "grpc.health.v1.Health.Watch"])
        }
    }

    @Test func describesServicesMethodsMessagesAndEnums() async throws {
        try await withCourierServer { server in
            let run = try await CLIProcess.run([
                "describe", server, "grpc.testing.TestService", "grpc.testing.TestService.FullDuplexCall",
                "grpc.testing.ResponseParameters", "grpc.health.v1.HealthCheckResponse.ServingStatus",
            ])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("grpc.testing.TestService is a service:\nservice TestService {\n  rpc EmptyCall ( .grpc.testing.Empty ) returns ( .grpc.testing.Empty );\n"))
            #expect(run.stdout.contains("rpc StreamingInputCall ( stream .grpc.testing.StreamingInputCallRequest ) returns ( .grpc.testing.StreamingInputCallResponse );"))
            #expect(run.stdout.contains("grpc.testing.TestService.FullDuplexCall is a method:\nrpc FullDuplexCall ( stream .grpc.testing.StreamingOutputCallRequest ) returns ( stream .grpc.testing.StreamingOutputCallResponse );"))
            #expect(run.stdout.contains("message ResponseParameters {\n  int32 size = 1;\n  int32 interval_us = 2;\n  .grpc.testing.BoolValue compressed = 3;\n}"))
            #expect(run.stdout.contains("enum ServingStatus {\n  UNKNOWN = 0;\n  SERVING = 1;\n  NOT_SERVING = 2;\n  SERVICE_UNKNOWN = 3;\n}"))
        }
    }

    @Test func unaryCallTakesJSONAndPrintsTheResponseMetadataAndStatus() async throws {
        try await withCourierServer { server in
            let run = try await CLIProcess.run([
                "call", server, "grpc.testing.TestService/UnaryCall", "-v",
                "-d", #"{"responseSize": 3, "payload": {"body": "AAECAw=="}}"#,
                "-H", "x-grpc-test-echo-initial: kimchi-ok", "-H", "x-grpc-test-echo-trailing-bin: AAEC",
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let response = try JSONValue.parse(run.stdout)
            #expect(response == .object([("payload", .object([("body", .string("AAAA"))]))]))
            #expect(run.stdout.hasPrefix("{\n  \"payload\": {\n    \"body\": \"AAAA\"\n  }\n}"))
            #expect(run.stderr.contains("method: /grpc.testing.TestService/UnaryCall (unary) grpc.testing.SimpleRequest -> grpc.testing.SimpleResponse"))
            #expect(run.stderr.contains("response header: x-grpc-test-echo-initial: kimchi-ok"))
            #expect(run.stderr.contains("response trailer: x-grpc-test-echo-trailing-bin: AAEC"))
            #expect(run.stderr.hasSuffix("status: OK (0)\n"))
            // ASCII metadata must be printable ASCII (gRPC's rule): said before anything is sent.
            let korean = try await CLIProcess.run(["call", server, "grpc.testing.TestService/EmptyCall", "-H", "x-keyword: 마라탕"])
            #expect(korean.status == 1 && korean.stderr.contains("not printable ASCII (use a -bin key for bytes)"), "\(korean.stderr)")
        }
    }

    @Test func serverStreamingPrintsOneJSONObjectPerLine() async throws {
        try await withCourierServer { server in
            let run = try await CLIProcess.run([
                "call", server, "grpc.testing.TestService.StreamingOutputCall",
                "-d", #"{"responseParameters": [{"size": 1}, {"size": 2}, {"size": 0}]}"#,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdoutLines == [#"{"payload": {"body": "AA=="}}"#, #"{"payload": {"body": "AAA="}}"#, #"{"payload": {}}"#])
        }
    }

    @Test func clientStreamingReadsOneJSONObjectPerLineFromStandardInput() async throws {
        try await withCourierServer { server in
            let lines = #"{"payload": {"body": "AAE="}}"# + "\n\n" + #"{"payload": {"body": "AAECAw=="}}"# + "\n" + #"{}"# + "\n"
            let run = try await CLIProcess.run(["call", server, "grpc.testing.TestService/StreamingInputCall", "-d", "@-"], stdin: lines)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try JSONValue.parse(run.stdout) == .object([("aggregatedPayloadSize", .number("6"))]))
        }
    }

    @Test func bidirectionalStreamingAnswersEachRequest() async throws {
        try await withCourierServer { server in
            let lines = #"{"responseParameters": [{"size": 1}]}"# + "\n" + #"{"responseParameters": [{"size": 3}, {"size": 2}]}"#
            let run = try await CLIProcess.run(["call", server, "grpc.testing.TestService/FullDuplexCall", "-d", lines])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdoutLines == [#"{"payload": {"body": "AA=="}}"#, #"{"payload": {"body": "AAAA"}}"#, #"{"payload": {"body": "AAA="}}"#])
        }
    }

    @Test func traceShowsEveryFrameWithHeadersAndDecodedMessages() async throws {
        try await withCourierServer { server in
            let run = try await CLIProcess.run([
                "call", server, "grpc.testing.TestService/UnaryCall", "--trace", "-d", #"{"responseSize": 2, "payload": {"body": "AQ=="}}"#,
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let frames = run.stderr.split(separator: "\n").filter { $0.hasPrefix("[") }.map { line in
                // "[   0.002] send HEADERS stream=1 flags=... length=..." -> "send HEADERS stream=1 flags=..."
                line.split(separator: "] ", maxSplits: 1)[1].split(separator: " length=")[0]
            }
            for expected in [
                "send SETTINGS stream=0 flags=0x00", "recv SETTINGS stream=0 flags=0x00", "recv SETTINGS stream=0 flags=0x01(ACK)",
                "send SETTINGS stream=0 flags=0x01(ACK)", "send HEADERS stream=1 flags=0x04(END_HEADERS)",
                // The one request carries the end of the stream, as gRPC clients send it.
                "send DATA stream=1 flags=0x01(END_STREAM)",
                "recv HEADERS stream=1 flags=0x04(END_HEADERS)", "recv DATA stream=1 flags=0x00",
                "recv HEADERS stream=1 flags=0x05(END_STREAM|END_HEADERS)",
            ] {
                #expect(frames.contains(Substring(expected)), "no frame \(expected) in:\n\(run.stderr)")
            }
            // Requests go out before responses come back; the trailers end the stream (connection-level
            // frames such as a WINDOW_UPDATE for the consumed response may follow them on stream 0).
            let sentData = try #require(frames.firstIndex(of: "send DATA stream=1 flags=0x01(END_STREAM)"))
            let receivedData = try #require(frames.firstIndex(of: "recv DATA stream=1 flags=0x00"))
            let streamOne = frames.filter { $0.contains(" stream=1 ") }
            #expect(sentData < receivedData && streamOne.last == "recv HEADERS stream=1 flags=0x05(END_STREAM|END_HEADERS)", "\(run.stderr)")
            #expect(frames.filter { $0.hasPrefix("send DATA") }.count == 1)
            for expected in [
                "           :path: /grpc.testing.TestService/UnaryCall", "           content-type: application/grpc", "           te: trailers",
                "           :status: 200", "           grpc-status: 0",
                "           MAX_CONCURRENT_STREAMS=1000 INITIAL_WINDOW_SIZE=1048576 MAX_FRAME_SIZE=16384 MAX_HEADER_LIST_SIZE=16384 ENABLE_PUSH=0",
                "           gRPC message: compressed=0 length=7 grpc.testing.SimpleRequest",
                #"           {"responseSize": 2, "payload": {"body": "AQ=="}}"#,
                "           gRPC message: compressed=0 length=6 grpc.testing.SimpleResponse",
                #"           {"payload": {"body": "AAA="}}"#,
            ] {
                #expect(run.stderr.contains(expected + "\n"), "no line \(expected) in:\n\(run.stderr)")
            }
        }
    }

    @Test func typesComeFromLocalProtoFilesOrADescriptorSetWhenAsked() async throws {
        try await withCourierServer { server in
            let proto = ["--proto", "grpc/testing/test.proto", "-I", repositoryRoot + "/Protos"]
            let list = try await CLIProcess.run(["list"] + proto)
            #expect(list.stdoutLines == ["grpc.testing.TestService", "grpc.testing.UnimplementedService"], "\(list.stderr)")
            let call = try await CLIProcess.run(["call", server, "grpc.testing.TestService/UnaryCall", "-d", #"{"responseSize": 1}"#] + proto)
            #expect(call.status == 0 && call.stdout.contains(#""body": "AA==""#), "\(call.stderr)")

            let set = FileManager.default.temporaryDirectory.appendingPathComponent("courier-\(UUID().uuidString).pb").path
            defer { try? FileManager.default.removeItem(atPath: set) }
            try await runToEnd("/usr/bin/env", ["protoc", "--include_imports", "--descriptor_set_out=" + set, "-I", repositoryRoot + "/Protos", "grpc/health/v1/health.proto"])
            let describe = try await CLIProcess.run(["describe", "--descriptor-set", set, "grpc.health.v1.HealthCheckRequest"])
            #expect(describe.stdout == "grpc.health.v1.HealthCheckRequest is a message:\nmessage HealthCheckRequest {\n  string service = 1;\n}\n", "\(describe.stderr)")
            let broken = try await CLIProcess.run(["list", "--proto", "no/such.proto"])
            #expect(broken.status == 1 && broken.stderr.contains("protoc could not compile no/such.proto"))
        }
    }

    @Test func healthSaysServingAndExitsZero() async throws {
        try await withCourierServer { server in
            let run = try await CLIProcess.run(["health", server])
            #expect(run.status == 0 && run.stdout == "SERVING\n", "\(run.stderr)")
            let unlimited = try await CLIProcess.run(["health", "--deadline", "0", server])
            #expect(unlimited.status == 0 && unlimited.stdout == "SERVING\n", "\(unlimited.stderr)")
            let named = try await CLIProcess.run(["health", server, "grpc.testing.TestService"])
            #expect(named.status == 0 && named.stdout == "SERVING\n", "\(named.stderr)")
            let unknown = try await CLIProcess.run(["health", server, "no.such.Service"])
            #expect(unknown.status == 64 + 5 && unknown.stderr.contains("NOT_FOUND (5)"), "\(unknown.stderr)")
        }
    }

    @Test func healthWatchPrintsEveryChangeUntilTheDeadline() async throws {
        let health = HealthService()
        health.setStatus(.serving, for: "courier.Demo")
        let watches = WatchesStarted()
        try await Server(services: [health], interceptors: [watches]).serving { port in
            async let watching = CLIProcess.run(["health", "--watch", "--deadline", "4s", "127.0.0.1:\(port)", "courier.Demo"])
            // Change the status only once the watch is in: its first answer is the status then.
            let arrived = ContinuousClock.now
            while watches.count == 0 && ContinuousClock.now - arrived < .seconds(10) { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            health.setStatus(.notServing, for: "courier.Demo")
            try await Task.sleep(for: .milliseconds(300))
            health.setStatus(.serving, for: "courier.Demo")
            let run = try await watching
            // Ended by its --deadline, as asked: not an error; the exit code follows the last status.
            #expect(run.stdoutLines == ["SERVING", "NOT_SERVING", "SERVING"], "\(run.stderr)")
            #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")

            let unknown = try await CLIProcess.run(["health", "--watch", "--deadline", "1s", "127.0.0.1:\(port)", "no.such.Service"])
            #expect(unknown.stdoutLines == ["SERVICE_UNKNOWN"] && unknown.status == 2, "\(unknown.stderr)")
        }
    }
}

/// Counts the Health/Watch calls that reached the server.
private final class WatchesStarted: ServerInterceptor {
    private let started = Atomic<Int>(0)

    var count: Int { started.load(ordering: .relaxed) }

    func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
        if context.method.method == "Watch" { started.add(1, ordering: .relaxed) }
        try await next(context)
    }
}
