import CourierProtobuf
import NIOCore

/// How a server answers one method: decodes requests, runs the typed handler, encodes responses.
/// Generated service protocols build these; the router finds them by path.
public struct MethodHandler: Sendable {
    public let method: MethodDescriptor
    let invoke: @Sendable (ServerCall) async throws -> Void

    @usableFromInline
    init(method: MethodDescriptor, invoke: @escaping @Sendable (ServerCall) async throws -> Void) {
        self.method = method
        self.invoke = invoke
    }

    // Inlinable, so that the generated code specialises it for its own message types: unspecialised,
    // every request and response went through value witnesses and metadata lookups, and their
    // copies in the handler's async frames went on the task allocator.
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

    public static func serverStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (Request, ResponseStreamWriter<Response>, ServerContext) async throws -> Void
    ) -> MethodHandler {
        MethodHandler(method: method) { call in
            let request = try decodeRequest(Request.self, call.singleRequest!)
            try await handler(request, ResponseStreamWriter(call: call), call.context)
        }
    }

    public static func clientStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (RequestStream<Request>, ServerContext) async throws -> Response
    ) -> MethodHandler {
        MethodHandler(method: method) { call in
            let response = try await handler(RequestStream(queue: call.requests!), call.context)
            try call.sendWithoutWaiting(response)
        }
    }

    public static func bidirectionalStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        _ handler: @escaping @Sendable (RequestStream<Request>, ResponseStreamWriter<Response>, ServerContext) async throws -> Void
    ) -> MethodHandler {
        MethodHandler(method: method) { call in
            try await handler(RequestStream(queue: call.requests!), ResponseStreamWriter(call: call), call.context)
        }
    }
}

@inlinable
func decodeRequest<M: ProtobufMessage>(_ type: M.Type, _ bytes: ByteBuffer) throws(RPCError) -> M {
    try decodeMessage(type, bytes, receiving: "request", invalidFieldCode: .invalidArgument)
}
