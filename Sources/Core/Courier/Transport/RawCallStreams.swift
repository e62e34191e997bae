import NIOCore

/// Sends the encoded request messages of a `rawStreaming` call.
public struct RawRequestWriter: Sendable {
    let call: ClientCallStream

    /// Sends one encoded message, compressed in the call's encoding unless `compress` is false;
    /// waits while the server is not reading (flow control).
    public func write(_ message: [UInt8], compress: Bool = true) async throws {
        try await call.write(encoded: message, compress: compress)
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
    let call: ClientCallStream
    var queue: AsyncMessageQueue<ReceivedMessage> {
        guard let responses = call.responses else { preconditionFailure("a response stream over a call started without streamsResponses") }
        return responses
    }

    /// Metadata from the response headers (empty until they arrive).
    public var initialMetadata: Metadata { call.initialMetadata }
    /// Metadata from the trailers (empty until the call ends).
    public var trailingMetadata: Metadata { call.trailingMetadata }

    /// Reads the responses in order; throws the call's error status.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: AsyncMessageQueue<ReceivedMessage>
        /// Whether the response `next()` returned last arrived compressed.
        public private(set) var lastMessageWasCompressed = false

        init(queue: AsyncMessageQueue<ReceivedMessage>) { self.queue = queue }

        /// The next response's bytes (decompressed), or nil after an OK status.
        public mutating func next() async throws -> [UInt8]? {
            guard let received = try await queue.next() else { return nil }
            lastMessageWasCompressed = received.compressed
            let bytes = received.bytes
            return bytes.getBytes(at: bytes.readerIndex, length: bytes.readableBytes) ?? []
        }
    }

    /// An iterator over the responses (one per call).
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
}
