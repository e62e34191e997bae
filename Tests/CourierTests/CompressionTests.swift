@testable import Courier
import CourierHTTP2
import CourierInterop
import CourierProtos
import NIOCore
import Testing

/// gzip and deflate message compression (gRPC's compression.md): the codec, its limits, and
/// negotiation through real sockets with a raw HTTP/2 peer and Courier's own client.
@Suite("Message compression", .timeLimit(.minutes(1)))
struct CompressionTests {
    static func compressed(_ bytes: [UInt8], _ algorithm: CompressionAlgorithm) throws -> [UInt8] {
        var buffer = ByteBuffer()
        try bytes.withUnsafeBytes { try MessageCompression.compress($0, with: algorithm, appendingTo: &buffer) }
        return Array(buffer.readableBytesView)
    }

    static func decompressed(_ bytes: [UInt8], _ algorithm: CompressionAlgorithm, limit: Int = 1 << 24) throws(RPCError) -> [UInt8] {
        Array(try MessageCompression.decompress(ByteBuffer(bytes: bytes), with: algorithm, limit: limit, allocator: ByteBufferAllocator()).readableBytesView)
    }

    static let text = Array(String(repeating: "마라탕 떡볶이 delivery shop 0042; ", count: 2_000).utf8)

    @Test("gzip and deflate round-trip empty, tiny, text, random and 4 MiB messages in their own formats", arguments: [CompressionAlgorithm.gzip, .deflate])
    func roundTrip(_ algorithm: CompressionAlgorithm) throws {
        var random = SystemRandomNumberGenerator()
        let inputs: [[UInt8]] = [[], [7], Self.text, (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &random) }, [UInt8](repeating: 0, count: 4 << 20)]
        for input in inputs {
            let packed = try Self.compressed(input, algorithm)
            // gzip's magic number, or zlib's header (CM 8, 32 KiB window): the formats peers expect.
            if algorithm == .gzip { #expect(packed.prefix(2) == [0x1f, 0x8b]) } else { #expect(packed.first == 0x78) }
            #expect(try Self.decompressed(packed, algorithm) == input)
        }
        #expect(try Self.compressed(Self.text, algorithm).count < Self.text.count / 20, "repetitive text shrinks")
    }

    @Test("a zip bomb stops at the limit with RESOURCE_EXHAUSTED; exactly the limit is fine")
    func zipBomb() throws {
        let bomb = try Self.compressed([UInt8](repeating: 0, count: 64 << 20), .gzip)
        #expect(bomb.count < 100_000)
        #expect(throws: RPCError.self) { _ = try Self.decompressed(bomb, .gzip, limit: 4 << 20) }
        do {
            _ = try Self.decompressed(bomb, .gzip, limit: 4 << 20)
        } catch {
            #expect(error.code == .resourceExhausted)
        }
        let exact = try Self.compressed([UInt8](repeating: 1, count: 1000), .deflate)
        #expect(try Self.decompressed(exact, .deflate, limit: 1000).count == 1000)
        #expect((try? Self.decompressed(exact, .deflate, limit: 999)) == nil)
    }

    @Test("truncated, corrupt, empty or wrong-format bytes are INTERNAL, never a crash")
    func badCompressedBytes() throws {
        let good = try Self.compressed(Self.text, .gzip)
        let bad: [(CompressionAlgorithm, [UInt8])] = [
            (.gzip, Array(good.prefix(good.count / 2))), (.gzip, []), (.gzip, [UInt8](repeating: 0xff, count: 64)),
            (.deflate, good), (.gzip, Array(Self.text.prefix(100))),
        ]
        for (algorithm, bytes) in bad {
            do {
                _ = try Self.decompressed(bytes, algorithm)
                Issue.record("\(bytes.count) bad bytes decompressed")
            } catch {
                #expect(error.code == .internal, "\(error)")
            }
        }
    }

    @Test("the deframer decompresses a compressed message split across chunks, and refuses flag 2")
    func deframerDecompresses() throws {
        let body = try Self.compressed(Self.text, .deflate)
        let wire = RawStreamClient.message(body, compressed: true) + RawStreamClient.message([1, 2, 3])
        var deframer = GRPCMessageDeframer(maxMessageSize: 1 << 20)
        deframer.decompression = .deflate
        var delivered: [ReceivedMessage] = []
        for start in stride(from: 0, to: wire.count, by: 333) {
            try wire[start..<min(wire.count, start + 333)].withUnsafeBytes { raw in try deframer.append(raw) { delivered.append($0) } }
        }
        #expect(delivered.map(\.compressed) == [true, false])
        #expect(delivered.first.map { Array($0.bytes.readableBytesView) } == Self.text)

        var strict = GRPCMessageDeframer(maxMessageSize: 1 << 20)
        strict.decompression = .gzip
        #expect(throws: RPCError.self) { try [2, 0, 0, 0, 0].withUnsafeBytes { raw in try strict.append(raw) { _ in } } }
    }

    // MARK: Through sockets

    let unaryCall = "/grpc.testing.TestService/UnaryCall"

    static func largeRequest(expectCompressed: Bool? = nil, responseCompressed: Bool? = nil, responseSize: Int32 = 314_159) -> Grpc_Testing_SimpleRequest {
        var request = Grpc_Testing_SimpleRequest()
        request.responseSize = responseSize
        request.payload = Grpc_Testing_Payload(); request.payload?.body = [UInt8](repeating: 0, count: 271_828)
        if let expectCompressed { request.expectCompressed = Grpc_Testing_BoolValue(); request.expectCompressed?.value = expectCompressed }
        if let responseCompressed { request.responseCompressed = Grpc_Testing_BoolValue(); request.responseCompressed?.value = responseCompressed }
        return request
    }

    @Test("a gzip request from a raw peer is read; its bytes on the wire are a fraction of the message")
    func rawPeerSendsGzip() async throws {
        try await withServer { port in
            let encoded = try Self.largeRequest(expectCompressed: true, responseSize: 10).serializedBytes()
            let body = try Self.compressed(encoded, .gzip)
            #expect(body.count * 50 < encoded.count)
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: unaryCall, extra: [.init("grpc-encoding", "gzip")]),
                body: RawStreamClient.message(body, compressed: true))
            #expect(response.grpcStatus == 0, "\(response.grpcMessage ?? "")")
            // Sent plain, the same request is refused: the server saw the flag, not just the header.
            let plain = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: unaryCall, extra: [.init("grpc-encoding", "gzip")]),
                body: RawStreamClient.message(encoded))
            #expect(plain.grpcStatus == StatusCode.invalidArgument.rawValue)
        }
    }

    @Test("a compressed zip bomb from a raw peer is RESOURCE_EXHAUSTED and the server keeps serving")
    func rawPeerSendsZipBomb() async throws {
        try await withServer { port in
            let bomb = try Self.compressed([UInt8](repeating: 0, count: 32 << 20), .gzip)
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: unaryCall, extra: [.init("grpc-encoding", "gzip")]),
                body: RawStreamClient.message(bomb, compressed: true))
            #expect(response.grpcStatus == StatusCode.resourceExhausted.rawValue, "\(response.grpcMessage ?? "")")
            try await withChannel(port: port) { channel in try await InteropTestCase.largeUnary.run(on: channel) }
        }
    }

    @Test("responses are compressed only for a client that accepts the encoding, and say so in grpc-encoding")
    func responseCompressionFollowsAcceptEncoding() async throws {
        var configuration = ServerConfiguration.testing
        configuration.responseCompression = .deflate
        try await withServer(configuration: configuration) { port in
            let request = RawStreamClient.message(try Self.largeRequest(responseSize: 50_000).serializedBytes())
            let accepting = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: unaryCall, extra: [.init("grpc-accept-encoding", "gzip, deflate")]),
                body: request)
            #expect(accepting.grpcStatus == 0)
            #expect(accepting.headerBlocks.first?.first("grpc-encoding") == "deflate")
            #expect(accepting.data.first == 1 && accepting.data.count < 1_000, "\(accepting.data.count) bytes, flag \(accepting.data.first ?? 9)")

            let plainOnly = try await RawStreamClient.send(port: port, headers: RawStreamClient.grpcHeaders(path: unaryCall), body: request)
            #expect(plainOnly.grpcStatus == 0)
            #expect(plainOnly.headerBlocks.first?.first("grpc-encoding") == nil)
            #expect(plainOnly.data.first == 0 && plainOnly.data.count > 50_000)
        }
    }

    @Test("a channel compresses every call; a call can opt out; the response is decompressed and flagged")
    func channelAndCallCompression() async throws {
        try await withServer { port in
            var configuration = ChannelConfiguration()
            configuration.compression = .gzip
            try await withChannel(port: port, configuration: configuration) { channel in
                let client = Grpc_Testing_TestService.Client(channel: channel)
                _ = try await client.unaryCall(Self.largeRequest(expectCompressed: true))
                let error = await rpcError { _ = try await client.unaryCall(Self.largeRequest(expectCompressed: true), options: CallOptions(compression: .identity)) }
                #expect(error?.code == .invalidArgument)

                let response = try await channel.unary(
                    Grpc_Testing_TestService.Method.unaryCall, request: Self.largeRequest(responseCompressed: true),
                    responseType: Grpc_Testing_SimpleResponse.self)
                #expect(response.messageWasCompressed)
                #expect(response.message.payload?.body == [UInt8](repeating: 0, count: 314_159))
            }
        }
    }

    @Test("a compressed response larger than the client's limit once inflated is RESOURCE_EXHAUSTED")
    func clientLimitAppliesAfterDecompression() async throws {
        try await withServer { port in
            var configuration = ChannelConfiguration()
            configuration.maxReceiveMessageSize = 100_000
            try await withChannel(port: port, configuration: configuration) { channel in
                let client = Grpc_Testing_TestService.Client(channel: channel)
                // 314,159 zeros compress to a few hundred bytes: only the inflated size can be over.
                let error = await rpcError { _ = try await client.unaryCall(Self.largeRequest(responseCompressed: true)) }
                #expect(error?.code == .resourceExhausted, "\(String(describing: error))")
                _ = try await client.unaryCall(Self.largeRequest(responseSize: 1000))
            }
        }
    }
}
