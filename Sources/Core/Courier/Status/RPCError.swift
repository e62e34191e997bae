/// A call that ended with a status other than OK: what a handler throws to answer with that
/// status, and what a client call throws when the server answered with it.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status code.
    public var code: StatusCode
    /// The status message (may be empty).
    public var message: String
    /// Trailing metadata sent with the status.
    public var metadata: Metadata

    /// An error answering with `code`, `message` and trailing `metadata`.
    public init(code: StatusCode, message: String, metadata: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.metadata = metadata
    }

    /// `CODE (n): message`, for logs.
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
