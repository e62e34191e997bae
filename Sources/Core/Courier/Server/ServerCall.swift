import CourierHTTP2
import CourierProtobuf
import NIOCore

/// What a handler's task holds of its call: the request(s), the context, and where its answers
/// go (an HTTP/2 stream or an in-process caller, behind `ServerCallResponder`).
@usableFromInline
final class ServerCall: Sendable {
    @usableFromInline let context: ServerContext
    private let responder: any ServerCallResponder
    /// The request of a unary or server-streaming call (complete before the handler starts).
    @usableFromInline let singleRequest: ByteBuffer?
    /// The requests of a client- or bidirectional-streaming call.
    let requests: AsyncMessageQueue<ReceivedMessage>?
    @usableFromInline let framing: ResponseFraming

    init(
        context: ServerContext, responder: any ServerCallResponder, singleRequest: ByteBuffer?,
        requests: AsyncMessageQueue<ReceivedMessage>?, framing: ResponseFraming
    ) {
        self.context = context
        self.responder = responder
        self.singleRequest = singleRequest
        self.requests = requests
        self.framing = framing
    }

    /// Sends a message (compressed in the call's response encoding unless `compress` is false)
    /// and waits until the transport has room for more.
    func send<M: ProtobufMessage>(_ message: M, compress: Bool = true) async throws {
        let framed = try framing.frame(message, for: context, compress: compress)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            responder.send(framed: framed, whenWritable: continuation)
        }
    }

    /// Sends the single response of a unary or client-streaming call.
    @inlinable
    func sendWithoutWaiting<M: ProtobufMessage>(_ message: M) throws {
        sendWithoutWaiting(framed: try framing.frame(message, for: context))
    }

    @usableFromInline
    func sendWithoutWaiting(framed: ByteBuffer) {
        responder.send(framed: framed, whenWritable: nil)
    }

    /// Ends the call with OK (`error` nil) or the error's status.
    func finish(_ error: RPCError?) {
        responder.handlerFinished(error)
    }
}

extension Metadata {
    mutating func append(_ key: String, _ value: Value) {
        switch value {
        case .string(let s): add(key, s)
        case .binary(let b): add(key, bytes: b)
        }
    }
}
