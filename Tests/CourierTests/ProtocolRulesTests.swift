import Courier
import CourierHTTP2
import CourierProtos
import Testing

@Suite("gRPC over HTTP/2 rules (PROTOCOL-HTTP2.md) as a raw HTTP/2 peer sees them", .timeLimit(.minutes(1)))
struct ProtocolRulesTests {
    let emptyCall = "/grpc.testing.TestService/EmptyCall"

    @Test func aWrongContentTypeGetsHTTP415() async throws {
        try await withServer { port in
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: emptyCall, contentType: "application/json"),
                body: RawStreamClient.message([]))
            #expect(response.status == "415")
        }
    }

    @Test func unknownServiceAndMethodAreUnimplemented() async throws {
        try await withServer { port in
            let service = try await RawStreamClient.send(port: port, headers: RawStreamClient.grpcHeaders(path: "/no.Such/Method"), body: RawStreamClient.message([]))
            #expect(service.status == "200")
            #expect(service.grpcStatus == StatusCode.unimplemented.rawValue)
            #expect(service.grpcMessage?.contains("unknown service") == true)
            let method = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: "/grpc.testing.TestService/Nope"), body: RawStreamClient.message([]))
            #expect(method.grpcStatus == StatusCode.unimplemented.rawValue)
            // A trailers-only response: one header block, no DATA.
            #expect(method.headerBlocks.count == 1 && method.data.isEmpty)
        }
    }

    @Test func aCompressedMessageWithoutNegotiatedEncodingIsInternal() async throws {
        try await withServer { port in
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: emptyCall), body: RawStreamClient.message([], compressed: true))
            #expect(response.grpcStatus == StatusCode.internal.rawValue)
        }
    }

    @Test func anUnsupportedGRPCEncodingIsUnimplemented() async throws {
        try await withServer { port in
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: emptyCall, extra: [.init("grpc-encoding", "snappy")]),
                body: RawStreamClient.message([]))
            #expect(response.grpcStatus == StatusCode.unimplemented.rawValue)
            #expect(response.headerBlocks.last?.first("grpc-accept-encoding") == "gzip,deflate,identity")
        }
    }

    @Test func aTruncatedMessagePrefixIsInternal() async throws {
        try await withServer { port in
            let response = try await RawStreamClient.send(port: port, headers: RawStreamClient.grpcHeaders(path: emptyCall), body: [0, 0, 0])
            #expect(response.grpcStatus == StatusCode.internal.rawValue)
            #expect(response.grpcMessage?.contains("truncated") == true)
        }
    }

    @Test func aMessageShorterThanItsPrefixIsInternal() async throws {
        try await withServer { port in
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: emptyCall), body: RawStreamClient.message([1, 2], declaredLength: 10))
            #expect(response.grpcStatus == StatusCode.internal.rawValue)
        }
    }

    @Test func aMessageOverTheLimitIsResourceExhausted() async throws {
        var configuration = ServerConfiguration.testing
        configuration.maxReceiveMessageSize = 1024
        try await withServer(configuration: configuration) { port in
            // Only the prefix is needed: the limit is enforced before the body is buffered.
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: "/grpc.testing.TestService/UnaryCall"),
                body: RawStreamClient.message([], declaredLength: 4096))
            #expect(response.grpcStatus == StatusCode.resourceExhausted.rawValue)
            // And through the generated client, which reports the same status.
            try await withChannel(port: port) { channel in
                var request = Grpc_Testing_SimpleRequest()
                request.payload = Grpc_Testing_Payload()
                request.payload?.body = [UInt8](repeating: 1, count: 2048)
                let error = await rpcError { _ = try await Grpc_Testing_TestService.Client(channel: channel).unaryCall(request) }
                #expect(error?.code == .resourceExhausted)
            }
        }
    }

    @Test func theClientEnforcesItsReceiveLimitToo() async throws {
        try await withServer { port in
            var configuration = ChannelConfiguration()
            configuration.maxReceiveMessageSize = 1000
            try await withChannel(port: port, configuration: configuration) { channel in
                var request = Grpc_Testing_SimpleRequest()
                request.responseSize = 5000
                let error = await rpcError { _ = try await Grpc_Testing_TestService.Client(channel: channel).unaryCall(request) }
                #expect(error?.code == .resourceExhausted)
            }
        }
    }

    @Test func anInvalidProtobufBodyIsInternal() async throws {
        try await withServer { port in
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: "/grpc.testing.TestService/UnaryCall"),
                body: RawStreamClient.message([0x12, 0x7f, 0x01]))
            #expect(response.grpcStatus == StatusCode.internal.rawValue)
            #expect(response.grpcMessage?.contains("decode") == true)
        }
    }

    @Test func aMalformedTimeoutIsRejected() async throws {
        try await withServer { port in
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: emptyCall, extra: [.init("grpc-timeout", "soon")]),
                body: RawStreamClient.message([]))
            #expect(response.grpcStatus == StatusCode.internal.rawValue)
        }
    }

    @Test func oversizedHeadersAreResourceExhausted() async throws {
        try await withServer { port in
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: emptyCall, extra: [.init("x-big", String(repeating: "a", count: 20_000))]),
                body: RawStreamClient.message([]))
            #expect(response.grpcStatus == StatusCode.resourceExhausted.rawValue)
        }
    }

    @Test func statusMessagesArePercentEncodedOnTheWire() async throws {
        try await withServer { port in
            var request = Grpc_Testing_SimpleRequest()
            request.responseStatus = Grpc_Testing_EchoStatus()
            request.responseStatus?.code = 3
            request.responseStatus?.message = "bad % input ☺\n"
            let response = try await RawStreamClient.send(
                port: port, headers: RawStreamClient.grpcHeaders(path: "/grpc.testing.TestService/UnaryCall"),
                body: RawStreamClient.message(try request.serializedBytes()))
            #expect(response.grpcStatus == 3)
            #expect(response.grpcMessage == "bad %25 input %E2%98%BA%0A")
        }
    }

    @Test("a Trailers-Only answer gives empty initial metadata; its fields are trailers only")
    func trailersOnlyHasNoInitialMetadata() async throws {
        try await withServer { port in
            try await withChannel(port: port) { channel in
                var request = Grpc_Testing_SimpleRequest()
                var status = Grpc_Testing_EchoStatus()
                status.code = 2
                status.message = "failed on purpose"
                request.responseStatus = status
                var options = CallOptions()
                options.metadata.add("x-grpc-test-echo-trailing-bin", bytes: [0xab, 0xab])
                let (initial, trailing, error) = try await channel.rawServerStreaming(
                    Grpc_Testing_TestService.Method.unaryCall, request: try request.serializedBytes(), options: options
                ) { responses -> (Metadata, Metadata, RPCError?) in
                    let error = await rpcError { for try await _ in responses {} }
                    return (responses.initialMetadata, responses.trailingMetadata, error)
                }
                #expect(error?.code == .unknown && error?.message == "failed on purpose", "\(String(describing: error))")
                #expect(initial.isEmpty, "initial metadata: \(initial.entries)")
                #expect(trailing.bytes("x-grpc-test-echo-trailing-bin") == [0xab, 0xab])
            }
        }
    }
}
