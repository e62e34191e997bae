import Courier
import CourierProtos

// gRPC's four compression interop cases (doc/interop-test-descriptions.md): the client compresses
// its requests (client_compressed_*) or asks the server to compress its responses
// (server_compressed_*), message by message. Requests are compressed with `algorithm` (gzip
// unless said otherwise); the server chooses its own.
extension InteropCases {
    private func simpleRequest(expectCompressed: Bool?, responseCompressed: Bool? = nil) -> Grpc_Testing_SimpleRequest {
        var request = Grpc_Testing_SimpleRequest()
        request.responseSize = 314_159
        request.payload = TestServiceProvider.payload(size: 271_828)
        request.expectCompressed = expectCompressed.map(Self.bool)
        request.responseCompressed = responseCompressed.map(Self.bool)
        return request
    }

    private static func bool(_ value: Bool) -> Grpc_Testing_BoolValue {
        var bool = Grpc_Testing_BoolValue()
        bool.value = value
        return bool
    }

    private func checkLargeResponse(_ response: Grpc_Testing_SimpleResponse) throws {
        let body = response.payload?.body ?? []
        try expect(body.count == 314_159 && body.allSatisfy { $0 == 0 }, "payload of \(body.count) bytes, expected 314159 zeros")
    }

    /// The feature probe: a request that says it is compressed, sent plain. A server that checks
    /// answers INVALID_ARGUMENT; one that cannot (it has no way to see a message's flag) answers
    /// OK, and the case goes on without that check (the note says so).
    private func probe(_ call: () async throws -> Void) async throws -> String? {
        do {
            try await call()
            return "the server does not check expect_compressed (the probe was answered OK); the compressed calls ran"
        } catch let error as RPCError where error.code == .invalidArgument {
            return nil
        }
    }

    func clientCompressedUnary(_ algorithm: CompressionAlgorithm) async throws -> String? {
        let note = try await probe {
            _ = try await client.unaryCall(simpleRequest(expectCompressed: true), options: CallOptions(compression: .identity))
        }
        try checkLargeResponse(try await client.unaryCall(simpleRequest(expectCompressed: true), options: CallOptions(compression: algorithm)))
        try checkLargeResponse(try await client.unaryCall(simpleRequest(expectCompressed: false), options: CallOptions(compression: .identity)))
        return note
    }

    func serverCompressedUnary() async throws {
        for compressed in [true, false] {
            let response = try await client.channel.unary(
                Grpc_Testing_TestService.Method.unaryCall, request: simpleRequest(expectCompressed: nil, responseCompressed: compressed),
                responseType: Grpc_Testing_SimpleResponse.self)
            try checkLargeResponse(response.message)
            try expect(response.messageWasCompressed == compressed, "response_compressed \(compressed), but the response came \(response.messageWasCompressed ? "compressed" : "plain")")
        }
    }

    func clientCompressedStreaming(_ algorithm: CompressionAlgorithm) async throws -> String? {
        let note = try await probe {
            _ = try await client.streamingInputCall(options: CallOptions(compression: algorithm)) { requests in
                try await requests.write(streamingInput(size: 27182, expectCompressed: true), compress: false)
            }
        }
        let response = try await client.streamingInputCall(options: CallOptions(compression: algorithm)) { requests in
            try await requests.write(streamingInput(size: 27182, expectCompressed: true))
            try await requests.write(streamingInput(size: 45904, expectCompressed: false), compress: false)
        }
        try expect(response.aggregatedPayloadSize == 73086, "aggregated size \(response.aggregatedPayloadSize), expected 73086")
        return note
    }

    private func streamingInput(size: Int32, expectCompressed: Bool) -> Grpc_Testing_StreamingInputCallRequest {
        var request = Grpc_Testing_StreamingInputCallRequest()
        request.payload = TestServiceProvider.payload(size: size)
        request.expectCompressed = Self.bool(expectCompressed)
        return request
    }

    func serverCompressedStreaming() async throws {
        var request = Grpc_Testing_StreamingOutputCallRequest()
        request.responseParameters = [(Int32(31415), true), (Int32(92653), false)].map { size, compressed in
            var parameters = Grpc_Testing_ResponseParameters()
            parameters.size = size
            parameters.compressed = Self.bool(compressed)
            return parameters
        }
        let received = try await client.streamingOutputCall(request) { responses in
            var iterator = responses.makeAsyncIterator()
            var received: [(Int, Bool)] = []
            while let response = try await iterator.next() {
                received.append((response.payload?.body.count ?? 0, iterator.lastMessageWasCompressed))
            }
            return received.map { "\($0.0)\($0.1 ? " compressed" : " plain")" }
        }
        try expect(received == ["31415 compressed", "92653 plain"], "responses \(received), expected 31415 compressed, 92653 plain")
    }
}
