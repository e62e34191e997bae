import Courier
import CourierInterop
import CourierProtos
import Testing

/// The in-process transport keeps the rules an HTTP/2 call keeps: every standard interop case
/// passes over it, unchanged, against the same interop server (deadlines, cancellation, metadata,
/// status details, streaming in all four shapes, unknown methods and services).
@Suite("In-process transport", .timeLimit(.minutes(1)))
struct InProcessTransportTests {
    static func interopServer() -> Server { InteropServer.make(configuration: .testing).0 }

    // Responses are never compressed in-process (nothing crosses a wire): the server-compressed
    // cases, which check the flag on each response, do not apply.
    @Test("every interop case passes in-process", arguments: InteropTestCase.standard + [.clientCompressedUnary, .clientCompressedStreaming])
    func interopCase(_ testCase: InteropTestCase) async throws {
        let server = Self.interopServer()
        try await testCase.run(on: server.inProcessTransport())
        await server.close()
    }

    @Test("many concurrent calls, each answered with its own response")
    func concurrentCalls() async throws {
        let server = Self.interopServer()
        let client = Grpc_Testing_TestService.Client(channel: server.inProcessTransport())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    var request = Grpc_Testing_SimpleRequest()
                    request.responseSize = Int32(index + 1)
                    let response = try await client.unaryCall(request)
                    #expect(response.payload?.body.count == index + 1)
                }
            }
            try await group.waitForAll()
        }
        await server.close()
    }

    @Test("size limits of both ends apply: RESOURCE_EXHAUSTED, and the server keeps serving")
    func sizeLimits() async throws {
        var serverConfiguration = ServerConfiguration.testing
        serverConfiguration.maxReceiveMessageSize = 1000
        let server = InteropServer.make(configuration: serverConfiguration).0
        var clientConfiguration = ChannelConfiguration()
        clientConfiguration.maxReceiveMessageSize = 2000
        let client = Grpc_Testing_TestService.Client(channel: server.inProcessTransport(configuration: clientConfiguration))

        var large = Grpc_Testing_SimpleRequest()
        var payload = Grpc_Testing_Payload()
        payload.body = [UInt8](repeating: 0, count: 5000)
        large.payload = payload
        let tooLargeRequest = await #expect(throws: RPCError.self) { try await client.unaryCall(large) }
        #expect(tooLargeRequest?.code == .resourceExhausted)

        var askLarge = Grpc_Testing_SimpleRequest()
        askLarge.responseSize = 5000
        let tooLargeResponse = await #expect(throws: RPCError.self) { try await client.unaryCall(askLarge) }
        #expect(tooLargeResponse?.code == .resourceExhausted)

        var small = Grpc_Testing_SimpleRequest()
        small.responseSize = 10
        #expect(try await client.unaryCall(small).payload?.body.count == 10)
        await server.close()
    }

    @Test("a streaming writer waits while its reader is behind, and all messages arrive in order")
    func backPressure() async throws {
        let server = Self.interopServer()
        let client = Grpc_Testing_TestService.Client(channel: server.inProcessTransport())
        var request = Grpc_Testing_StreamingOutputCallRequest()
        for index in 0..<300 {
            var parameters = Grpc_Testing_ResponseParameters()
            parameters.size = Int32(index + 1)
            request.responseParameters.append(parameters)
        }
        let sizes = try await client.streamingOutputCall(request) { responses in
            var sizes: [Int] = []
            for try await response in responses {
                sizes.append(response.payload?.body.count ?? 0)
                if sizes.count % 50 == 0 { try await Task.sleep(for: .milliseconds(5)) }
            }
            return sizes
        }
        #expect(sizes == Array(1...300))
        await server.close()
    }

    @Test("a caller that sends its one request late still meets its deadline, even for a handler that answers at once")
    func deadlineWhileTheRequestIsLate() async throws {
        let server = Self.interopServer()
        let transport = server.inProcessTransport()
        let started = ContinuousClock.now
        let error = await #expect(throws: RPCError.self) {
            try await transport.rawStreaming(Grpc_Testing_TestService.Method.unaryCall, options: CallOptions(timeout: .milliseconds(100))) { _, responses in
                try await Task.sleep(for: .milliseconds(400))
                for try await _ in responses {}
            }
        }
        #expect(error?.code == .deadlineExceeded)
        // Without the timer the call waits for a request that never comes (to the time limit);
        // generous, because under AddressSanitizer beside a hundred tests timers fire seconds late.
        #expect(ContinuousClock.now - started < .seconds(30))
        await server.close()
    }

    @Test("after the server has shut down, in-process calls are UNAVAILABLE")
    func refusedAfterShutdown() async throws {
        let server = Self.interopServer()
        let client = Grpc_Testing_TestService.Client(channel: server.inProcessTransport())
        _ = try await client.emptyCall(Grpc_Testing_Empty())
        await server.close()
        let error = await #expect(throws: RPCError.self) { try await client.emptyCall(Grpc_Testing_Empty()) }
        #expect(error?.code == .unavailable)
    }
}
