import CourierHTTP2
import CourierProtobuf
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A client's connection(s) to one server: calls share them as HTTP/2 streams. Connects lazily,
/// reconnects after GOAWAY or a lost connection, retries a call the server refused unprocessed.
///
/// ```swift
/// let channel = GRPCChannel(host: "127.0.0.1", port: 50051)
/// let client = Grpc_Testing_TestService.Client(channel: channel)
/// let reply = try await client.unaryCall(request, options: CallOptions(timeout: .seconds(1)))
/// ```
public final class GRPCChannel: Sendable {
    /// The server's host name or address.
    public let host: String
    /// The server's port.
    public let port: Int
    /// How the channel connects and calls.
    public let configuration: ChannelConfiguration
    private let slots: [ConnectionSlot]
    private let nextSlot = NIOLockedValueBox(0)
    private let allocator = ByteBufferAllocator()
    /// Until when the server asked not to be sent calls (`grpc-retry-pushback-ms`).
    private let pushedBackUntil = NIOLockedValueBox<NIODeadline?>(nil)

    /// A channel to `host:port`; connects on the first call, on `group`'s event loops.
    public init(
        host: String, port: Int, configuration: ChannelConfiguration = ChannelConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        self.configuration = configuration
        self.slots = (0..<max(1, configuration.connections)).map { _ in
            ConnectionSlot(host: host, port: port, group: group, configuration: configuration)
        }
    }

    /// The executor of the first connection's event loop. Calls made from a task that prefers it
    /// (`Task(executorPreference:)`, `withTaskExecutorPreference`) run without a thread hop.
    public var taskExecutor: any TaskExecutor { slots[0].executor }

    /// Opens every connection now instead of at the first call, so that call does not spend its
    /// deadline on TCP and HTTP/2 set-up. Throws when one cannot connect (calls will try again).
    public func connect() async throws {
        _ = try await allConnections()
    }

    /// Every connection of the channel, one per slot, each connected.
    func allConnections() async throws -> [ClientConnection] {
        var connections: [ClientConnection] = []
        for slot in slots { connections.append(try await slot.connection()) }
        return connections
    }

    /// Closes every connection; calls after this fail with UNAVAILABLE.
    public func close() async {
        for slot in slots { await slot.close() }
    }

    /// Runs `body` with this channel and closes it afterwards, whether `body` returns or throws.
    public func closing<R>(after body: (GRPCChannel) async throws -> R) async throws -> R {
        try await closingAfter({ try await body(self) }, close: close)
    }

    /// A connection for a call, waiting for one no later than the call's `deadline`.
    func connection(deadline: NIODeadline? = nil) async throws -> ClientConnection {
        let index = slots.count == 1 ? 0 : nextSlot.withLockedValue { next in
            defer { next = (next + 1) % slots.count }
            return next
        }
        return try await slots[index].connection(deadline: deadline)
    }

    /// An encoded message with its gRPC prefix, ready to send (and to send again), within the
    /// channel's send limit.
    public func frame(encoded bytes: [UInt8]) throws -> ByteBuffer {
        try GRPCMessageFramer.frame(encoded: bytes, allocator: allocator, maxSize: configuration.maxSendMessageSize)
    }

    func frame<M: ProtobufMessage>(_ message: M) throws -> ByteBuffer {
        try GRPCMessageFramer.frame(message, allocator: allocator, maxSize: configuration.maxSendMessageSize)
    }

    // MARK: Calls

    /// A unary call: sends `request`, returns the response with its metadata, or throws the status as an `RPCError`.
    public func unary<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor, request: Request, responseType: Response.Type = Response.self,
        options: CallOptions = CallOptions()
    ) async throws -> UnaryResponse<Response> {
        try await intercepted(method, options) { info in
            let framed = try frame(request)
            let raw = try await unaryBytes(method, framed: framed, options: info.options)
            return UnaryResponse(
                message: try decodeResponse(Response.self, raw.message),
                initialMetadata: raw.initialMetadata, trailingMetadata: raw.trailingMetadata)
        }
    }

    /// A unary call with a request that is already encoded (protobuf wire bytes); answers the
    /// response's bytes undecoded. For tools that carry messages whose types they do not compile
    /// in: load generators, debuggers, proxies.
    public func unaryRaw(
        _ method: MethodDescriptor, request: [UInt8], options: CallOptions = CallOptions()
    ) async throws -> UnaryResponse<[UInt8]> {
        try await intercepted(method, options) { info in
            let framed = try frame(encoded: request)
            let raw = try await unaryBytes(method, framed: framed, options: info.options)
            return UnaryResponse(
                message: raw.message.getBytes(at: raw.message.readerIndex, length: raw.message.readableBytes) ?? [],
                initialMetadata: raw.initialMetadata, trailingMetadata: raw.trailingMetadata)
        }
    }

    /// A server-streaming call: sends `request`, then `handle` reads the responses; returns what `handle` returns.
    public func serverStreaming<Request: ProtobufMessage, Response: ProtobufMessage, Result: Sendable>(
        _ method: MethodDescriptor, request: Request, responseType: Response.Type = Response.self,
        options: CallOptions = CallOptions(), handle: (ResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await intercepted(method, options) { info in
            let framed = try frame(request)
            let (call, queue) = try await openStreaming(method, options: info.options, firstMessage: framed)
            return try await finishing(call) { try await handle(ResponseStream(queue: queue, call: call)) }
        }
    }

    /// A client-streaming call: `send` writes the requests; returns the one response.
    public func clientStreaming<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor, responseType: Response.Type = Response.self, options: CallOptions = CallOptions(),
        send: (RequestStreamWriter<Request>) async throws -> Void
    ) async throws -> UnaryResponse<Response> {
        try await intercepted(method, options) { info in
            let call = try await open(method, options: info.options, delivery: .single(nil), firstMessage: nil, endRequests: false)
            let raw = try await finishing(call) { () async throws -> UnaryResponse<ByteBuffer> in
                try await send(RequestStreamWriter(call: call))
                call.finishRequests()
                return try await withCheckedThrowingContinuation { continuation in
                    call.onLoop { $0.setSingleDelivery(continuation) }
                }
            }
            return UnaryResponse(
                message: try decodeResponse(Response.self, raw.message),
                initialMetadata: raw.initialMetadata, trailingMetadata: raw.trailingMetadata)
        }
    }

    /// A bidirectional-streaming call: `body` writes requests and reads responses at once.
    public func bidirectionalStreaming<Request: ProtobufMessage, Response: ProtobufMessage, Result: Sendable>(
        _ method: MethodDescriptor, responseType: Response.Type = Response.self, options: CallOptions = CallOptions(),
        body: (RequestStreamWriter<Request>, ResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await intercepted(method, options) { info in
            let (call, queue) = try await openStreaming(method, options: info.options, firstMessage: nil)
            return try await finishing(call) {
                try await body(RequestStreamWriter(call: call), ResponseStream(queue: queue, call: call))
            }
        }
    }

    // MARK: Plumbing

    func intercepted<Result: Sendable>(
        _ method: MethodDescriptor, _ options: CallOptions, _ body: (ClientCallInfo) async throws -> Result
    ) async throws -> Result {
        let info = ClientCallInfo(method: method, options: options)
        if configuration.interceptors.isEmpty { return try await body(info) }
        return try await configuration.interceptors.run(info, body)
    }

    /// Runs a streaming call's body; cancels the call if the body leaves before it completed
    /// (a finished call is never reset: nghttp2 servers limit resets per second).
    func finishing<Result>(_ call: ClientCall, _ body: () async throws -> Result) async throws -> Result {
        do {
            let result = try await withTaskCancellationHandler {
                try await body()
            } onCancel: {
                call.cancel()
            }
            call.cancel()
            return result
        } catch {
            call.cancel()
            if Task.isCancelled, !(error is RPCError) { throw RPCError(code: .cancelled, message: "the call was cancelled by the client") }
            throw error
        }
    }

    /// A unary call on framed request bytes; retries a stream the server refused unprocessed.
    func unaryBytes(_ method: MethodDescriptor, framed: ByteBuffer, options: CallOptions) async throws -> UnaryResponse<ByteBuffer> {
        let deadline = try deadline(options)
        try checkPushback(options)
        var attempt = 0
        while true {
            attempt += 1
            let connection = try await connection(deadline: deadline)
            let call = ClientCall(
                eventLoop: connection.eventLoop, allocator: allocator, maxSendMessageSize: configuration.maxSendMessageSize, publishesMetadata: false)
            let headers = try requestHeaders(method, connection: connection, options: options, deadline: deadline)
            do {
                return try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        let box = call.handler
                        let metadata = call.metadata
                        let maxReceive = configuration.maxReceiveMessageSize
                        let start: @Sendable () -> Void = {
                            box.value = connection.startCall(
                                headers: headers, deadline: deadline, delivery: .single(continuation), maxReceiveMessageSize: maxReceive,
                                metadata: metadata, retriesTransparently: true, firstMessage: framed, endRequests: true)
                        }
                        // Already on the connection's thread (a task preferring its executor): start now.
                        if connection.eventLoop.inEventLoop { start() } else { connection.eventLoop.execute(start) }
                    }
                } onCancel: {
                    call.cancel()
                }
            } catch let error as RPCError {
                notePushback(error)
                throw error
            } catch let refusal as TransparentRetry {
                connection.markUnusable()
                if let reason = refusal.reason { throw RPCError(code: .unavailable, message: reason) }
                if attempt >= 3 { throw RPCError(code: .unavailable, message: "the stream was not taken \(attempt) times in a row: each connection refused it (REFUSED_STREAM or GOAWAY) or closed before the server processed it") }
            }
        }
    }

    private func open(
        _ method: MethodDescriptor, options: CallOptions, delivery: ClientStreamHandler.Delivery,
        firstMessage: ByteBuffer?, endRequests: Bool
    ) async throws -> ClientCall {
        let deadline = try deadline(options)
        try checkPushback(options)
        let connection = try await connection(deadline: deadline)
        let streaming = if case .stream = delivery { true } else { false }
        let call = ClientCall(
            eventLoop: connection.eventLoop, allocator: allocator, maxSendMessageSize: configuration.maxSendMessageSize, publishesMetadata: streaming)
        let headers = try requestHeaders(method, connection: connection, options: options, deadline: deadline)
        let box = call.handler
        let metadata = call.metadata
        let maxReceive = configuration.maxReceiveMessageSize
        try await connection.eventLoop.submit {
            box.value = connection.startCall(
                headers: headers, deadline: deadline, delivery: delivery, maxReceiveMessageSize: maxReceive, metadata: metadata,
                firstMessage: firstMessage, endRequests: endRequests)
        }.get()
        return call
    }

    func openStreaming(_ method: MethodDescriptor, options: CallOptions, firstMessage: ByteBuffer?) async throws -> (ClientCall, AsyncMessageQueue<ByteBuffer>) {
        // Weak: the call owns the queue (through its handler), so the queue must not own the call.
        let consumed = NIOLockedValueBox<WeakReference<ClientCall>?>(nil)
        let queue = AsyncMessageQueue<ByteBuffer> { owed in
            consumed.withLockedValue { $0?.object }?.onLoop { $0.returnWindow(owed) }
        }
        let call = try await open(method, options: options, delivery: .stream(queue), firstMessage: firstMessage, endRequests: firstMessage != nil)
        consumed.withLockedValue { $0 = WeakReference(call) }
        return (call, queue)
    }

    /// An overloaded server's refusal may carry `grpc-retry-pushback-ms`: no call goes to it on
    /// this channel for that long (gRPC's retry design, A6), so refused clients do not come
    /// straight back and keep it overloaded.
    private func notePushback(_ error: RPCError) {
        guard error.code == .resourceExhausted, let text = error.metadata["grpc-retry-pushback-ms"],
              let milliseconds = Int64(text), milliseconds > 0 else { return }
        let until = NIODeadline.now() + .milliseconds(min(milliseconds, 60_000))
        pushedBackUntil.withLockedValue { $0 = max($0 ?? until, until) }
    }

    /// Fails at once with RESOURCE_EXHAUSTED while the server's pushback lasts. Critical calls
    /// (`AdmissionControl.criticalityHeader`) go through: a server never sheds them.
    private func checkPushback(_ options: CallOptions) throws {
        if options.metadata[AdmissionControl.criticalityHeader] == "critical" { return }
        guard let until = pushedBackUntil.withLockedValue({ $0 }) else { return }
        let left = until - .now()
        guard left > .zero else { return }
        throw RPCError(code: .resourceExhausted, message: "the server asked for no calls for \(left.nanoseconds / 1_000_000 + 1) ms more (grpc-retry-pushback-ms); not sent")
    }

    func deadline(_ options: CallOptions) throws -> NIODeadline? {
        guard let timeout = options.timeout else { return nil }
        guard timeout > .zero else { throw RPCError(code: .deadlineExceeded, message: "the deadline had passed before the call started") }
        return .now() + timeout.timeAmount
    }

    func requestHeaders(_ method: MethodDescriptor, connection: ClientConnection, options: CallOptions, deadline: NIODeadline?) throws -> RequestHeaders {
        if let problem = options.metadata.validationError() { throw RPCError(code: .internal, message: problem) }
        var perCall: [HTTP2Header] = []
        if let deadline {
            perCall.append(HTTP2Header("grpc-timeout", GRPCTimeout.format(deadline - .now())))
        }
        options.metadata.appendHeaders(to: &perCall)
        return RequestHeaders(fixed: connection.fixedRequestHeaders(path: method.path, userAgent: configuration.userAgent), perCall: perCall)
    }
}
