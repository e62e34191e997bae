import CourierHTTP2
import CourierProtobuf
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A client's connections to a target's servers: calls share them as HTTP/2 streams. Connects
/// lazily, reconnects after GOAWAY or a lost connection, retries a call the server refused
/// unprocessed. A target of several addresses (`ChannelTarget`: a DNS name, a list) has a
/// subchannel per address, picked by `ChannelConfiguration.loadBalancing`.
///
/// ```swift
/// let channel = GRPCChannel(host: "127.0.0.1", port: 50051)
/// let client = Grpc_Testing_TestService.Client(channel: channel)
/// let reply = try await client.unaryCall(request, options: CallOptions(timeout: .seconds(1)))
///
/// var configuration = ChannelConfiguration()
/// configuration.loadBalancing = .roundRobin
/// let spread = try GRPCChannel(target: "dns:///history.internal:50061", configuration: configuration)
/// ```
public final class GRPCChannel: ClientTransport {
    /// The server's host name or address (of the target's first address; `localhost` for a Unix socket).
    public let host: String
    /// The server's port (0 for a Unix socket).
    public let port: Int
    /// Where the channel's calls go.
    public var target: ChannelTarget { subchannels.target }
    /// How the channel connects and calls.
    public let configuration: ChannelConfiguration
    private let subchannels: SubchannelSet
    /// Until when the server asked not to be sent calls (`grpc-retry-pushback-ms`).
    private let pushedBackUntil = NIOLockedValueBox<NIODeadline?>(nil)
    /// The service config's retry throttling, shared by the channel's calls.
    private let retryThrottle: RetryThrottle?

    /// A channel to `host:port`; connects on the first call, on `group`'s event loops.
    public convenience init(
        host: String, port: Int, configuration: ChannelConfiguration = ChannelConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.init(target: .host(host, port: port), configuration: configuration, group: group)
    }

    /// A channel to a target in gRPC's syntax: `host:port`, `dns:///host:port`,
    /// `ipv4:10.0.0.1:50051,10.0.0.2:50051` or `unix:///path/to/socket`.
    public convenience init(
        target: String, configuration: ChannelConfiguration = ChannelConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.init(target: try ChannelTarget(parsing: target), configuration: configuration, group: group)
    }

    /// A channel to `target`'s servers; connects on the first call, on `group`'s event loops.
    public init(
        target: ChannelTarget, configuration: ChannelConfiguration = ChannelConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        switch target {
        case .host(let host, let port), .dns(let host, let port): (self.host, self.port) = (host, port)
        case .addresses(let list):
            if case .host(let host, let port)? = list.first { (self.host, self.port) = (host, port) } else { (self.host, self.port) = ("localhost", 0) }
        case .unix: (self.host, self.port) = ("localhost", 0)
        }
        self.configuration = configuration
        self.retryThrottle = configuration.serviceConfig?.retryThrottling.map(RetryThrottle.init)
        self.subchannels = SubchannelSet(target: target, group: group, configuration: configuration)
        if let service = configuration.healthCheckService {
            subchannels.forEachSubchannel { [weak self] subchannel in self?.watchHealth(of: subchannel, service: service) }
        }
    }

    /// The executor of the first connection's event loop. Calls made from a task that prefers it
    /// (`Task(executorPreference:)`, `withTaskExecutorPreference`) run without a thread hop.
    public var taskExecutor: any TaskExecutor { subchannels.homeExecutor }

    /// Opens every connection now instead of at the first call, so that call does not spend its
    /// deadline on TCP and HTTP/2 set-up. Throws when one cannot connect (calls will try again).
    public func connect() async throws {
        _ = try await allConnections()
    }

    /// Every connection of the channel, one per slot, each connected.
    func allConnections() async throws -> [ClientConnection] {
        if subchannels.all.isEmpty { _ = try await connection() }  // a DNS target resolves first
        var connections: [ClientConnection] = []
        for subchannel in subchannels.all {
            for slot in subchannel.slots { connections.append(try await slot.connection()) }
        }
        return connections
    }

    /// Closes every connection; calls after this fail with UNAVAILABLE.
    public func close() async {
        await subchannels.close()
    }

    /// Runs `body` with this channel and closes it afterwards, whether `body` returns or throws.
    public func closing<R>(after body: (GRPCChannel) async throws -> R) async throws -> R {
        try await closingAfter({ try await body(self) }, close: close)
    }

    /// A connection for a call, by the load-balancing policy, waiting for one no later than the
    /// call's `deadline`.
    func connection(deadline: NIODeadline? = nil) async throws -> ClientConnection {
        try await subchannels.connection(deadline: deadline)
    }

    /// A unary call on framed request bytes. Retries a stream the server refused unprocessed
    /// (gRPC's transparent retry) on another connection, up to three times; and, when the
    /// method has a retry policy (`ChannelConfiguration.serviceConfig`), an attempt that failed
    /// with a retryable status before any response headers arrived (gRPC A6), within the deadline.
    public func unaryExchange(_ method: MethodDescriptor, framedRequest framed: ByteBuffer, options: CallOptions) async throws -> UnaryResponse<ByteBuffer> {
        let deadline = try deadline(options)
        let policy = configuration.serviceConfig?.retryPolicy(for: method)
        var refusals = 0
        var failedAttempts = 0
        while true {
            let headersArrived = policy == nil ? nil : ResponseHeadersFlag()
            let prepared = try await prepare(
                method, options: options, deadline: deadline, publishesMetadata: false, previousAttempts: failedAttempts)
            do {
                let response = try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        launch(
                            prepared, delivery: .single(continuation), retriesTransparently: true, firstMessage: framed, endRequests: true,
                            headersArrived: headersArrived)
                    }
                } onCancel: {
                    prepared.call.cancel()
                }
                retryThrottle?.recordSuccess()
                return response
            } catch let error as RPCError {
                notePushback(error)
                failedAttempts += 1
                guard let policy, let headersArrived,
                      let wait = retryWait(after: error, attempt: failedAttempts, policy: policy, committed: headersArrived.isSet, deadline: deadline)
                else { throw error }
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    throw RPCError(code: .cancelled, message: "the call was cancelled by the client")
                }
            } catch let refusal as TransparentRetry {
                prepared.connection.markUnusable()
                refusals += 1
                if let reason = refusal.reason { throw RPCError(code: .unavailable, message: reason) }
                if refusals >= 3 { throw RPCError(code: .unavailable, message: "the stream was not taken \(refusals) times in a row: each connection refused it (REFUSED_STREAM or GOAWAY) or closed before the server processed it") }
            }
        }
    }

    /// How long to wait before retrying after attempt number `attempt` failed with `error`, or
    /// nil when it must not be retried: a status the policy does not retry, no attempts left,
    /// response headers already in (committed), the throttle's bucket below half, a negative
    /// `grpc-retry-pushback-ms`, or a wait that would outlast the deadline.
    private func retryWait(after error: RPCError, attempt: Int, policy: RetryPolicy, committed: Bool, deadline: NIODeadline?) -> Duration? {
        guard policy.retryableStatusCodes.contains(error.code) else { return nil }
        // The throttle counts every retryable failure, whether or not it is retried.
        if let retryThrottle, !retryThrottle.recordRetryableFailure() { return nil }
        guard !committed, attempt < policy.maxAttempts else { return nil }
        let wait: Duration
        if let pushback = error.metadata["grpc-retry-pushback-ms"] {
            guard let milliseconds = Int64(pushback), milliseconds >= 0 else { return nil }
            wait = .milliseconds(milliseconds)
        } else {
            var random = SystemRandomNumberGenerator()
            wait = policy.backoff(beforeRetry: attempt, using: &random)
        }
        if let deadline, NIODeadline.now() + wait.timeAmount >= deadline { return nil }
        return wait
    }

    /// Starts a call on one of the channel's connections (no transparent retry: its messages
    /// may go out before the server refuses it).
    public func startCall(
        _ method: MethodDescriptor, options: CallOptions, firstMessage: ByteBuffer?, endRequests: Bool, streamsResponses: Bool
    ) async throws -> ClientCallStream {
        try await startCall(method, options: options, firstMessage: firstMessage, endRequests: endRequests, streamsResponses: streamsResponses, on: nil)
    }

    /// `startCall`, on `connection` when given (a subchannel's health watch) instead of the
    /// load-balancing policy's pick.
    func startCall(
        _ method: MethodDescriptor, options: CallOptions, firstMessage: ByteBuffer?, endRequests: Bool, streamsResponses: Bool,
        on connection: ClientConnection?
    ) async throws -> ClientCallStream {
        let prepared = try await prepare(
            method, options: options, deadline: try deadline(options), publishesMetadata: streamsResponses, on: connection)
        var queue: AsyncMessageQueue<ReceivedMessage>?
        let delivery: ClientStreamHandler.Delivery
        if streamsResponses {
            // Weak: the call owns the queue (through its handler), so the queue must not own the call.
            let consumed = WeakReference(prepared.call)
            let responses = AsyncMessageQueue<ReceivedMessage> { owed in consumed.object?.onLoop { $0.returnWindow(owed) } }
            queue = responses
            delivery = .stream(responses)
        } else {
            delivery = .single(nil)
        }
        // Writes and the half-close reach the loop after this (one loop runs its jobs in order).
        launch(prepared, delivery: delivery, retriesTransparently: false, firstMessage: firstMessage, endRequests: endRequests)
        return ClientCallStream(
            io: prepared.call, responses: queue, maxSendMessageSize: configuration.maxSendMessageSize, compression: compression(for: options))
    }

    /// What every call of the channel settles before its stream opens, in this order: the
    /// server's pushback, a connection (waited for no later than the deadline), the bridge to
    /// the call's loop, and the request headers.
    private struct PreparedCall: Sendable {
        let connection: ClientConnection
        let call: ClientCall
        let headers: RequestHeaders
        let deadline: NIODeadline?
    }

    private func prepare(
        _ method: MethodDescriptor, options: CallOptions, deadline: NIODeadline?, publishesMetadata: Bool, previousAttempts: Int = 0,
        on fixedConnection: ClientConnection? = nil
    ) async throws -> PreparedCall {
        try checkPushback(options)
        let connection = if let fixedConnection { fixedConnection } else { try await connection(deadline: deadline) }
        let call = ClientCall(eventLoop: connection.eventLoop, publishesMetadata: publishesMetadata)
        let headers = try requestHeaders(method, connection: connection, options: options, deadline: deadline, previousAttempts: previousAttempts)
        return PreparedCall(connection: connection, call: call, headers: headers, deadline: deadline)
    }

    /// Opens the prepared call's stream on its loop: now when already there (a task preferring
    /// the loop's executor), otherwise as the loop's next job.
    private func launch(
        _ prepared: PreparedCall, delivery: ClientStreamHandler.Delivery, retriesTransparently: Bool, firstMessage: ByteBuffer?,
        endRequests: Bool, headersArrived: ResponseHeadersFlag? = nil
    ) {
        let maxReceive = configuration.maxReceiveMessageSize
        let start: @Sendable () -> Void = {
            prepared.call.handler.value = prepared.connection.startCall(
                headers: prepared.headers, deadline: prepared.deadline, delivery: delivery, maxReceiveMessageSize: maxReceive,
                metadata: prepared.call.metadata, retriesTransparently: retriesTransparently, firstMessage: firstMessage,
                endRequests: endRequests, headersArrived: headersArrived)
        }
        if prepared.connection.eventLoop.inEventLoop { start() } else { prepared.connection.eventLoop.execute(start) }
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

    func requestHeaders(
        _ method: MethodDescriptor, connection: ClientConnection, options: CallOptions, deadline: NIODeadline?, previousAttempts: Int = 0
    ) throws -> RequestHeaders {
        if let problem = options.metadata.validationError() { throw RPCError(code: .internal, message: problem) }
        var perCall: [HTTP2Header] = []
        if let deadline {
            perCall.append(HTTP2Header("grpc-timeout", GRPCTimeout.format(deadline - .now())))
        }
        let compression = compression(for: options)
        if compression.compresses { perCall.append(HTTP2Header("grpc-encoding", compression.name)) }
        if previousAttempts > 0 { perCall.append(HTTP2Header("grpc-previous-rpc-attempts", String(previousAttempts))) }
        options.metadata.appendHeaders(to: &perCall)
        return RequestHeaders(fixed: connection.fixedRequestHeaders(path: method.path, userAgent: configuration.userAgent), perCall: perCall)
    }
}
