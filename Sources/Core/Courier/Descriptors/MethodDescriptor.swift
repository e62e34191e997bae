/// The four shapes of a gRPC call.
public enum RPCKind: Sendable, Hashable {
    case unary, serverStreaming, clientStreaming, bidirectionalStreaming

    var clientStreams: Bool { self == .clientStreaming || self == .bidirectionalStreaming }
    var serverStreams: Bool { self == .serverStreaming || self == .bidirectionalStreaming }
}

/// One method of a service, as the wire names it: `/service/method`.
public struct MethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The fully-qualified service name, e.g. `grpc.testing.TestService`.
    public let service: String
    /// The method name, e.g. `UnaryCall`.
    public let method: String
    /// Whether requests and responses stream.
    public let kind: RPCKind
    /// The HTTP/2 `:path` (built once: every call sends it).
    public let path: String

    /// A method of `service` (fully qualified) named `method`.
    public init(service: String, method: String, kind: RPCKind) {
        self.service = service
        self.method = method
        self.kind = kind
        self.path = "/\(service)/\(method)"
    }
    /// `service/method`.
    public var description: String { "\(service)/\(method)" }
}
