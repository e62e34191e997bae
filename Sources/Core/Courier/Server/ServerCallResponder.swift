import NIOCore

/// Where a server call's responses and status go: the server side of the transport seam. The
/// HTTP/2 transport answers on a stream (`StreamResponder`); the in-process transport hands the
/// answers to its caller directly (`InProcessCall`). Handlers see neither: they talk to `ServerCall`.
protocol ServerCallResponder: Sendable {
    /// Sends a framed response message, after the response headers when it is the first;
    /// resumes `waiter` once the receiver has room for more (or throws once the call has ended).
    func send(framed: ByteBuffer, whenWritable waiter: CheckedContinuation<Void, any Error>?)
    /// The handler returned (`error` nil) or threw: the call's status.
    func handlerFinished(_ error: RPCError?)
}

/// The HTTP/2 transport's responder: every action runs on the stream's event loop (directly when
/// the handler's task already runs there, which is the case for handlers started on the loop's
/// task executor).
struct StreamResponder: ServerCallResponder {
    let eventLoop: any EventLoop
    let handler: NIOLoopBound<ServerStreamHandler>

    init(_ handler: ServerStreamHandler) {
        self.eventLoop = handler.eventLoop
        self.handler = NIOLoopBound(handler, eventLoop: handler.eventLoop)
    }

    func send(framed: ByteBuffer, whenWritable waiter: CheckedContinuation<Void, any Error>?) {
        // The common case runs on the loop already: call directly, no closure to allocate.
        if eventLoop.inEventLoop {
            handler.value.sendMessage(framed, whenWritable: waiter)
        } else {
            let handler = self.handler
            eventLoop.execute { handler.value.sendMessage(framed, whenWritable: waiter) }
        }
    }

    func handlerFinished(_ error: RPCError?) {
        if eventLoop.inEventLoop {
            handler.value.handlerFinished(error)
        } else {
            let handler = self.handler
            eventLoop.execute { handler.value.handlerFinished(error) }
        }
    }
}
