import CourierHTTP2
import CourierProtobuf
import NIOCore

/// The bridge between a caller's task and its loop-confined `ClientStreamHandler`.
final class ClientCall: ClientCallIO {
    let eventLoop: any EventLoop
    let handler: NIOLoopBoundBox<ClientStreamHandler?>
    /// A streaming call's metadata, published by its handler (nil for single-response calls,
    /// whose response carries it).
    let metadata: CallMetadataBox?

    init(eventLoop: any EventLoop, publishesMetadata: Bool) {
        self.metadata = publishesMetadata ? CallMetadataBox() : nil
        self.eventLoop = eventLoop
        self.handler = .makeEmptyBox(eventLoop: eventLoop)
    }

    func onLoop(_ body: @escaping @Sendable (ClientStreamHandler) -> Void) {
        let box = handler
        if eventLoop.inEventLoop {
            if let handler = box.value { body(handler) }
        } else {
            eventLoop.execute { if let handler = box.value { body(handler) } }
        }
    }

    func cancel(_ error: RPCError = RPCError(code: .cancelled, message: "the call was cancelled by the client")) {
        onLoop { $0.cancel(error) }
    }

    func write(framed: ByteBuffer) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let box = handler
            eventLoop.execute {
                guard let handler = box.value else {
                    continuation.resume(throwing: RPCError(code: .cancelled, message: "the call has ended"))
                    return
                }
                handler.write(framed, whenWritable: continuation)
            }
        }
    }

    func finishRequests() {
        onLoop { $0.finishRequests() }
    }

    func singleResponse() async throws -> UnaryResponse<ByteBuffer> {
        try await withCheckedThrowingContinuation { continuation in
            onLoop { $0.setSingleDelivery(continuation) }
        }
    }
}

/// Sends the request messages of a client- or bidirectional-streaming call. `write` waits while
/// the server is not reading (HTTP/2 flow control).
public struct RequestStreamWriter<Message: ProtobufMessage>: Sendable {
    let call: ClientCallStream

    /// Sends one message, compressed in the call's encoding (`CallOptions.compression`) unless
    /// `compress` is false; throws the call's status if it has already ended.
    public func write(_ message: Message, compress: Bool = true) async throws {
        try await call.write(message, compress: compress)
    }

    /// Half-closes the call: no more requests. Done for you when the sending closure returns.
    public func finish() {
        call.finishRequests()
    }
}

/// The response messages of a server- or bidirectional-streaming call. Iterating ends at the
/// OK status, or throws the `RPCError` the call ended with.
public struct ResponseStream<Message: ProtobufMessage>: AsyncSequence, Sendable {
    /// One response message.
    public typealias Element = Message
    /// The same stream undecoded.
    let raw: RawResponseStream

    init(call: ClientCallStream) {
        raw = RawResponseStream(call: call)
    }

    /// Metadata from the response headers (empty until they arrive).
    public var initialMetadata: Metadata { raw.initialMetadata }
    /// Metadata from the trailers (empty until the call ends).
    public var trailingMetadata: Metadata { raw.trailingMetadata }

    /// Reads the responses in order; throws the call's error status.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: AsyncMessageQueue<ReceivedMessage>
        /// Whether the response `next()` returned last arrived compressed.
        public private(set) var lastMessageWasCompressed = false

        init(queue: AsyncMessageQueue<ReceivedMessage>) { self.queue = queue }

        /// The next response, or nil after an OK status.
        public mutating func next() async throws -> Message? {
            guard let received = try await queue.next() else { return nil }
            lastMessageWasCompressed = received.compressed
            return try decodeResponse(Message.self, received.bytes)
        }
    }

    /// An iterator over the responses (one per call).
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: raw.queue) }
}

func decodeResponse<M: ProtobufMessage>(_ type: M.Type, _ bytes: ByteBuffer) throws(RPCError) -> M {
    try decodeMessage(type, bytes, receiving: "response")
}
