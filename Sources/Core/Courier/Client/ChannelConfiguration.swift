import CourierHTTP2
import NIOCore

/// How a `GRPCChannel` connects and calls.
public struct ChannelConfiguration: Sendable {
    /// HTTP/2 settings and policy of each connection.
    /// Keepalive as gRPC clients keep it: a PING after 5 minutes without a frame from the server,
    /// only while calls are open (gRPC servers count more frequent PINGs, or PINGs without calls,
    /// as abuse: `PingPolicy`), and the connection declared dead (its calls UNAVAILABLE) when the
    /// PING goes unanswered for 20 seconds. Shorter intervals need a server that permits them.
    public var http2: HTTP2Configuration = {
        var http2 = HTTP2Configuration()
        http2.maxConcurrentStreams = 100  // a client accepts no pushed streams; this only bounds the peer
        http2.keepaliveInterval = .seconds(300)
        http2.keepaliveTimeout = .seconds(20)
        http2.keepaliveWithoutCalls = false
        return http2
    }()
    /// TLS for the channel's connections (`ClientTLS` in CourierTLS); nil: cleartext HTTP/2 (h2c).
    public var security: (any ClientConnectionSecurity)?
    /// Connections to open to each address and spread its calls over (in turn); each is one
    /// event loop's work.
    public var connections = 1
    /// How calls are spread over a target's addresses (`ChannelTarget.dns`, `.addresses`).
    public var loadBalancing = LoadBalancingPolicy.pickFirst
    /// How often a `dns:` target is resolved again (also whenever no address could take a call).
    public var resolveInterval: Duration = .seconds(30)
    /// A service whose health (grpc.health.v1 `Health/Watch`, "" for the whole server) each
    /// address's server is asked: one answering NOT_SERVING leaves the rotation until it answers
    /// SERVING again. nil: no health checks.
    public var healthCheckService: String?
    /// How long one connection attempt (TCP and HTTP/2 set-up) may take. A call never waits for
    /// it longer than its own deadline; the attempt goes on for the calls after it.
    public var connectTimeout: Duration = .seconds(10)
    /// How long an address that failed to connect is left alone before the next attempt; calls in
    /// the meantime fail at once with UNAVAILABLE.
    public var backoff = ConnectionBackoff()
    /// Larger response messages fail the call with RESOURCE_EXHAUSTED.
    public var maxReceiveMessageSize = 4 << 20
    /// Larger request messages fail the call with RESOURCE_EXHAUSTED before anything is sent.
    public var maxSendMessageSize = Int(Int32.max)
    /// What request messages are compressed with unless a call says otherwise
    /// (`CallOptions.compression`). Responses in any supported encoding are read whatever this says.
    public var compression = CompressionAlgorithm.identity
    /// Sent as `user-agent`.
    public var userAgent = "courier-swift/0.1"
    /// gRPC's service config: retry policies by method and retry throttling (`ServiceConfig`);
    /// nil: no retries beyond the transparent retry of streams the server refused unprocessed.
    public var serviceConfig: ServiceConfig?
    /// Wrap every call the channel makes, the first outermost.
    public var interceptors: [any ClientInterceptor] = []

    /// The defaults: plaintext HTTP/2, one connection, gRPC's connection backoff.
    public init() {}
}
