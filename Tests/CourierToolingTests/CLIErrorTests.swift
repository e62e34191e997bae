import CourierTestSupport
import Courier
import CourierInterop
import Foundation
import Testing

/// Failures a person can act on: each names the cause, and the exit status tells scripts which.
@Suite("courier-cli errors", .serialized)
struct CLIErrorTests {
    @Test func connectionRefusedSaysSo() async throws {
        let port = try freeLoopbackPort()
        let run = try await CLIProcess.run(["call", "127.0.0.1:\(port)", "grpc.testing.TestService/UnaryCall", "--proto", "grpc/testing/test.proto", "-I", repositoryRoot + "/Protos"])
        #expect(run.status == 64 + 14)
        #expect(run.stderr == "error: UNAVAILABLE (14): cannot connect to 127.0.0.1:\(port): connection refused (is the server running, on this port?)\n")
        let list = try await CLIProcess.run(["list", "127.0.0.1:\(port)"])
        #expect(list.status == 64 + 14 && list.stderr.contains("connection refused"))
    }

    @Test func aServerThatIsNotHTTP2IsNamedAsSuch() async throws {
        try await withHTTP1Server { server in
            let run = try await CLIProcess.run(["call", server, "grpc.testing.TestService/EmptyCall", "--proto", "grpc/testing/test.proto", "-I", repositoryRoot + "/Protos"])
            #expect(run.status == 64 + 14)
            #expect(run.stderr.contains("the server answered in HTTP/1 (HTTP/1.1 400 Bad Request), not HTTP/2"), "\(run.stderr)")
        }
    }

    @Test func unknownMethodsAndServicesListWhatThereIs() async throws {
        try await withCourierServer { server in
            let method = try await CLIProcess.run(["call", server, "grpc.testing.TestService/UnaryCal"])
            #expect(method.status == 1)
            #expect(method.stderr.contains("unknown method UnaryCal in grpc.testing.TestService; its methods: EmptyCall, UnaryCall,"), "\(method.stderr)")
            let service = try await CLIProcess.run(["call", server, "grpc.testing.TestServic/UnaryCall"])
            #expect(service.status == 1)
            #expect(service.stderr.contains("unknown service grpc.testing.TestServic on \(server); it offers: grpc.health.v1.Health,"), "\(service.stderr)")
            // Typed from a local file the server does not serve: the server's own answer.
            let unserved = try await CLIProcess.run([
                "call", server, "grpc.testing.UnimplementedService/UnimplementedCall", "--proto", "grpc/testing/test.proto", "-I", repositoryRoot + "/Protos",
            ])
            #expect(unserved.status == 64 + 12 && unserved.stderr.contains("UNIMPLEMENTED (12)"), "\(unserved.stderr)")
        }
    }

    @Test func aServerWithoutReflectionAsksForLocalTypes() async throws {
        try await Server(services: [TestServiceProvider()]).serving { port in
            let list = try await CLIProcess.run(["list", "127.0.0.1:\(port)"])
            let call = try await CLIProcess.run(["call", "127.0.0.1:\(port)", "grpc.testing.TestService/EmptyCall"])
            let local = try await CLIProcess.run(["call", "127.0.0.1:\(port)", "grpc.testing.TestService/EmptyCall", "--proto", "grpc/testing/test.proto", "-I", repositoryRoot + "/Protos"])
            #expect(list.status == 1 && list.stderr.contains("has no reflection service"), "\(list.stderr)")
            #expect(call.status == 1)
            #expect(call.stderr == "error: 127.0.0.1:\(port) has no reflection service (grpc.reflection.v1 or v1alpha): give the types with --proto FILE (and -I DIR) or --descriptor-set FILE\n")
            #expect(local.status == 0 && local.stdout == "{}\n", "\(local.stderr)")
        }
    }

    @Test func badJSONNamesTheFieldPath() async throws {
        try await withCourierServer { server in
            let unknownField = try await CLIProcess.run(["call", server, "grpc.testing.TestService/UnaryCall", "-d", #"{"payload": {"bdy": "AA=="}}"#])
            #expect(unknownField.status == 1)
            #expect(unknownField.stderr == "error: bad JSON in request (grpc.testing.SimpleRequest): payload.bdy: no field \"bdy\" in grpc.testing.Payload\n")
            let wrongType = try await CLIProcess.run(["call", server, "grpc.testing.TestService/StreamingInputCall", "-d", "{}\n{\"payload\": {\"body\": 5}}"])
            #expect(wrongType.stderr == "error: bad JSON in request 2 (grpc.testing.StreamingInputCallRequest): payload.body: expected base64 bytes\n")
            let syntax = try await CLIProcess.run(["call", server, "grpc.testing.TestService/UnaryCall", "-d", #"{"responseSize": "#])
            #expect(syntax.status == 1 && syntax.stderr.contains("invalid JSON at byte"))
        }
    }

    @Test func deadlineExceededAndErrorStatusesSetTheExitStatus() async throws {
        try await withCourierServer { server in
            let slow = try await CLIProcess.run([
                "call", server, "grpc.testing.TestService/StreamingOutputCall", "--deadline", "200ms",
                "-d", #"{"responseParameters": [{"size": 1, "intervalUs": 5000000}]}"#,
            ])
            #expect(slow.status == 64 + 4)
            #expect(slow.stderr.contains("DEADLINE_EXCEEDED (4): no answer within the deadline (raise it with --deadline)"), "\(slow.stderr)")
            let failing = try await CLIProcess.run([
                "call", server, "grpc.testing.TestService/UnaryCall", "-d", #"{"responseStatus": {"code": 9, "message": "탈락: not ready"}}"#,
            ])
            #expect(failing.status == 64 + 9)
            #expect(failing.stderr == "error: FAILED_PRECONDITION (9): 탈락: not ready\n")
        }
    }
}
