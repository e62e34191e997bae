import NIOCore

extension GRPCChannel {
    /// A call of any kind on encoded messages (protobuf wire bytes in, protobuf wire bytes out),
    /// for tools that know message types only at run time: debuggers, proxies. On the wire every
    /// kind is the same HTTP/2 stream, so unary and server-streaming callers write one message and
    /// finish; `body` reads the responses until the status.
    public func rawStreaming<Result: Sendable>(
        _ method: MethodDescriptor, options: CallOptions = CallOptions(),
        body: (RawRequestWriter, RawResponseStream) async throws -> Result
    ) async throws -> Result {
        try await intercepted(method, options) { info in
            let (call, queue) = try await openStreaming(method, options: info.options, firstMessage: nil)
            return try await finishing(call) {
                try await body(RawRequestWriter(call: call), RawResponseStream(queue: queue, call: call))
            }
        }
    }
}

extension GRPCChannel {
    /// A unary or server-streaming call on encoded messages: the one request goes out with the
    /// end of the stream in the same DATA frame, as gRPC clients send it; `body` reads the
    /// responses until the status.
    public func rawServerStreaming<Result: Sendable>(
        _ method: MethodDescriptor, request: [UInt8], options: CallOptions = CallOptions(),
        body: (RawResponseStream) async throws -> Result
    ) async throws -> Result {
        try await intercepted(method, options) { info in
            let framed = try frame(encoded: request)
            let (call, queue) = try await openStreaming(method, options: info.options, firstMessage: framed)
            return try await finishing(call) { try await body(RawResponseStream(queue: queue, call: call)) }
        }
    }
}

/// Sends the encoded request messages of a `rawStreaming` call.
public struct RawRequestWriter: Sendable {
    let call: ClientCall

    /// Sends one encoded message; waits while the server is not reading (flow control).
    public func write(_ message: [UInt8]) async throws {
        try await call.write(encoded: message)
    }

    /// Half-closes the call: no more requests.
    public func finish() {
        call.finishRequests()
    }
}

/// The encoded response messages of a `rawStreaming` call; iterating ends at the OK status or
/// throws the `RPCError` the call ended with (its `metadata` holds the trailers).
public struct RawResponseStream: AsyncSequence, Sendable {
    /// One response message, undecoded.
    public typealias Element = [UInt8]
    let queue: AsyncMessageQueue<ByteBuffer>
    let call: ClientCall

    /// Metadata from the response headers (empty until they arrive).
    public var initialMetadata: Metadata { call.metadata?.initial ?? Metadata() }
    /// Metadata from the trailers (empty until the call ends).
    public var trailingMetadata: Metadata { call.metadata?.trailing ?? Metadata() }

    /// Reads the responses in order; throws the call's error status.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: AsyncMessageQueue<ByteBuffer>

        /// The next response's bytes, or nil after an OK status.
        public mutating func next() async throws -> [UInt8]? {
            guard let bytes = try await queue.next() else { return nil }
            return bytes.getBytes(at: bytes.readerIndex, length: bytes.readableBytes) ?? []
        }
    }

    /// An iterator over the responses (one per call).
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
}
