import NIOConcurrencyHelpers
import NIOCore

/// What a handler knows of its call, and the response metadata it may set.
public final class ServerContext: Sendable {
    public let method: MethodDescriptor
    /// Custom metadata the client sent.
    public let requestMetadata: Metadata
    /// When the client stops waiting (from `grpc-timeout`); nil when it set none.
    public let deadline: NIODeadline?
    /// The client's address.
    public let peer: String

    private struct Response {
        var initialMetadata = Metadata()
        var trailingMetadata = Metadata()
        var cancelled = false
    }
    private let response = NIOLockedValueBox(Response())

    init(method: MethodDescriptor, requestMetadata: Metadata, deadline: NIODeadline?, peer: String) {
        self.method = method
        self.requestMetadata = requestMetadata
        self.deadline = deadline
        self.peer = peer
    }

    /// Metadata sent with the response headers; must be set before the first response message
    /// (after that the headers have gone).
    public var initialMetadata: Metadata {
        get { response.withLockedValue { $0.initialMetadata } }
        set { response.withLockedValue { $0.initialMetadata = newValue } }
    }

    /// Metadata sent with the status at the end of the call.
    public var trailingMetadata: Metadata {
        get { response.withLockedValue { $0.trailingMetadata } }
        set { response.withLockedValue { $0.trailingMetadata = newValue } }
    }

    /// Time left before the deadline, if there is one.
    public var timeRemaining: TimeAmount? {
        deadline.map { $0 - .now() }
    }

    /// True once the client cancelled, the deadline passed or the connection went away.
    public var isCancelled: Bool { response.withLockedValue { $0.cancelled } }

    func markCancelled() { response.withLockedValue { $0.cancelled = true } }
}
