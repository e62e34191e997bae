import CourierHTTP2
import NIOCore
import NIOPosix

/// Calls a `Server` in the same process without HTTP/2 or sockets: a call runs the service's
/// handler directly, with the same rules a call over HTTP/2 keeps (routing, size limits,
/// deadlines, cancellation, metadata, interceptors and observers on both sides), so services
/// answer alike over both. Services that call each other inside one process (`reco serve` in its
/// all-in-one mode) use it instead of their own loopback port, and tests can use it to call a
/// service without a socket.
///
/// The server need not listen. Once it has shut down, calls fail UNAVAILABLE and the transport no
/// longer holds it (so a service that calls its own server in-process does not keep it alive).
/// Overload protection (`ServerConfiguration.concurrencyLimit`) does
/// not apply to in-process calls: they are made on behalf of a call that was already admitted, and
/// must not compete with it for its own slots.
///
/// ```swift
/// let server = Server(services: [MyService()])
/// let client = My_Service.Client(channel: server.inProcessTransport())
/// ```
public final class InProcessTransport: ClientTransport {
    /// Limits and interceptors of the calls (connection settings do not apply).
    public let configuration: ChannelConfiguration
    private let server: InProcessServerLink
    private let group: any EventLoopGroup

    init(server: InProcessServerLink, group: any EventLoopGroup, configuration: ChannelConfiguration) {
        self.server = server
        self.group = group
        var configuration = configuration
        // Nothing crosses a wire: compressing would only cost time (a call may still ask for it).
        configuration.compression = .identity
        self.configuration = configuration
    }

    /// Where a call's handler runs and its deadline is timed: the caller's event loop when it
    /// runs on one of the server's (a handler calling a peer), so the peer's handler resumes on the
    /// same thread after it suspends, as the caller does; otherwise one of the server's loops.
    private func place(_ acceptor: ServerAcceptor) -> (any EventLoop, EventLoopTaskExecutor?) {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, let executor = acceptor.executor(for: current) {
            return (current, executor)
        }
        let loop = group.next()
        return (loop, acceptor.executor(for: loop))
    }

    /// One request, one response; a handler that answers without suspending
    /// (`MethodHandler.immediateUnary`) runs right here, in the caller's task.
    public func unaryExchange(_ method: MethodDescriptor, framedRequest: ByteBuffer, options: CallOptions) async throws -> UnaryResponse<ByteBuffer> {
        let call = try makeCall(method, options: options, streamsResponses: false, requestFollowsAtOnce: true)
        try await call.write(framed: framedRequest)
        call.finishRequests()
        return try await withTaskCancellationHandler {
            try await call.singleResponse()
        } onCancel: {
            call.cancel(RPCError(code: .cancelled, message: "the call was cancelled by the client"))
        }
    }

    /// Starts a call whose requests or responses stream.
    public func startCall(
        _ method: MethodDescriptor, options: CallOptions, firstMessage: ByteBuffer?, endRequests: Bool, streamsResponses: Bool
    ) async throws -> ClientCallStream {
        let call = try makeCall(method, options: options, streamsResponses: streamsResponses, requestFollowsAtOnce: false)
        if let firstMessage {
            try await call.write(framed: firstMessage)
            if endRequests { call.finishRequests() }
        }
        return ClientCallStream(
            io: call, responses: call.responses, maxSendMessageSize: configuration.maxSendMessageSize, compression: compression(for: options))
    }

    /// Checks what a server would check before a call starts, and makes the call.
    private func makeCall(_ method: MethodDescriptor, options: CallOptions, streamsResponses: Bool, requestFollowsAtOnce: Bool) throws -> InProcessCall {
        if let timeout = options.timeout, timeout <= .zero {
            throw RPCError(code: .deadlineExceeded, message: "the deadline had passed before the call started")
        }
        if let problem = options.metadata.validationError() { throw RPCError(code: .internal, message: problem) }
        guard let (core, acceptor) = server.current else {
            throw RPCError(code: .unavailable, message: "the server has shut down")
        }
        guard let handler = core.router.handler(for: method.path) else { throw core.router.unimplemented(method.path) }
        var headers: [HTTP2Header] = []
        options.metadata.appendHeaders(to: &headers)
        let context = ServerContext(
            method: handler.method, requestHeaders: headers, deadline: options.timeout.map { ContinuousClock.now + $0 }, remoteAddress: nil,
            requestCompression: compression(for: options))
        let (loop, executor) = place(acceptor)
        let call = InProcessCall(
            core: core, handler: handler, context: context, streamsResponses: streamsResponses,
            maxResponseSize: configuration.maxReceiveMessageSize, executor: executor)
        call.start(deadline: options.timeout.map { .now() + $0.timeAmount }, on: loop, requestFollowsAtOnce: requestFollowsAtOnce)
        return call
    }
}

extension Server {
    /// A transport that calls this server's services in this process, without HTTP/2 (see
    /// `InProcessTransport`); `configuration`'s limits and interceptors apply as on a channel.
    public func inProcessTransport(configuration: ChannelConfiguration = ChannelConfiguration()) -> InProcessTransport {
        InProcessTransport(server: inProcessLink, group: eventLoopGroup, configuration: configuration)
    }
}
