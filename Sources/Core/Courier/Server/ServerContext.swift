import CourierHTTP2
import NIOCore
import Synchronization

/// What a handler knows of its call, and the response metadata it may set.
public final class ServerContext: Sendable {
    /// The method being called.
    public let method: MethodDescriptor
    /// Custom metadata the client sent (built from the request headers on first use: most
    /// handlers never look).
    public var requestMetadata: Metadata {
        response.withLock { state in
            if let metadata = state.requestMetadata { return metadata }
            let metadata = Metadata(headers: requestHeaders)
            state.requestMetadata = metadata
            return metadata
        }
    }
    private let requestHeaders: [HTTP2Header]
    /// When the client stops waiting (from `grpc-timeout`); nil when it set none.
    public let deadline: ContinuousClock.Instant?
    /// The client's address, e.g. `[IPv4]127.0.0.1/127.0.0.1:54321`.
    public var peer: String { remoteAddress.map { "\($0)" } ?? "unknown" }
    /// The client's socket address, when known.
    public let remoteAddress: SocketAddress?

    private struct Response {
        var initialMetadata = Metadata()
        var trailingMetadata = Metadata()
        var cancelled = false
        var requestMetadata: Metadata?
    }
    private let response = Mutex(Response())

    init(method: MethodDescriptor, requestHeaders: [HTTP2Header], deadline: ContinuousClock.Instant?, remoteAddress: SocketAddress?) {
        self.method = method
        self.requestHeaders = requestHeaders
        self.deadline = deadline
        self.remoteAddress = remoteAddress
    }

    /// Metadata sent with the response headers; must be set before the first response message
    /// (after that the headers have gone).
    public var initialMetadata: Metadata {
        get { response.withLock { $0.initialMetadata } }
        set { response.withLock { $0.initialMetadata = newValue } }
    }

    /// Metadata sent with the status at the end of the call.
    public var trailingMetadata: Metadata {
        get { response.withLock { $0.trailingMetadata } }
        set { response.withLock { $0.trailingMetadata = newValue } }
    }

    /// Time left before the deadline, if there is one.
    public var timeRemaining: Duration? {
        deadline.map { $0 - .now }
    }

    /// True once the client cancelled, the deadline passed or the connection went away.
    public var isCancelled: Bool { response.withLock { $0.cancelled } }

    func markCancelled() { response.withLock { $0.cancelled = true } }
}
