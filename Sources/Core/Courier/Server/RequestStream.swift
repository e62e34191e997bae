import CourierProtobuf
import NIOCore

/// The request messages of a client- or bidirectional-streaming call, as they arrive.
/// Iterate it once. Ends when the client half-closes; throws if the call is cancelled.
public struct RequestStream<Message: ProtobufMessage>: AsyncSequence, Sendable {
    /// One request message.
    public typealias Element = Message
    let queue: AsyncMessageQueue<ReceivedMessage>

    /// Reads the requests in order; throws if the call failed.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: AsyncMessageQueue<ReceivedMessage>
        /// Whether the request `next()` returned last arrived compressed.
        public private(set) var lastMessageWasCompressed = false

        init(queue: AsyncMessageQueue<ReceivedMessage>) { self.queue = queue }

        /// The next request, or nil once the client has sent its last.
        public mutating func next() async throws -> Message? {
            guard let received = try await queue.next() else { return nil }
            lastMessageWasCompressed = received.compressed
            return try decodeRequest(Message.self, received.bytes)
        }

        /// The next request if it has already arrived, without waiting; nil when none is buffered
        /// (call `next()` to wait, or to learn that the stream ended). Lets a handler take every
        /// request that is already here as one batch (one store write for many messages).
        public mutating func nextBuffered() throws -> Message? {
            guard let received = queue.nextBuffered() else { return nil }
            lastMessageWasCompressed = received.compressed
            return try decodeRequest(Message.self, received.bytes)
        }
    }

    /// An iterator over the requests (one per stream).
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
}

/// Sends response messages of a server- or bidirectional-streaming call. `write` waits while the
/// client is not reading (HTTP/2 flow control), so a fast producer cannot fill memory.
public struct ResponseStreamWriter<Message: ProtobufMessage>: Sendable {
    let call: ServerCall

    /// Sends one message, compressed in the call's response encoding
    /// (`ServerContext.responseCompression`) unless `compress` is false; throws if the call has
    /// ended (cancelled, deadline passed).
    public func write(_ message: Message, compress: Bool = true) async throws {
        try await call.send(message, compress: compress)
    }
}
