import CourierProtobuf
import NIOCore

// The call functions of every transport: one path from a typed (or raw) call to the transport's
// two steps, with framing, interceptors and decoding in one place.
extension ClientTransport {
    /// An encoded message with its gRPC prefix, ready to send (and to send again), within the
    /// transport's send limit, compressed as the transport's calls are by default
    /// (`ChannelConfiguration.compression`).
    public func frame(encoded bytes: [UInt8]) throws -> ByteBuffer {
        try frame(encoded: bytes, compression: configuration.compression)
    }

    func frame(encoded bytes: [UInt8], compression: CompressionAlgorithm) throws -> ByteBuffer {
        try GRPCMessageFramer.frame(
            encoded: bytes, allocator: ByteBufferAllocator(), maxSize: configuration.maxSendMessageSize, compression: compression)
    }

    func frame<M: ProtobufMessage>(_ message: M, compression: CompressionAlgorithm) throws -> ByteBuffer {
        try GRPCMessageFramer.frame(message, allocator: ByteBufferAllocator(), maxSize: configuration.maxSendMessageSize, compression: compression)
    }

    /// What a call's request messages are compressed with: its own choice, else the transport's.
    func compression(for options: CallOptions) -> CompressionAlgorithm {
        options.compression ?? configuration.compression
    }

    /// A unary call: sends `request`, returns the response with its metadata, or throws the status as an `RPCError`.
    public func unary<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor, request: Request, responseType: Response.Type = Response.self,
        options: CallOptions = CallOptions()
    ) async throws -> UnaryResponse<Response> {
        try await intercepted(method, options) { info in
            let framed = try frame(request, compression: compression(for: info.options))
            let raw = try await unaryExchange(method, framedRequest: framed, options: info.options)
            return UnaryResponse(
                message: try decodeResponse(Response.self, raw.message),
                initialMetadata: raw.initialMetadata, trailingMetadata: raw.trailingMetadata, messageWasCompressed: raw.messageWasCompressed)
        }
    }

    /// A unary call with a request that is already encoded (protobuf wire bytes); answers the
    /// response's bytes undecoded. For tools that carry messages whose types they do not compile
    /// in: load generators, debuggers, proxies.
    public func unaryRaw(
        _ method: MethodDescriptor, request: [UInt8], options: CallOptions = CallOptions()
    ) async throws -> UnaryResponse<[UInt8]> {
        try await intercepted(method, options) { info in
            let framed = try frame(encoded: request, compression: compression(for: info.options))
            let raw = try await unaryExchange(method, framedRequest: framed, options: info.options)
            return UnaryResponse(
                message: raw.message.getBytes(at: raw.message.readerIndex, length: raw.message.readableBytes) ?? [],
                initialMetadata: raw.initialMetadata, trailingMetadata: raw.trailingMetadata, messageWasCompressed: raw.messageWasCompressed)
        }
    }

    /// A server-streaming call: sends `request`, then `handle` reads the responses; returns what `handle` returns.
    public func serverStreaming<Request: ProtobufMessage, Response: ProtobufMessage, Result: Sendable>(
        _ method: MethodDescriptor, request: Request, responseType: Response.Type = Response.self,
        options: CallOptions = CallOptions(), handle: (ResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await intercepted(method, options) { info in
            let framed = try frame(request, compression: compression(for: info.options))
            let call = try await startCall(method, options: info.options, firstMessage: framed, endRequests: true, streamsResponses: true)
            return try await finishing(call) { try await handle(ResponseStream(call: call)) }
        }
    }

    /// A client-streaming call: `send` writes the requests; returns the one response.
    public func clientStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor, responseType: Response.Type = Response.self, options: CallOptions = CallOptions(),
        send: (RequestStreamWriter<Request>) async throws -> Void
    ) async throws -> UnaryResponse<Response> {
        try await intercepted(method, options) { info in
            let call = try await startCall(method, options: info.options, firstMessage: nil, endRequests: false, streamsResponses: false)
            let raw = try await finishing(call) { () async throws -> UnaryResponse<ByteBuffer> in
                try await send(RequestStreamWriter(call: call))
                call.finishRequests()
                return try await call.singleResponse()
            }
            return UnaryResponse(
                message: try decodeResponse(Response.self, raw.message),
                initialMetadata: raw.initialMetadata, trailingMetadata: raw.trailingMetadata, messageWasCompressed: raw.messageWasCompressed)
        }
    }

    /// A bidirectional-streaming call: `body` writes requests and reads responses at once.
    public func bidirectionalStreaming<Request: ProtobufMessage, Response: ProtobufMessage, Result: Sendable>(
        _ method: MethodDescriptor, responseType: Response.Type = Response.self, options: CallOptions = CallOptions(),
        body: (RequestStreamWriter<Request>, ResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await intercepted(method, options) { info in
            let call = try await startCall(method, options: info.options, firstMessage: nil, endRequests: false, streamsResponses: true)
            return try await finishing(call) {
                try await body(RequestStreamWriter(call: call), ResponseStream(call: call))
            }
        }
    }

    // MARK: Plumbing

    func intercepted<Result: Sendable>(
        _ method: MethodDescriptor, _ options: CallOptions, _ body: (ClientCallInfo) async throws -> Result
    ) async throws -> Result {
        let info = ClientCallInfo(method: method, options: options)
        if configuration.interceptors.isEmpty { return try await body(info) }
        return try await configuration.interceptors.run(info, body)
    }

    /// Runs a streaming call's body; cancels the call if the body leaves before it completed
    /// (a finished call is never reset: nghttp2 servers limit resets per second).
    func finishing<Result>(_ call: ClientCallStream, _ body: () async throws -> Result) async throws -> Result {
        do {
            let result = try await withTaskCancellationHandler {
                try await body()
            } onCancel: {
                call.cancel()
            }
            call.cancel()
            return result
        } catch {
            call.cancel()
            if Task.isCancelled, !(error is RPCError) { throw RPCError(code: .cancelled, message: "the call was cancelled by the client") }
            throw error
        }
    }

    /// A call of any kind on encoded messages (protobuf wire bytes in, protobuf wire bytes out),
    /// for tools that know message types only at run time: debuggers, proxies. On the wire every
    /// kind is the same HTTP/2 stream, so unary and server-streaming callers write one message and
    /// finish; `body` reads the responses until the status.
    public func rawStreaming<Result: Sendable>(
        _ method: MethodDescriptor, options: CallOptions = CallOptions(),
        body: (RawRequestWriter, RawResponseStream) async throws -> Result
    ) async throws -> Result {
        try await intercepted(method, options) { info in
            let call = try await startCall(method, options: info.options, firstMessage: nil, endRequests: false, streamsResponses: true)
            return try await finishing(call) {
                try await body(RawRequestWriter(call: call), RawResponseStream(call: call))
            }
        }
    }

    /// A unary or server-streaming call on encoded messages: the one request goes out with the
    /// end of the stream in the same DATA frame, as gRPC clients send it; `body` reads the
    /// responses until the status.
    public func rawServerStreaming<Result: Sendable>(
        _ method: MethodDescriptor, request: [UInt8], options: CallOptions = CallOptions(),
        body: (RawResponseStream) async throws -> Result
    ) async throws -> Result {
        try await intercepted(method, options) { info in
            let framed = try frame(encoded: request, compression: compression(for: info.options))
            let call = try await startCall(method, options: info.options, firstMessage: framed, endRequests: true, streamsResponses: true)
            return try await finishing(call) { try await body(RawResponseStream(call: call)) }
        }
    }
}
