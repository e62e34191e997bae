/// A gRPC status code (gRPC's doc/statuscodes.md).
public struct StatusCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The numeric code on the wire (`grpc-status`).
    public let rawValue: Int

    /// Any code, including ones this version does not name.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Not an error: the call succeeded.
    public static let ok = StatusCode(rawValue: 0)
    /// The call was cancelled, usually by the caller.
    public static let cancelled = StatusCode(rawValue: 1)
    /// An error with no better code (e.g. a handler threw a non-gRPC error).
    public static let unknown = StatusCode(rawValue: 2)
    /// The client sent an invalid argument, whatever the system's state.
    public static let invalidArgument = StatusCode(rawValue: 3)
    /// The deadline passed before the call completed.
    public static let deadlineExceeded = StatusCode(rawValue: 4)
    /// A requested entity was not found.
    public static let notFound = StatusCode(rawValue: 5)
    /// The entity the client tried to create already exists.
    public static let alreadyExists = StatusCode(rawValue: 6)
    /// The caller may not do this.
    public static let permissionDenied = StatusCode(rawValue: 7)
    /// A resource ran out: a quota, memory, message size, the server's capacity.
    public static let resourceExhausted = StatusCode(rawValue: 8)
    /// The system is not in the state the call needs.
    public static let failedPrecondition = StatusCode(rawValue: 9)
    /// The call was aborted, typically by a concurrency conflict.
    public static let aborted = StatusCode(rawValue: 10)
    /// The call went past a valid range.
    public static let outOfRange = StatusCode(rawValue: 11)
    /// The method is not implemented or not supported.
    public static let unimplemented = StatusCode(rawValue: 12)
    /// An invariant the system expects was broken.
    public static let `internal` = StatusCode(rawValue: 13)
    /// The service is unavailable for now; the call may be retried with backoff.
    public static let unavailable = StatusCode(rawValue: 14)
    /// Unrecoverable data loss or corruption.
    public static let dataLoss = StatusCode(rawValue: 15)
    /// The request has no valid credentials.
    public static let unauthenticated = StatusCode(rawValue: 16)

    private static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]

    /// The canonical upper-case name, e.g. `DEADLINE_EXCEEDED`.
    public var description: String {
        Self.names.indices.contains(rawValue) ? Self.names[rawValue] : "CODE_\(rawValue)"
    }

    /// The code for a canonical name (as the CLI and logs spell it), if there is one.
    public init?(name: String) {
        guard let index = Self.names.firstIndex(of: name.uppercased()) else { return nil }
        self.rawValue = index
    }

    /// The gRPC status a client infers from an HTTP status when no grpc-status arrived
    /// (gRPC's doc/http-grpc-status-mapping.md).
    public static func fromHTTPStatus(_ status: Int) -> StatusCode {
        switch status {
        case 400: return .internal
        case 401: return .unauthenticated
        case 403: return .permissionDenied
        case 404: return .unimplemented
        case 429, 502, 503, 504: return .unavailable
        default: return .unknown
        }
    }
}
