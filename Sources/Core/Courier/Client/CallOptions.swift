/// Per-call settings.
public struct CallOptions: Sendable {
    /// How long the client waits; sent as `grpc-timeout` and enforced on both sides.
    public var timeout: Duration?
    /// Custom metadata sent with the request headers.
    public var metadata: Metadata
    /// What this call's request messages are compressed with; nil: the channel's
    /// `ChannelConfiguration.compression`. `.identity` sends them plain.
    public var compression: CompressionAlgorithm?

    /// Options with a timeout (none: no deadline), request metadata and request compression.
    public init(timeout: Duration? = nil, metadata: Metadata = Metadata(), compression: CompressionAlgorithm? = nil) {
        self.timeout = timeout
        self.metadata = metadata
        self.compression = compression
    }
}

/// What a client interceptor sees of a call before it starts, and may change.
public struct ClientCallInfo: Sendable {
    /// The method being called.
    public let method: MethodDescriptor
    /// The call's options; an interceptor may change them before the call starts.
    public var options: CallOptions
}

/// Wraps every call a channel makes: for logging, metrics, adding credentials. `next` runs the
/// call (with the info as this interceptor passes it on) and returns its result or throws.
public protocol ClientInterceptor: Sendable {
    func intercept<Result: Sendable>(_ call: ClientCallInfo, next: (ClientCallInfo) async throws -> Result) async throws -> Result
}

extension Array where Element == any ClientInterceptor {
    func run<Result: Sendable>(_ call: ClientCallInfo, from index: Int = 0, _ body: (ClientCallInfo) async throws -> Result) async throws -> Result {
        guard index < count else { return try await body(call) }
        return try await self[index].intercept(call) { call in try await run(call, from: index + 1, body) }
    }
}
