/// A call that ended with a status other than OK: what a handler throws to answer with that
/// status, and what a client call throws when the server answered with it.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// Trailing metadata sent with the status.
    public var metadata: Metadata

    public init(code: StatusCode, message: String, metadata: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.metadata = metadata
    }

    public var description: String {
        message.isEmpty ? "\(code) (\(code.rawValue))" : "\(code) (\(code.rawValue)): \(message)"
    }

    /// The status a thrown error is reported with: an `RPCError` as itself, cancellation as
    /// CANCELLED, anything else as UNKNOWN with its description.
    public init(reporting error: any Error) {
        switch error {
        case let error as RPCError: self = error
        case is CancellationError: self.init(code: .cancelled, message: "the call was cancelled")
        default: self.init(code: .unknown, message: String(describing: error))
        }
    }
}
