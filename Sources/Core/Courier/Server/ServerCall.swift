import CourierHTTP2
import CourierProtobuf
import NIOCore

/// The bridge between a handler's task and the loop-confined `ServerStreamHandler`: every action
/// runs on the connection's event loop (directly when the task already runs there, which is the
/// case for handlers started on the loop's task executor).
@usableFromInline
final class ServerCall: Sendable {
    @usableFromInline let context: ServerContext
    let eventLoop: any EventLoop
    private let handler: NIOLoopBound<ServerStreamHandler>
    /// The request of a unary or server-streaming call (complete before the handler starts).
    @usableFromInline let singleRequest: ByteBuffer?
    /// The requests of a client- or bidirectional-streaming call.
    let requests: AsyncMessageQueue<ByteBuffer>?
    @usableFromInline let framing: ResponseFraming

    init(
        context: ServerContext, handler: ServerStreamHandler, singleRequest: ByteBuffer?,
        requests: AsyncMessageQueue<ByteBuffer>?, framing: ResponseFraming
    ) {
        self.context = context
        self.eventLoop = handler.eventLoop
        self.handler = NIOLoopBound(handler, eventLoop: handler.eventLoop)
        self.singleRequest = singleRequest
        self.requests = requests
        self.framing = framing
    }

    private func onLoop(_ body: @escaping @Sendable (ServerStreamHandler) -> Void) {
        if eventLoop.inEventLoop {
            body(handler.value)
        } else {
            let handler = self.handler
            eventLoop.execute { body(handler.value) }
        }
    }

    /// Sends a message and waits until the transport has room for more.
    func send<M: ProtobufMessage>(_ message: M) async throws {
        let framed = try framing.frame(message)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            onLoop { $0.sendMessage(framed, whenWritable: continuation) }
        }
    }

    /// Sends the single response of a unary or client-streaming call.
    @inlinable
    func sendWithoutWaiting<M: ProtobufMessage>(_ message: M) throws {
        sendWithoutWaiting(framed: try framing.frame(message))
    }

    @usableFromInline
    func sendWithoutWaiting(framed: ByteBuffer) {
        // The common case runs on the loop already: call directly, no closure to allocate.
        if eventLoop.inEventLoop {
            handler.value.sendMessage(framed, whenWritable: nil)
        } else {
            onLoop { $0.sendMessage(framed, whenWritable: nil) }
        }
    }

    /// Ends the call with OK (`error` nil) or the error's status.
    func finish(_ error: RPCError?) {
        if eventLoop.inEventLoop {
            handler.value.handlerFinished(error)
        } else {
            onLoop { $0.handlerFinished(error) }
        }
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
