import Courier
import CourierProtos
import Testing

@Suite("Deadlines and cancellation, both sides", .timeLimit(.minutes(1)))
struct DeadlineAndCancellationTests {
    @Test func aSlowHandlerFailsWithDeadlineExceededAndIsCancelledOnTheServer() async throws {
        let probe = ProbeService()
        try await withServer(services: [probe]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                // Connected first: on a loaded machine under ASan, connecting alone has taken most of the
                // 2 s, and a request that reaches the server after its deadline never starts a handler.
                _ = try await client.unaryCall(Grpc_Testing_SimpleRequest())
                probe.observations.withLockedValue { $0 = .init() }
                let started = ContinuousClock.now
                let error = await rpcError {
                    _ = try await client.unaryCall(ProbeService.sleepRequest(milliseconds: 10_000), options: CallOptions(timeout: .seconds(2)))
                }
                #expect(error?.code == .deadlineExceeded)
                #expect(ContinuousClock.now - started < .seconds(5), "the client gave up at its deadline, not when the handler ended")
                // The server enforces the deadline it was sent: its handler is cancelled too.
                try await eventually { probe.observations.withLockedValue { $0.cancelled } == 1 }
                #expect(probe.observations.withLockedValue { $0.deadlines } == [true])
            }
        }
    }

    @Test func theServerEnforcesGRPCTimeoutEvenIfTheClientWaits() async throws {
        let probe = ProbeService()
        try await withServer(services: [probe]) { port in
            var body = try Grpc_Testing_SimpleRequest.sleepBytes(milliseconds: 5000)
            body = RawStreamClient.message(body)
            let response = try await RawStreamClient.send(
                port: port,
                headers: RawStreamClient.grpcHeaders(path: "/grpc.testing.BenchmarkService/UnaryCall", extra: [.init("grpc-timeout", "50m")]),
                body: body)
            #expect(response.grpcStatus == StatusCode.deadlineExceeded.rawValue)
        }
    }

    @Test func cancellingTheClientTaskResetsTheStreamAndCancelsTheHandler() async throws {
        let probe = ProbeService()
        try await withServer(services: [probe]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                let call = Task { try await client.unaryCall(ProbeService.sleepRequest(milliseconds: 10_000)) }
                try await eventually { probe.observations.withLockedValue { $0.started } == 1 }
                call.cancel()
                let error = await rpcError { _ = try await call.value }
                #expect(error?.code == .cancelled)
                try await eventually { probe.observations.withLockedValue { $0.cancelled } == 1 }
                // The connection is still good for the next call.
                _ = try await client.unaryCall(Grpc_Testing_SimpleRequest())
            }
        }
    }

    @Test func leavingAServerStreamEarlyCancelsTheServerSide() async throws {
        let probe = ProbeService()
        try await withServer(services: [probe]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                var request = Grpc_Testing_SimpleRequest()
                request.responseSize = 1000
                let received = try await client.streamingFromServer(request) { responses in
                    var count = 0
                    for try await _ in responses {
                        count += 1
                        if count == 10 { break }
                    }
                    return count
                }
                #expect(received == 10)
                try await eventually { probe.observations.withLockedValue { $0.cancelled } == 1 }
            }
        }
    }

    @Test func anExpiredTimeoutFailsBeforeSending() async throws {
        let probe = ProbeService()
        try await withServer(services: [probe]) { port in
            try await withChannel(port: port) { channel in
                let client = Grpc_Testing_BenchmarkService.Client(channel: channel)
                let error = await rpcError { _ = try await client.unaryCall(Grpc_Testing_SimpleRequest(), options: CallOptions(timeout: .zero)) }
                #expect(error?.code == .deadlineExceeded)
                #expect(probe.observations.withLockedValue { $0.started } == 0)
            }
        }
    }
}

extension Grpc_Testing_SimpleRequest {
    static func sleepBytes(milliseconds: Int32) throws -> [UInt8] {
        try ProbeService.sleepRequest(milliseconds: milliseconds).serializedBytes()
    }
}

/// Polls `condition` until it holds (for effects that land on another thread), failing after 5 s.
func eventually(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    // Up to 15 s: AddressSanitizer builds running every suite at once on two cores can be that slow.
    for _ in 0..<1500 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition never became true", sourceLocation: sourceLocation)
}
