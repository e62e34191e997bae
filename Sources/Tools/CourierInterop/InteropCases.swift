import Courier
import CourierProtos

/// The bodies of the interop cases; sizes and values are the ones the interop spec fixes.
struct InteropCases {
    let client: Grpc_Testing_TestService.Client

    init(channel: any ClientTransport) {
        client = Grpc_Testing_TestService.Client(channel: channel)
    }

    private static let requestSizes: [Int32] = [27182, 8, 1828, 45904]
    private static let responseSizes: [Int32] = [31415, 9, 2653, 58979]

    private func outputRequest(responseSize: Int32, payloadSize: Int32) -> Grpc_Testing_StreamingOutputCallRequest {
        var request = Grpc_Testing_StreamingOutputCallRequest()
        var parameters = Grpc_Testing_ResponseParameters()
        parameters.size = responseSize
        request.responseParameters = [parameters]
        request.payload = TestServiceProvider.payload(size: payloadSize)
        return request
    }

    private var largeRequest: Grpc_Testing_SimpleRequest {
        var request = Grpc_Testing_SimpleRequest()
        request.responseSize = 314_159
        request.payload = TestServiceProvider.payload(size: 271_828)
        return request
    }

    func emptyUnary() async throws {
        let response = try await client.emptyCall(Grpc_Testing_Empty())
        try expect(response == Grpc_Testing_Empty(), "EmptyCall answered \(response)")
    }

    func largeUnary() async throws {
        let response = try await client.unaryCall(largeRequest)
        let body = response.payload?.body ?? []
        try expect(body.count == 314_159 && body.allSatisfy { $0 == 0 }, "payload of \(body.count) bytes, expected 314159 zeros")
    }

    func clientStreaming() async throws {
        let response = try await client.streamingInputCall { requests in
            for size in Self.requestSizes {
                var request = Grpc_Testing_StreamingInputCallRequest()
                request.payload = TestServiceProvider.payload(size: size)
                try await requests.write(request)
            }
        }
        try expect(response.aggregatedPayloadSize == 74922, "aggregated size \(response.aggregatedPayloadSize), expected 74922")
    }

    func serverStreaming() async throws {
        var request = Grpc_Testing_StreamingOutputCallRequest()
        request.responseParameters = Self.responseSizes.map { size in
            var parameters = Grpc_Testing_ResponseParameters()
            parameters.size = size
            return parameters
        }
        let sizes = try await client.streamingOutputCall(request) { responses in
            var sizes: [Int32] = []
            for try await response in responses { sizes.append(Int32(response.payload?.body.count ?? 0)) }
            return sizes
        }
        try expect(sizes == Self.responseSizes, "response sizes \(sizes), expected \(Self.responseSizes)")
    }

    func pingPong() async throws {
        try await client.fullDuplexCall { requests, responses in
            var iterator = responses.makeAsyncIterator()
            for (responseSize, payloadSize) in zip(Self.responseSizes, Self.requestSizes) {
                try await requests.write(outputRequest(responseSize: responseSize, payloadSize: payloadSize))
                let response = try await iterator.next()
                try expect(response?.payload?.body.count == Int(responseSize), "ping_pong response size \(response?.payload?.body.count ?? -1), expected \(responseSize)")
            }
            requests.finish()
            try expect(try await iterator.next() == nil, "ping_pong: more responses than requests")
        }
    }

    func emptyStream() async throws {
        try await client.fullDuplexCall { requests, responses in
            requests.finish()
            var count = 0
            for try await _ in responses { count += 1 }
            try expect(count == 0, "empty_stream received \(count) responses")
        }
    }

    func customMetadata() async throws {
        var metadata = Metadata()
        metadata.add("x-grpc-test-echo-initial", "test_initial_metadata_value")
        metadata.add("x-grpc-test-echo-trailing-bin", bytes: [0xab, 0xab, 0xab])
        let options = CallOptions(metadata: metadata)

        let unary = try await client.channel.unary(
            Grpc_Testing_TestService.Method.unaryCall, request: largeRequest,
            responseType: Grpc_Testing_SimpleResponse.self, options: options)
        try checkEcho(initial: unary.initialMetadata, trailing: unary.trailingMetadata)

        try await client.fullDuplexCall(options: options) { requests, responses in
            try await requests.write(outputRequest(responseSize: 314_159, payloadSize: 271_828))
            requests.finish()
            for try await _ in responses {}
            try checkEcho(initial: responses.initialMetadata, trailing: responses.trailingMetadata)
        }
    }

    private func checkEcho(initial: Metadata, trailing: Metadata) throws {
        try expect(initial["x-grpc-test-echo-initial"] == "test_initial_metadata_value", "initial metadata not echoed: \(initial.entries)")
        try expect(trailing.bytes("x-grpc-test-echo-trailing-bin") == [0xab, 0xab, 0xab], "trailing metadata not echoed: \(trailing.entries)")
    }

    func statusCodeAndMessage() async throws {
        try await echoStatus(message: "test status message")
    }

    func specialStatusMessage() async throws {
        try await echoStatus(message: "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n")
    }

    private func echoStatus(message: String) async throws {
        var status = Grpc_Testing_EchoStatus()
        status.code = 2
        status.message = message
        var request = Grpc_Testing_SimpleRequest()
        request.responseStatus = status
        try await expectStatus(.unknown, message: message) { _ = try await client.unaryCall(request) }

        var streaming = Grpc_Testing_StreamingOutputCallRequest()
        streaming.responseStatus = status
        try await expectStatus(.unknown, message: message) {
            try await client.fullDuplexCall { requests, responses in
                try await requests.write(streaming)
                requests.finish()
                for try await _ in responses {}
            }
        }
    }

    func unimplementedMethod() async throws {
        try await expectStatus(.unimplemented) { _ = try await client.unimplementedCall(Grpc_Testing_Empty()) }
    }

    func unimplementedService() async throws {
        let other = Grpc_Testing_UnimplementedService.Client(channel: client.channel)
        try await expectStatus(.unimplemented) { _ = try await other.unimplementedCall(Grpc_Testing_Empty()) }
    }

    func cancelAfterBegin() async throws {
        let client = self.client
        let call = Task {
            try await client.streamingInputCall { _ in
                try await Task.sleep(for: .seconds(30))
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        call.cancel()
        try await expectStatus(.cancelled) { _ = try await call.value }
    }

    func cancelAfterFirstResponse() async throws {
        let client = self.client
        let request = outputRequest(responseSize: 31415, payloadSize: 27182)
        let (gotFirst, signal) = AsyncStream<Void>.makeStream()
        let call = Task {
            try await client.fullDuplexCall { requests, responses in
                try await requests.write(request)
                var iterator = responses.makeAsyncIterator()
                _ = try await iterator.next()
                signal.yield()
                try await Task.sleep(for: .seconds(30))
            }
        }
        for await _ in gotFirst { break }
        call.cancel()
        try await expectStatus(.cancelled) { _ = try await call.value }
    }

    func timeoutOnSleepingServer() async throws {
        try await expectStatus(.deadlineExceeded) {
            try await client.fullDuplexCall(options: CallOptions(timeout: .milliseconds(1))) { requests, responses in
                // The spec's request: a payload and no response parameters, so the server sends
                // nothing and only the deadline can end the call.
                var request = Grpc_Testing_StreamingOutputCallRequest()
                request.payload = TestServiceProvider.payload(size: 27182)
                try? await requests.write(request)
                for try await _ in responses {}
            }
        }
    }
}
