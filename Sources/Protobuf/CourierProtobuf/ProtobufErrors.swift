/// Why bytes could not be decoded as a message.
public enum ProtobufDecodingError: Error, Equatable, CustomStringConvertible {
    /// protobuf-c refused the bytes: truncated, a wrong wire type, a bad varint or length.
    case malformed(messageType: String)
    /// A `string` field held bytes that are not UTF-8, which proto3 forbids.
    case invalidUTF8(messageType: String, field: String)
    /// Sub-messages nested deeper than the limit (unpacking them could overflow the stack).
    case nestingTooDeep(messageType: String, limit: Int)
    /// A `string` field held a NUL byte, which protobuf-c's C strings would silently cut off.
    case stringContainsNUL(messageType: String, field: String)

    /// The content of a field was refused (the bytes parsed): the sender's fault, INVALID_ARGUMENT
    /// for a request, not a corrupted message.
    public var isInvalidFieldValue: Bool {
        switch self {
        case .invalidUTF8, .stringContainsNUL: true
        case .malformed, .nestingTooDeep: false
        }
    }

    /// What went wrong, naming the message and field.
    public var description: String {
        switch self {
        case .malformed(let type): return "bytes are not a valid \(type)"
        case .invalidUTF8(let type, let field): return "field '\(field)' of \(type) is not valid UTF-8"
        case .nestingTooDeep(let type, let limit): return "\(type) nests sub-messages deeper than \(limit) levels"
        case .stringContainsNUL(let type, let field): return "field '\(field)' of \(type) contains a NUL character"
        }
    }
}

/// Why a message could not be encoded.
public enum ProtobufEncodingError: Error, Equatable, CustomStringConvertible {
    /// protobuf-c stores strings NUL-terminated and would silently cut this one at its NUL.
    case stringContainsNUL(field: String)

    /// What went wrong, naming the message and field.
    public var description: String {
        switch self {
        case .stringContainsNUL(let field):
            return "string field '\(field)' contains a NUL character, which protobuf-c cannot encode"
        }
    }
}
