import CourierProtobuf
import NIOCore

/// The request messages of a client- or bidirectional-streaming call, as they arrive.
/// Iterate it once. Ends when the client half-closes; throws if the call is cancelled.
public struct RequestStream<Message: ProtobufMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let queue: AsyncMessageQueue<ByteBuffer>

    public struct AsyncIterator: AsyncIteratorProtocol {
        let queue: AsyncMessageQueue<ByteBuffer>

        public mutating func next() async throws -> Message? {
            guard let bytes = try await queue.next() else { return nil }
            return try decodeRequest(Message.self, bytes)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
}

/// Sends response messages of a server- or bidirectional-streaming call. `write` waits while the
/// client is not reading (HTTP/2 flow control), so a fast producer cannot fill memory.
public struct ResponseStreamWriter<Message: ProtobufMessage>: Sendable {
    let call: ServerCall

    /// Sends one message; throws if the call has ended (cancelled, deadline passed).
    public func write(_ message: Message) async throws {
        try await call.send(message)
    }
}
