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
    /// What the client compressed its request messages with (`grpc-encoding`; identity when it
    /// named none). Each message may still come uncompressed: see `requestWasCompressed` and
    /// `RequestStream.AsyncIterator.lastMessageWasCompressed`.
    public let requestCompression: CompressionAlgorithm
    /// What the client can read (`grpc-accept-encoding`).
    let acceptedEncodings: AcceptedEncodings
    /// The response encoding (a `CompressionAlgorithm.Kind`), with `frozenBit` once the response
    /// headers have named it.
    private let responseEncoding: Atomic<UInt8>
    private static let frozenBit: UInt8 = 0x80

    private struct Response {
        var initialMetadata = Metadata()
        var trailingMetadata = Metadata()
        var cancelled = false
        var requestMetadata: Metadata?
        var requestCompressed = false
    }
    private let response = Mutex(Response())

    init(
        method: MethodDescriptor, requestHeaders: [HTTP2Header], deadline: ContinuousClock.Instant?, remoteAddress: SocketAddress?,
        requestCompression: CompressionAlgorithm = .identity, acceptedEncodings: AcceptedEncodings = .identityOnly,
        responseCompression: CompressionAlgorithm = .identity
    ) {
        self.method = method
        self.requestHeaders = requestHeaders
        self.deadline = deadline
        self.remoteAddress = remoteAddress
        self.requestCompression = requestCompression
        self.acceptedEncodings = acceptedEncodings
        let usable = acceptedEncodings.contains(responseCompression) ? responseCompression : .identity
        self.responseEncoding = Atomic(usable.kind.rawValue)
    }

    /// True when the request of a unary or server-streaming call arrived compressed.
    public var requestWasCompressed: Bool { response.withLock { $0.requestCompressed } }

    func markRequestCompressed() { response.withLock { $0.requestCompressed = true } }

    /// What the response messages are compressed with (the server's
    /// `ServerConfiguration.responseCompression` unless the handler chose otherwise). Set it
    /// before the first response message: the response headers name it, and it stays. An
    /// encoding the client did not list in `grpc-accept-encoding` is not used (identity instead).
    /// A message can still go out uncompressed (`ResponseStreamWriter.write(_:compress:)`).
    public var responseCompression: CompressionAlgorithm {
        get { Self.algorithm(responseEncoding.load(ordering: .relaxed)) }
        set {
            let current = responseEncoding.load(ordering: .relaxed)
            guard current & Self.frozenBit == 0 else { return }
            let usable = acceptedEncodings.contains(newValue) ? newValue : .identity
            responseEncoding.store(usable.kind.rawValue, ordering: .relaxed)
        }
    }

    /// The response encoding as the headers name it; it no longer changes after this.
    func freezeResponseCompression() -> CompressionAlgorithm {
        let current = responseEncoding.load(ordering: .relaxed)
        if current & Self.frozenBit == 0 { responseEncoding.store(current | Self.frozenBit, ordering: .relaxed) }
        return Self.algorithm(current)
    }

    /// The encoding a response message is framed in.
    @usableFromInline
    var outgoingCompression: CompressionAlgorithm { Self.algorithm(responseEncoding.load(ordering: .relaxed)) }

    private static func algorithm(_ bits: UInt8) -> CompressionAlgorithm {
        CompressionAlgorithm(kind: CompressionAlgorithm.Kind(rawValue: bits & ~frozenBit) ?? .identity)
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
