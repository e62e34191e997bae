import CourierProtobuf
import NIOCore

/// How a server answers one method: decodes requests, runs the typed handler, encodes responses.
/// Generated service protocols build these; the router finds them by path.
///
/// A class: every call holds its method's handler, and one reference costs one retain where a
/// struct of a descriptor and two closures cost five.
public final class MethodHandler: Sendable {
    /// The method this handler answers.
    public let method: MethodDescriptor
    /// Runs the call in the Swift task the server starts for it.
    let invoke: @Sendable (ServerCall) async throws -> Void
    /// Set for a unary handler that answers without suspending: request bytes in, framed response
    /// out, called on the connection's event loop with no task (see `immediateUnary`).
    let answerImmediately: ImmediateAnswer?

    /// Decodes a request, computes its response and frames it, without suspending.
    @usableFromInline
    typealias ImmediateAnswer = @Sendable (_ request: ByteBuffer, _ context: ServerContext, _ framing: ResponseFraming) throws -> ByteBuffer

    @usableFromInline
    init(method: MethodDescriptor, invoke: @escaping @Sendable (ServerCall) async throws -> Void, answerImmediately: ImmediateAnswer? = nil) {
        self.method = method
        self.invoke = invoke
        self.answerImmediately = answerImmediately
    }

    // Inlinable, so that the generated code specialises it for its own message types: unspecialised,
    // every request and response went through value witnesses and metadata lookups, and their
    // copies in the handler's async frames went on the task allocator.
    /// A unary handler: one request in, one response out, run in a Swift task (it may suspend).
    @inlinable
    public static func unary<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) -> MethodHandler {
        MethodHandler(method: method) { call in
            let request = try decodeRequest(Request.self, call.singleRequest!)
            let response = try await handler(request, call.context)
            try call.sendWithoutWaiting(response)
        }
    }

    /// A unary handler that computes its answer without waiting for anything: the server calls it
    /// on the connection's event loop, within the read that brought the request, without starting a
    /// Swift task (about 2 µs less per call). It holds the loop while it runs, so keep it to work
    /// of microseconds; anything that waits (I/O, other calls, locks held long) belongs in `unary`.
    /// With server interceptors it runs in a task like any other handler (interceptors suspend).
    @inlinable
    public static func immediateUnary<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (Request, ServerContext) throws -> Response
    ) -> MethodHandler {
        let answer: ImmediateAnswer = { bytes, context, framing in
            let request = try decodeRequest(Request.self, bytes)
            return try framing.frame(handler(request, context), for: context)
        }
        return MethodHandler(
            method: method,
            invoke: { call in call.sendWithoutWaiting(framed: try answer(call.singleRequest!, call.context, call.framing)) },
            answerImmediately: answer)
    }

    /// A server-streaming handler: one request in, any number of responses written to the writer.
    public static func serverStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (Request, ResponseStreamWriter<Response>, ServerContext) async throws -> Void
    ) -> MethodHandler {
        MethodHandler(method: method) { call in
            let request = try decodeRequest(Request.self, call.singleRequest!)
            try await handler(request, ResponseStreamWriter(call: call), call.context)
        }
    }

    /// A client-streaming handler: requests read from the stream, one response out.
    public static func clientStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (RequestStream<Request>, ServerContext) async throws -> Response
    ) -> MethodHandler {
        MethodHandler(method: method) { call in
            let response = try await handler(RequestStream(queue: call.requests!), call.context)
            try call.sendWithoutWaiting(response)
        }
    }

    /// A bidirectional-streaming handler: requests and responses flow independently.
    public static func bidirectionalStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (RequestStream<Request>, ResponseStreamWriter<Response>, ServerContext) async throws -> Void
    ) -> MethodHandler {
        MethodHandler(method: method) { call in
            try await handler(RequestStream(queue: call.requests!), ResponseStreamWriter(call: call), call.context)
        }
    }
}

/// How responses are framed on this server: the buffers' allocator and the send limit.
@usableFromInline
struct ResponseFraming: Sendable {
    @usableFromInline let allocator: ByteBufferAllocator
    @usableFromInline let maxSize: Int

    /// `message` encoded with its Length-Prefixed-Message prefix, within the send limit,
    /// compressed in `context`'s response encoding unless `compress` is false.
    @inlinable
    func frame<M: ProtobufMessage>(_ message: M, for context: ServerContext, compress: Bool = true) throws -> ByteBuffer {
        try GRPCMessageFramer.frame(
            message, allocator: allocator, maxSize: maxSize, compression: compress ? context.outgoingCompression : .identity)
    }
}

extension Array where Element == MethodHandler {
    /// These handlers, with each of `replacements` in place of the one for its method: how a
    /// service answers some of its methods with `MethodHandler.immediateUnary`, e.g.
    /// `generatedMethodHandlers.replacing(.immediateUnary(Service.Method.check, check))`.
    public func replacing(_ replacements: MethodHandler...) -> [MethodHandler] {
        map { handler in replacements.first { $0.method == handler.method } ?? handler }
    }
}

@inlinable
func decodeRequest<M: ProtobufMessage>(_ type: M.Type, _ bytes: ByteBuffer) throws(RPCError) -> M {
    try decodeMessage(type, bytes, receiving: "request", invalidFieldCode: .invalidArgument)
}
