import CourierHTTP2
import NIOCore

/// How a `Server` runs.
public struct ServerConfiguration: Sendable {
    /// Event-loop threads; each connection lives on one. 1 pins the whole server to one thread.
    public var threads: Int = System.coreCount
    /// HTTP/2 settings and policy.
    public var http2 = HTTP2Configuration()
    /// TLS for every connection (`ServerTLS` in CourierTLS); nil: cleartext HTTP/2 (h2c).
    public var security: (any ServerConnectionSecurity)?
    /// Larger request messages end the call with RESOURCE_EXHAUSTED.
    public var maxReceiveMessageSize = 4 << 20
    /// Larger response messages end the call with RESOURCE_EXHAUSTED.
    public var maxSendMessageSize = Int(Int32.max)
    /// What response messages are compressed with when the client accepts it
    /// (`grpc-accept-encoding`); a handler can choose per call (`ServerContext.responseCompression`).
    /// Requests in any supported encoding are read whatever this says.
    public var responseCompression = CompressionAlgorithm.identity
    /// Most response bytes the whole server holds for peers that have not read them; with
    /// `http2.maxBufferedOutboundBytes` per connection, it bounds the memory slow or hostile
    /// readers can pin. Answers past it end RESOURCE_EXHAUSTED, and new calls are refused.
    public var maxBufferedResponseBytes = 256 << 20
    /// Overload protection of unary calls (`AdmissionControl`): the adaptive concurrency limit it
    /// starts from, or nil to admit every call. It starts where HTTP/2 already bounds a connection
    /// (1,000 streams: a burst of hundreds of calls on a fresh server is not refused), shrinks as
    /// soon as calls queue past the allowance, and returns there once they no longer do.
    public var concurrencyLimit: GradientConcurrencyLimit? = GradientConcurrencyLimit(initial: 1000, minimum: 8, maximum: 4000)

    /// The defaults: loopback-safe limits, one thread per core.
    public init() {}
}
